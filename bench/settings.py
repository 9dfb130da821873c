"""Flashsite's own settings, with the bench's files kept in bench/out/.

Only two paths change: the SQLite file (a `DATABASE_URL` for SQLite would drop
the WAL and IMMEDIATE options that flashsite/settings.py sets) and the
collected static files, so a bench never touches db.sqlite3 or staticfiles/.
"""

import os

from flashsite.settings import *  # noqa: F403
from flashsite.settings import DATABASES

if os.environ.get("BENCH_SQLITE_PATH") and DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["NAME"] = os.environ["BENCH_SQLITE_PATH"]

if os.environ.get("BENCH_STATIC_ROOT"):
    STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
