"""`make bench`: Flashsite under load, beside the framework's own ceiling.

Builds two databases, the bundled 20-card deck ("20") and a 10,000-card deck
with 200 learners and 1,000,000 reviews ("10k"); serves each with gunicorn
(2 sync workers, DEBUG off) on 127.0.0.1; and drives them with wrk, one
learner per connection, in interleaved rounds with /healthz (no database) as
the ceiling. See bench/README.md.

Environment: BENCH_SECONDS (per endpoint per round, default 3), BENCH_DB
(sqlite | postgres), BENCH_CONNECTIONS (default "16,64"), BENCH_ROUNDS
(default 3), BENCH_ENDPOINTS (default "study,flip,rate,home,progress"; also
progress_deck), BENCH_PG_URL (the server's maintenance database), BENCH_KEEP=1
to keep the databases afterwards.
"""

import json
import math
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
PYTHON = sys.executable
LUA = BENCH / "flashsite.lua"

SECONDS = int(os.environ.get("BENCH_SECONDS", "3"))
DB = os.environ.get("BENCH_DB", "sqlite")
CONNECTIONS = [int(n) for n in os.environ.get("BENCH_CONNECTIONS", "16,64").split(",")]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
KEEP = os.environ.get("BENCH_KEEP", "") == "1"
# For working on the bench itself: use the databases a BENCH_KEEP=1 run left.
REUSE = os.environ.get("BENCH_REUSE", "") == "1"
# How long a server may take to work through what a run left queued.
SETTLE_SECONDS = 5
SECRET_KEY = "bench-" + secrets.token_urlsafe(40)

# The learners who read (study, flip, home, progress) never write, so what they
# are shown stays the same all run; those who rate are others.
READERS_FROM, RATERS_FROM = 0, 100
ENDPOINTS = os.environ.get("BENCH_ENDPOINTS", "study,flip,rate,home,progress").split(",")
# The progress pages come with a later issue; until then they answer 404.
PROGRESS = ["progress", "progress_deck"]


@dataclass
class Dataset:
    name: str  # "20" or "10k"
    size: str  # dataset.py's name for it
    slug: str
    database_url: str = ""
    sqlite_path: Path | None = None
    port: int = 0
    server: subprocess.Popen | None = None
    queries: dict = field(default_factory=dict)
    reviews_at_start: int = 0
    reviews_at_end: int = 0

    @property
    def learners(self) -> Path:
        return OUT / f"learners-{DB}-{self.size}.txt"

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": SECRET_KEY,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
            "BENCH_STATIC_ROOT": str(OUT / "static"),
        }
        env.pop("DATABASE_URL", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        if self.sqlite_path:
            env["BENCH_SQLITE_PATH"] = str(self.sqlite_path)
        return env

    def django(self, *args: str) -> str:
        """Run bench/dataset.py against this data set; its last line of output."""
        result = subprocess.run(
            [PYTHON, str(BENCH / "dataset.py"), *args],
            env=self.env(),
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


@dataclass
class Run:
    endpoint: str
    dataset: str
    connections: int
    round: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    ok: int
    statuses: dict
    cpu_ms: float = 0.0  # server CPU per request: workers (and PostgreSQL)
    ceiling_rps: float = 0.0
    ceiling_cpu_ms: float = 0.0
    written: int | None = None
    restarted: bool = False


def say(message: str) -> None:
    print(message, flush=True)


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("wrk is missing: installing the Debian package")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-qq", "wrk"]
        if subprocess.run(install, env=env, stdout=subprocess.DEVNULL).returncode:
            subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
            subprocess.run(install, env=env, check=True, stdout=subprocess.DEVNULL)
        wrk = shutil.which("wrk")
    if not wrk:
        sys.exit("bench: wrk is not installed (Debian/Ubuntu: apt-get install wrk)")
    return wrk


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(sql)


def pg_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def create_database(dataset: Dataset) -> bool:
    """A new, empty database for the data set; False if REUSE keeps the last one."""
    if DB == "postgres":
        name = f"flashsite_bench_{dataset.size}"
        dataset.database_url = PG_URL.rsplit("/", 1)[0] + "/" + name
        if REUSE and pg_exists(name):
            return False
        pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        pg_admin(f"CREATE DATABASE {name}")
    else:
        dataset.sqlite_path = OUT / f"bench-{dataset.size}.sqlite3"
        if REUSE and dataset.sqlite_path.exists():
            return False
        for suffix in ("", "-wal", "-shm"):
            Path(f"{dataset.sqlite_path}{suffix}").unlink(missing_ok=True)
    return True


def drop_database(dataset: Dataset) -> None:
    if KEEP:
        return
    if DB == "postgres" and dataset.database_url:
        pg_admin(f"DROP DATABASE IF EXISTS flashsite_bench_{dataset.size} WITH (FORCE)")
    elif dataset.sqlite_path:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{dataset.sqlite_path}{suffix}").unlink(missing_ok=True)


def answers(dataset: Dataset, timeout: float) -> bool:
    """Whether /healthz answers within `timeout` seconds: with sync workers it
    waits behind every request queued before it, so True means the server is idle."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{dataset.port}/healthz", headers={"X-Forwarded-Proto": "https"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def start_server(dataset: Dataset) -> None:
    dataset.port = dataset.port or free_port()
    log = open(OUT / f"gunicorn-{dataset.size}.log", "a")  # noqa: SIM115
    dataset.server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "flashsite.wsgi:application",
            "--workers=2",
            f"--bind=127.0.0.1:{dataset.port}",
            "--log-level=warning",
        ],
        env=dataset.env(),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so that it can be stopped whole
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and dataset.server.poll() is None:
        if answers(dataset, 2):
            return
        time.sleep(0.3)
    sys.exit(f"bench: gunicorn for {dataset.name} did not start; see {log.name}")


def stop_server(dataset: Dataset, *, now: bool = False) -> None:
    """Stop the gunicorn started for this data set: gracefully, or `now` (its
    process group is killed, requests queued in its backlog go with it)."""
    server = dataset.server
    if server is None or server.poll() is not None:
        return
    if not now:
        server.terminate()
        try:
            server.wait(timeout=20)
            return
        except subprocess.TimeoutExpired:
            pass
    os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=20)
    if DB == "postgres":
        # Queries of killed workers would run on in PostgreSQL; end them too.
        import psycopg

        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                [f"flashsite_bench_{dataset.size}"],
            )


def idle(dataset: Dataset, seconds: float) -> bool:
    """Wait up to `seconds` for the server to work through what a wrk run left
    queued (wrk stops sending, but the requests in the listen backlog are still
    served), so that none of it slows the next run."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if answers(dataset, max(deadline - time.monotonic(), 0.1)):
            return True
    return False


def settle(binary: str, dataset: Dataset, plan: Path, connections: int) -> bool:
    """Let the server go idle after a run; one still busy after SETTLE_SECONDS
    (an endpoint that slow) is restarted and warmed up instead: True then."""
    if idle(dataset, SETTLE_SECONDS):
        return False
    stop_server(dataset, now=True)
    start_server(dataset)
    warm_up(binary, dataset, plan, connections)
    return True


def warm_up(binary: str, dataset: Dataset, plan: Path, connections: int) -> None:
    """Load each worker's templates, URL resolvers and database connections."""
    for endpoint in ("study", "flip", "home"):
        wrk(binary, dataset, endpoint, plan, connections, 1)
        if not idle(dataset, 60):
            sys.exit(f"bench: the {dataset.name} server is still busy a minute after warm-up")


def wrk(
    binary: str, dataset: Dataset, mode: str, plan: Path, connections: int, seconds: int
) -> dict:
    command = [
        binary,
        f"-t{connections}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout=10s",
        f"-s{LUA}",
        f"http://127.0.0.1:{dataset.port}",
        "--",
        str(plan),
        mode,
        dataset.slug,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, cwd=ROOT)
    for line in result.stdout.splitlines():
        if line.startswith("BENCH "):
            return json.loads(line[len("BENCH ") :])
    sys.exit(f"bench: wrk failed for {mode}:\n{result.stdout}\n{result.stderr}")


TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu(dataset: Dataset) -> dict[int, float]:
    """CPU seconds used so far by each process serving this data set: the
    gunicorn master and workers (one process group) and, on PostgreSQL, the
    server processes of its database.

    The machine is shared and noisy, so requests per second swing with
    whatever else runs; CPU per request does not, and its ratio to the
    ceiling's is the throughput ratio a machine of one's own would see."""
    used = {}
    database = f"flashsite_bench_{dataset.size} "
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            ours = dataset.server is not None and int(fields[2]) == dataset.server.pid
            if not ours and DB == "postgres":
                ours = database in (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, UnicodeDecodeError):
            continue
        if ours:
            used[int(proc.name)] = (int(fields[11]) + int(fields[12])) / TICKS
    return used


def measure(
    binary: str,
    dataset: Dataset,
    endpoint: str,
    plan: Path,
    connections: int,
    round_: int,
    seconds: int = SECONDS,
) -> Run:
    before = server_cpu(dataset)
    data = wrk(binary, dataset, endpoint, plan, connections, seconds)
    after = server_cpu(dataset)
    cpu = sum(used - before.get(pid, 0.0) for pid, used in after.items())
    return Run(
        cpu_ms=cpu * 1000 / max(data["requests"], 1),
        endpoint=endpoint,
        dataset=dataset.name,
        connections=connections,
        round=round_,
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=data["socket_errors"] + data["timeouts"] + data["not_ok"],
        requests=data["requests"],
        ok=data["ok"],
        statuses=data["statuses"],
    )


def plan(dataset: Dataset, role: str, connections: int) -> tuple[Path, int]:
    out = OUT / f"plan-{dataset.size}-{role}-{connections}.txt"
    first = READERS_FROM if role == "read" else RATERS_FROM
    line = dataset.django(
        "plan",
        f"--role={role}",
        f"--deck={dataset.slug}",
        f"--first={first}",
        f"--count={connections}",
        f"--learners={dataset.learners}",
        f"--out={out}",
    )
    return out, json.loads(line)["reviews"]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(runs: list[Run], datasets: list[Dataset], endpoints: list[str]) -> dict[str, float]:
    """Print the tables; return the lowest median ratios to the ceiling of rate
    and flip, by throughput and by CPU per request."""
    worst = {"rate": math.inf, "flip": math.inf, "rate cpu": math.inf, "flip cpu": math.inf}
    for connections in CONNECTIONS:
        say("")
        say(
            f"{connections} connections · {DB} · medians of {ROUNDS} interleaved rounds"
            f" of {SECONDS} s"
        )
        say(
            f"{'endpoint':<14}{'deck':>5}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'errors':>7}"
            f"{'queries':>8}{'÷ healthz':>10}{'cpu ms':>8}{'÷ healthz':>10}"
        )
        for endpoint in ["healthz", *endpoints]:
            for dataset in datasets:
                these = [
                    r
                    for r in runs
                    if r.endpoint == endpoint
                    and r.dataset == dataset.name
                    and r.connections == connections
                ]
                if not these:
                    continue
                rps, cpu_ms = median([r.rps for r in these]), median([r.cpu_ms for r in these])
                ratio = median([r.rps / r.ceiling_rps for r in these if r.ceiling_rps])
                cpu_ratio = median([r.ceiling_cpu_ms / r.cpu_ms for r in these if r.cpu_ms])
                if endpoint in ("rate", "flip"):
                    worst[endpoint] = min(worst[endpoint], ratio)
                    worst[f"{endpoint} cpu"] = min(worst[f"{endpoint} cpu"], cpu_ratio)
                queries = dataset.queries.get(endpoint)
                say(
                    f"{endpoint:<14}{dataset.name if endpoint != 'healthz' else '':>5}"
                    f"{rps:>8.0f}{median([r.p50_ms for r in these]):>8.0f}"
                    f"{median([r.p99_ms for r in these]):>8.0f}{sum(r.errors for r in these):>7}"
                    f"{queries if queries is not None else '-':>8}{ratio:>10.3f}"
                    f"{cpu_ms:>8.2f}{cpu_ratio:>10.3f}"
                )
        scale = []
        for endpoint in endpoints:
            # Each round's two runs of the endpoint, one straight after the other,
            # as a pair: the machine's speed drifts between rounds, not within a pair.
            by_round: dict[int, dict[str, Run]] = {}
            for r in runs:
                if r.endpoint == endpoint and r.connections == connections:
                    by_round.setdefault(r.round, {})[r.dataset] = r
            pairs = [p for p in by_round.values() if {"20", "10k"} <= p.keys()]
            if pairs:
                rps = median([p["10k"].rps / p["20"].rps for p in pairs])
                cpu = median([p["20"].cpu_ms / p["10k"].cpu_ms for p in pairs if p["10k"].cpu_ms])
                scale.append(f"{endpoint} {rps:.2f} ({cpu:.2f})")
        say(
            "10k deck ÷ 20-card deck, req/s (by CPU), medians of each round's pair: "
            + ", ".join(scale)
        )
    return worst


def main() -> None:
    binary = ensure_wrk()
    OUT.mkdir(exist_ok=True)
    started = time.monotonic()
    datasets = [
        Dataset(name="20", size="small", slug="fine-tuning-flashcards"),
        Dataset(name="10k", size="large", slug="bench-10k"),
    ]
    say(
        f"bench: {DB}, {SECONDS} s per endpoint per round, {ROUNDS} rounds, "
        f"connections {CONNECTIONS}, on {os.cpu_count()} CPUs"
    )
    try:
        for dataset in datasets:
            if create_database(dataset):
                say(f"building the {dataset.name} data set …")
                dataset.django("build", f"--size={dataset.size}")
            # Sessions are signed with this run's secret key.
            dataset.django("sessions", f"--learners={dataset.learners}")
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "--clear", "-v0"],
            env=datasets[0].env(),
            cwd=ROOT,
            check=True,
        )
        for dataset in datasets:
            result = json.loads(
                dataset.django(
                    "queries", f"--deck={dataset.slug}", f"--learners={dataset.learners}"
                )
            )
            dataset.queries = result["queries"]
            (OUT / f"queries-{dataset.size}.json").write_text(json.dumps(result, indent=2))
            bad = {k: v for k, v in result["status"].items() if v != 200}
            if bad or result["written"] != 1:
                sys.exit(f"bench: the {dataset.name} site does not work: {bad}, {result}")
        endpoints = [e for e in ENDPOINTS if e not in PROGRESS or e in datasets[0].queries]
        if any(e in PROGRESS and e not in endpoints for e in ENDPOINTS):
            say("note: /progress/ does not exist yet, so no progress page is measured")

        for dataset in datasets:
            start_server(dataset)
        runs: list[Run] = []
        rate_runs: dict[str, list[tuple[Run, int]]] = {d.name: [] for d in datasets}
        for connections in CONNECTIONS:
            read_plans = {d.name: plan(d, "read", connections)[0] for d in datasets}
            for dataset in datasets:
                warm_up(binary, dataset, read_plans[dataset.name], connections)
            for round_ in range(1, ROUNDS + 1):
                say(f"{connections} connections, round {round_}/{ROUNDS} …")
                if DB == "postgres":
                    for dataset in datasets:
                        dataset.django("vacuum")  # as autovacuum would
                ceiling = measure(
                    binary, datasets[1], "healthz", read_plans["10k"], connections, round_
                )
                settle(binary, datasets[1], read_plans["10k"], connections)
                round_runs = [ceiling]
                order = datasets if round_ % 2 else datasets[::-1]
                for endpoint in endpoints:
                    for dataset in order:
                        if endpoint == "rate":
                            path, reviews = plan(dataset, "rate", connections)
                            if rate_runs[dataset.name]:
                                last, before = rate_runs[dataset.name][-1]
                                last.written = reviews - before
                        else:
                            path, reviews = read_plans[dataset.name], 0
                        run = measure(binary, dataset, endpoint, path, connections, round_)
                        run.restarted = settle(
                            binary, dataset, read_plans[dataset.name], connections
                        )
                        if endpoint == "rate":
                            rate_runs[dataset.name].append((run, reviews))
                        round_runs.append(run)
                # The ceiling again at the end: the machine's speed drifts within a round.
                closing = measure(
                    binary, datasets[1], "healthz", read_plans["10k"], connections, round_
                )
                settle(binary, datasets[1], read_plans["10k"], connections)
                round_runs.append(closing)
                for run in round_runs:
                    run.ceiling_rps = (ceiling.rps + closing.rps) / 2
                    run.ceiling_cpu_ms = (ceiling.cpu_ms + closing.cpu_ms) / 2
                runs.extend(round_runs)
        for dataset in datasets:
            reviews = json.loads(dataset.django("count"))["reviews"]
            if rate_runs[dataset.name]:
                last, before = rate_runs[dataset.name][-1]
                last.written = reviews - before
    finally:
        for dataset in datasets:
            stop_server(dataset)
        for dataset in datasets:
            drop_database(dataset)

    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    (OUT / f"results-{DB}-{stamp}.json").write_text(
        json.dumps([run.__dict__ for run in runs], indent=1)
    )
    worst = report(runs, datasets, endpoints)
    written = [(r.ok, r.written) for d in rate_runs.values() for r, _ in d]
    say("")
    say(
        "rate requests answered 200: "
        f"{sum(ok for ok, _ in written)}, reviews written: {sum(w or 0 for _, w in written)}"
        " (each rating must write; in-flight requests at the end of a run add a few)"
    )
    errors = sum(run.errors for run in runs)
    statuses: dict[str, int] = {}
    for run in runs:
        for status, count in run.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    if statuses:
        say(f"non-200 answers: {statuses}")
    restarts = [f"{r.endpoint} ({r.dataset}, -c{r.connections})" for r in runs if r.restarted]
    if restarts:
        say(
            f"servers restarted (still busy {SETTLE_SECONDS} s after the run) after: "
            + ", ".join(sorted(set(restarts)))
        )
    say(f"took {time.monotonic() - started:.0f} s; raw runs in {OUT.relative_to(ROOT)}/")
    say(
        "ratios below: the lowest median of the four cases (20/10k deck × connections); "
        "errors: every run"
    )
    say(
        f"by CPU per request: rate/healthz = {shown(worst['rate cpu'])}, "
        f"flip/healthz = {shown(worst['flip cpu'])}"
    )
    ratios = f"rate/healthz = {shown(worst['rate'])}, flip/healthz = {shown(worst['flip'])}"
    say(f"bench: {ratios}, errors = {errors}")


def shown(ratio: float) -> str:
    """A ratio for the last lines; "n/a" for an endpoint BENCH_ENDPOINTS left out."""
    return "n/a" if math.isinf(ratio) else f"{ratio:.2f}"


if __name__ == "__main__":
    main()
