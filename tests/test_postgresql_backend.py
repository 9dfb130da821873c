"""On PostgreSQL, timestamps are read by psycopg's C loader (flashsite/postgresql)
and come back exactly as Django's own loader gives them."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.db import DataError, connection
from django.db.backends.postgresql.psycopg_any import register_tzloader
from django.utils import timezone as django_timezone
from psycopg.pq import Format

from accounts.models import User
from flashsite.postgresql.base import TimestamptzLoader

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend"),
    pytest.mark.django_db,
]

# As PostgreSQL may write them in a result: offsets, fractions, the far past and future.
TEXTS = [
    "2026-11-27 15:46:28+00",
    "2026-11-27 15:46:28.5+00",
    "2026-11-27 15:46:28.123456+00",
    "2026-03-29 01:30:00+05:30",
    "1999-12-31 23:59:59.999999-09:30",
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2024-02-29 12:00:00+14",
]


def read_all(cursor) -> list:
    values = []
    for text in TEXTS:
        cursor.execute("SELECT %s::timestamptz", [text])
        values.append(cursor.fetchone()[0])
    return values


def test_timestamps_read_as_djangos_own_loader_reads_them() -> None:
    with connection.cursor() as cursor:
        ours = read_all(cursor)
    with connection.cursor() as cursor:
        register_tzloader(connection.timezone, cursor.cursor)  # Django's loader, for this cursor
        djangos = read_all(cursor)
    assert ours == djangos
    assert [value.tzinfo for value in ours] == [value.tzinfo for value in djangos]
    assert all(value.tzinfo is UTC for value in ours)
    assert ours[3] == datetime(2026, 3, 28, 20, 0, tzinfo=UTC)
    assert ours[2].microsecond == 123456


def test_a_value_python_cannot_hold_fails_as_with_djangos_loader() -> None:
    for loader in ("ours", "django's"):
        with connection.cursor() as cursor:
            if loader == "django's":
                register_tzloader(connection.timezone, cursor.cursor)
            cursor.execute("SELECT 'infinity'::timestamptz")
            with pytest.raises(DataError, match="infinity"):
                cursor.fetchone()


def test_the_connection_reads_timestamps_with_psycopgs_c_loader() -> None:
    """psycopg[binary] is what requirements.lock installs: without its C loader
    the backend would read timestamps no faster than Django's."""
    connection.ensure_connection()
    oid = psycopg.adapters.types["timestamptz"].oid
    loader_class = connection.connection.adapters.get_loader(oid, Format.TEXT)
    assert issubclass(loader_class, TimestamptzLoader)
    assert loader_class.timezone is connection.timezone
    loader = loader_class(oid, connection.connection)
    assert type(loader._load.__self__).__module__.startswith("psycopg_binary")


def test_a_persons_times_come_back_as_saved() -> None:
    """Through the ORM: saved in any zone, read back as the same instant, in UTC."""
    kolkata = datetime(2026, 11, 27, 21, 16, 28, 654321, tzinfo=ZoneInfo("Asia/Kolkata"))
    person = User.objects.create_user("dora", password="a long passphrase", last_login=kolkata)
    person.refresh_from_db()
    assert person.last_login == kolkata
    assert person.last_login.tzinfo is UTC
    assert person.last_login.hour == 15
    joined = User.objects.values_list("date_joined", flat=True).get(pk=person.pk)
    assert joined.tzinfo is UTC
    assert django_timezone.now() - joined < timedelta(minutes=1)
