"""`make backup` and `make restore`: a backup restored into a fresh database is the same site.

The live server's database (a SQLite file, or PostgreSQL when the run is on
it) is backed up while a learner rates cards through gunicorn, and again
when quiet; each backup is restored with `make restore` into a new database.
The quiet one must give the very same progress pages (the HTML, rendered at
one instant, CSRF tokens aside); the one taken under load must be a
consistent moment (every card state equals the replay of the review log).
"""

import json
import re
import subprocess
import threading
from datetime import UTC, datetime

from .checks import without_tokens
from .live import ROOT, Database, Visitor, check, server_env, serverdb
from .load import DECK, Tally, deck_card_ids, own_cards_loop, run_threads

PAGES = ["/progress/", f"/progress/{DECK}/", f"/decks/{DECK}/", "/"]


def make(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def rendered(env: dict[str, str], at: datetime) -> dict[str, str]:
    pages = json.loads(serverdb(env, "render", "backup", at.isoformat(), *PAGES))
    for path, page in pages.items():
        assert page["status"] == 200, path
    return {path: without_tokens(page["html"]) for path, page in pages.items()}


def fresh_database(live_site, name: str) -> tuple[Database, dict[str, str]]:
    database = Database(live_site.folder, name)
    static_root = live_site.env["FLASHSITE_TEST_STATIC_ROOT"]
    return database, server_env(database.url, static_root)


def test_a_restored_backup_shows_the_same_progress(live_site):
    visitor = Visitor(live_site.port)
    visitor.log_in("backup")
    cards = deck_card_ids(visitor)
    tally = Tally.new()
    backup_under_load = live_site.folder / "under-load.backup"
    quiet_backup = live_site.folder / "quiet.backup"
    made: list[subprocess.CompletedProcess] = []

    def load(index: int, deadline: float) -> None:
        if index == 4:
            # Half-way through the load, a backup of the running site.
            threading.Event().wait(1.5)
            made.append(make(live_site.env, "backup", f"BACKUP={backup_under_load}"))
            return
        own_cards_loop(visitor, cards, tally, threads=4)(index, deadline)

    run_threads(5, 3, load)
    assert made[0].returncode == 0, made[0].stderr
    assert tally.broken() == [] and tally.failed_gets == []
    result = make(live_site.env, "backup", f"BACKUP={quiet_backup}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(str(quiet_backup))
    # Each backup is one whole file: no partial copy, no -wal or -shm beside it.
    assert sorted(p.name for p in live_site.folder.glob("*.backup*")) == [
        "quiet.backup",
        "under-load.backup",
    ]
    original = check(live_site.env, "backup")
    assert len(original["reviews"]) == len(tally.accepted()) >= 8

    at = datetime.now(UTC).replace(microsecond=0)
    for backup, name in ((quiet_backup, "quiet"), (backup_under_load, "loaded")):
        database, env = fresh_database(live_site, name)
        try:
            result = make(env, "restore", f"BACKUP={backup}")
            assert result.returncode == 0, result.stdout + result.stderr
            restored = check(env, "backup")
            assert restored["problems"] == []
            if name == "quiet":
                assert restored == original
                assert rendered(env, at) == rendered(live_site.env, at)
            else:
                # A moment of the load: some of the ratings, each as it was accepted.
                rows = {tuple(row) for row in original["reviews"]}
                assert 0 < len(restored["reviews"]) <= len(rows)
                assert {tuple(row) for row in restored["reviews"]} <= rows
        finally:
            database.drop()
    print(
        f"\n{live_site.database.kind}: {len(original['reviews'])} reviews backed up and "
        f"restored with identical progress pages; the backup under load held "
        f"a consistent moment"
    )


def test_restore_refuses_to_overwrite_a_database_with_data(live_site):
    backup = live_site.folder / "refuse.backup"
    assert make(live_site.env, "backup", f"BACKUP={backup}").returncode == 0
    before = check(live_site.env, "headers")
    result = make(live_site.env, "restore", f"BACKUP={backup}")
    assert result.returncode != 0
    assert "restore into a new, empty database, or pass --force" in result.stderr
    assert check(live_site.env, "headers") == before
    usage = make(live_site.env, "restore")
    assert usage.returncode != 0 and "usage: make restore BACKUP=" in usage.stdout


def test_a_damaged_backup_restores_nothing(live_site):
    good = live_site.folder / "whole.backup"
    assert make(live_site.env, "backup", f"BACKUP={good}").returncode == 0
    damaged = live_site.folder / "damaged.backup"
    data = good.read_bytes()
    damaged.write_bytes(data[: len(data) * 2 // 3])
    database, env = fresh_database(live_site, "damaged")
    try:
        result = make(env, "restore", f"BACKUP={damaged}")
        assert result.returncode != 0
        assert re.search(r"integrity|not a SQLite database|pg_restore failed", result.stderr)
        # Nothing of it landed: the database is as empty as it was made.
        tables = serverdb(env, "tables").split()
        assert tables == []
    finally:
        database.drop()
