"""Fixtures for the security and reliability tests.

`live_site` is gunicorn with DEBUG off on its own database (see live.py),
shared by the tests that need real processes; each of them works as its own
learner, so their counts never mix.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .live import PYTHON, Database, Gunicorn, run, server_env, serverdb

# One learner per test that writes through the live server.
LEARNERS = ["racer", "racer2", "queue", "crasher", "backup", "headers"]


@pytest.fixture(scope="session")
def static_root(tmp_path_factory) -> Path:
    """The hashed static files that DEBUG-off pages link to, collected once."""
    root = tmp_path_factory.mktemp("static")
    # collectstatic never opens the database; any URL will do.
    env = server_env(f"sqlite:///{root / 'unused.sqlite3'}", root)
    run(env, PYTHON, "manage.py", "collectstatic", "--noinput")
    return root


@dataclass
class LiveSite:
    database: Database
    env: dict[str, str]
    server: Gunicorn
    folder: Path

    @property
    def port(self) -> int:
        return self.server.port


@pytest.fixture(scope="session")
def live_site(tmp_path_factory, static_root: Path) -> Iterator[LiveSite]:
    folder = tmp_path_factory.mktemp("live")
    database = Database(folder, "live")
    env = server_env(database.url, static_root)
    try:
        serverdb(env, "setup", *LEARNERS)
        server = Gunicorn(env, folder / "gunicorn.log", workers=4).start()
        try:
            yield LiveSite(database, env, server, folder)
        finally:
            server.stop()
    finally:
        database.drop()
