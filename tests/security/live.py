"""Real servers for the tests that need them: gunicorn on 127.0.0.1, DEBUG off, own database.

pytest-django's SQLite test database lives in memory, one connection; the
concurrency, crash and backup tests need what production has: a SQLite file
in WAL mode (or a PostgreSQL database) written by several gunicorn processes.
Which one follows the run: PostgreSQL when DATABASE_URL names it, else SQLite.
"""

import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
PG_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = PG_URL.startswith(("postgres://", "postgresql://"))


class Database:
    """A database of its own for one live server: a SQLite file, or a new PostgreSQL database."""

    def __init__(self, folder: Path, name: str) -> None:
        self.name = f"flashsite_sec_{name}_{secrets.token_hex(4)}"
        if ON_POSTGRES:
            self.path = None
            self.url = _with_database(PG_URL, self.name)
            with psycopg.connect(PG_URL, autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{self.name}"')
        else:
            self.path = folder / f"{self.name}.sqlite3"
            self.url = f"sqlite:///{self.path}"

    @property
    def kind(self) -> str:
        return "postgresql" if ON_POSTGRES else "sqlite"

    def drop(self) -> None:
        if ON_POSTGRES:
            with psycopg.connect(PG_URL, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


SECRET_KEY = "live-test-" + secrets.token_urlsafe(40)


def server_env(database_url: str, static_root: Path, **extra: str) -> dict[str, str]:
    """The environment of production: DEBUG off, a secret key, allowed hosts."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.security.server_settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DATABASE_URL": database_url,
        "FLASHSITE_TEST_STATIC_ROOT": str(static_root),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(extra)
    return env


def run(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """A command in the project folder; its output, or an error with everything it printed."""
    result = subprocess.run(
        args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


def serverdb(env: dict[str, str], *args: str) -> str:
    return run(env, PYTHON, "-m", "tests.security.serverdb", *args)


def check(env: dict[str, str], username: str) -> dict:
    """The person's reviews as [card, seq, rating] and what replaying them contradicts."""
    return json.loads(serverdb(env, "check", username))


def password(username: str) -> str:
    return f"{username}-long-enough-secret"


class Gunicorn:
    """gunicorn serving Flashsite on a free port of 127.0.0.1, with sync workers."""

    def __init__(self, env: dict[str, str], log: Path, *, workers: int = 4) -> None:
        self.env, self.log, self.workers = env, log, workers
        self.process: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> "Gunicorn":
        self.log.write_text("")
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "gunicorn",
                    "flashsite.wsgi:application",
                    "--bind",
                    "127.0.0.1:0",
                    "--workers",
                    str(self.workers),
                    "--timeout",
                    "30",
                    "--graceful-timeout",
                    "5",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.log.read_text()}")
            match = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.log.read_text())
            if match and len(self.worker_pids()) == self.workers:
                self.port = int(match[1])
                if self._healthy():
                    return self
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"gunicorn did not start:\n{self.log.read_text()}")

    def _healthy(self) -> bool:
        try:
            return Visitor(self.port).get("/healthz").status == 200
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        """The master's children, read from /proc."""
        assert self.process is not None
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The command name, in parentheses, may hold spaces: the fields follow it.
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == self.process.pid and fields[0] != "Z":
                pids.append(int(entry.name))
        return sorted(pids)

    def kill_worker(self) -> int:
        """SIGKILL one worker, as the kernel's OOM killer would; gunicorn starts another."""
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def errors(self) -> list[str]:
        """Lines of the log that speak of a failure inside Flashsite."""
        return [
            line
            for line in self.log.read_text().splitlines()
            if "Traceback" in line or "Internal Server Error" in line or "[ERROR]" in line
        ]

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str

    def header(self, name: str) -> str:
        return self.headers.get(name, "")


@dataclass
class Visitor:
    """A person's browser, reduced to HTTP: cookies, CSRF tokens, forms posted as browsers do.

    Requests say they came through the TLS proxy (X-Forwarded-Proto: https),
    as production's load balancer does; Secure cookies are sent back anyway.
    """

    port: int
    cookies: dict[str, str] = field(default_factory=dict)
    timeout: float = 30

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def request(
        self,
        method: str,
        path: str,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            sent = {"Host": f"127.0.0.1:{self.port}", "X-Forwarded-Proto": "https"}
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if method == "POST":
                body = urllib.parse.urlencode(data or {})
                sent["Content-Type"] = "application/x-www-form-urlencoded"
                sent["Origin"] = self.origin
            sent.update(headers or {})
            connection.request(method, path, body=body, headers=sent)
            raw = connection.getresponse()
            response = Response(raw.status, raw.headers, raw.read().decode(errors="replace"))
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(
        self, path: str, data: dict[str, str], headers: dict[str, str] | None = None
    ) -> Response:
        return self.request("POST", path, data=data, headers=headers)

    def log_in(self, username: str) -> None:
        page = self.get("/accounts/login/")
        token = Form.first(page.body).fields["csrfmiddlewaretoken"]
        response = self.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password(username)},
        )
        assert response.status == 302, f"log-in of {username} failed: {response.status}"
        assert "sessionid" in self.cookies


class Form(HTMLParser):
    """The first form of a page: its action and the values it would submit."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, list[str]] = {}
        self._inside = self._done = False

    @classmethod
    def first(cls, html: str, action_contains: str = "") -> "Form":
        for form in cls.all(html):
            if action_contains in (form.action or ""):
                return form
        raise AssertionError(f"no form with action containing {action_contains!r}")

    @classmethod
    def all(cls, html: str) -> list["Form"]:
        forms = []
        for chunk in re.findall(r"<form\b.*?</form>", html, re.S | re.I):
            form = cls()
            form.feed(chunk)
            forms.append(form)
        return forms

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.action = values.get("action", "")
        elif tag == "input" and "name" in values:
            self.fields[values["name"]] = values.get("value", "")
        elif tag == "button" and "name" in values:
            self.buttons.setdefault(values["name"], []).append(values.get("value", ""))
