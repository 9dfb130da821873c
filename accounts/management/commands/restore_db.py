"""`manage.py restore_db PATH [--force]`: load a backup_db copy into the database.

All or nothing: a SQLite backup must pass SQLite's integrity check before
the database is touched, and is then copied in by the online backup API
under one lock; a PostgreSQL dump is restored by `pg_restore` in a single
transaction that stops at the first error. Without --force the database
must be empty (freshly created), so a restore never overwrites a live site
by mistake.
"""

import sqlite3
import subprocess
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from .backup_db import postgres_command, sqlite_integrity


class Command(BaseCommand):
    help = "Load a backup written by backup_db into the database (empty, unless --force)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="The backup file.")
        parser.add_argument(
            "--force", action="store_true", help="Replace a database that already has data."
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, path: str, force: bool, database: str, **options) -> None:
        backup = Path(path)
        if not backup.is_file():
            raise CommandError(f"no backup at {backup}")
        connection = connections[database]
        tables = connection.introspection.table_names()
        if tables and not force:
            raise CommandError(
                f"the database already has {len(tables)} tables; restore into a new, empty "
                "database, or pass --force (FORCE=1 for make) to replace it"
            )
        settings_dict = connection.settings_dict
        connection.close()
        if connection.vendor == "sqlite":
            self._sqlite(backup, settings_dict["NAME"])
        elif connection.vendor == "postgresql":
            self._postgres(backup, settings_dict, clean=bool(tables))
        else:
            raise CommandError(f"cannot restore into a {connection.vendor} database")
        self.stdout.write(f"Restored {backup}")

    def _sqlite(self, backup: Path, name: str) -> None:
        try:
            result = sqlite_integrity(backup)
        except sqlite3.DatabaseError as exc:
            raise CommandError(f"{backup} is not a SQLite database: {exc}") from None
        if result != "ok":
            raise CommandError(f"{backup} failed its integrity check: {result}")
        source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
        target = sqlite3.connect(name, timeout=20)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
            source.close()

    def _postgres(self, backup: Path, settings_dict: dict, *, clean: bool) -> None:
        command, env = postgres_command("pg_restore", settings_dict)
        command += ["--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error"]
        if clean:
            command += ["--clean", "--if-exists"]
        command.append(str(backup))
        # The program and its arguments come from settings and the command line, never a shell.
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            raise CommandError(f"pg_restore failed, nothing restored: {result.stderr.strip()}")
