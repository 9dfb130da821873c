"""`manage.py backup_db [PATH]`: a consistent copy of the database, taken while the site runs.

SQLite: the online backup API copies the database page by page under a
read lock, so writers carry on and the copy is the database of one moment,
WAL included (copying the file would not be). PostgreSQL: `pg_dump` in its
custom format, which reads everything in one snapshot. Either way the copy
is written beside its final name and renamed when complete, so a backup
file is never half a backup.
"""

import os
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.postgresql.client import DatabaseClient


def postgres_command(program: str, settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """`program` (pg_dump, pg_restore) with the connection Django's own `dbshell` would use."""
    args, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    # psql takes the database last; pg_dump and pg_restore take it as --dbname.
    *options, database = args[1:]
    return [program, *options, f"--dbname={database}"], {**os.environ, **(env or {})}


def sqlite_integrity(path: Path) -> str:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as database:
        return database.execute("PRAGMA integrity_check").fetchone()[0]


class Command(BaseCommand):
    help = "Write a consistent copy of the database (SQLite or PostgreSQL) to PATH."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            help="Where to write it; by default backups/flashsite-<UTC time>.sqlite3 (or .dump).",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, path: str | None, database: str, **options) -> None:
        connection = connections[database]
        vendor = connection.vendor
        if vendor not in ("sqlite", "postgresql"):
            raise CommandError(f"cannot back up a {vendor} database")
        if path is None:
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            suffix = "sqlite3" if vendor == "sqlite" else "dump"
            path = str(Path(settings.BASE_DIR) / "backups" / f"flashsite-{stamp}.{suffix}")
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.unlink(missing_ok=True)
        try:
            if vendor == "sqlite":
                self._sqlite(connection.settings_dict["NAME"], partial)
            else:
                self._postgres(connection.settings_dict, partial)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        os.replace(partial, target)
        self.stdout.write(str(target))

    def _sqlite(self, name: str, partial: Path) -> None:
        source = sqlite3.connect(name, timeout=20)
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
            # A backup is one self-contained file: no -wal or -shm beside it.
            copy.execute("PRAGMA journal_mode=DELETE")
        finally:
            copy.close()
            source.close()
        if (result := sqlite_integrity(partial)) != "ok":
            raise CommandError(f"the copy failed its integrity check: {result}")

    def _postgres(self, settings_dict: dict, partial: Path) -> None:
        command, env = postgres_command("pg_dump", settings_dict)
        command += ["--format=custom", "--no-owner", "--no-privileges", f"--file={partial}"]
        # The program and its arguments come from settings, never from a shell.
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
