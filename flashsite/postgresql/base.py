"""Django's PostgreSQL backend, reading timestamps with psycopg's C loader.

Django (5.2) reads every `timestamptz` value through a loader of its own that
derives from psycopg's pure-Python one, which parses the text with a regular
expression (Django ticket #36960, psycopg issue #1273). A card flip reads
eight timestamps (its person, card, deck and card state each have two), and
parsing them was 4 % of its instructions. This loader hands the parsing to the
loader psycopg itself has registered (its C one, with psycopg[binary]) and then
does what Django's does: gives the value the connection's time zone.
"""

from datetime import datetime

from django.db.backends.postgresql import base
from psycopg import adapt, adapters
from psycopg.abc import AdaptContext, Buffer
from psycopg.pq import Format

TIMESTAMPTZ_OID = adapters.types["timestamptz"].oid
PSYCOPG_LOADER = adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)


class TimestamptzLoader(adapt.Loader):
    timezone = None  # as in Django's: None reads naive datetimes (USE_TZ = False)

    def __init__(self, oid: int, context: AdaptContext | None = None) -> None:
        super().__init__(oid, context)
        self._load = PSYCOPG_LOADER(oid, context).load

    def load(self, data: Buffer) -> datetime:
        return self._load(data).replace(tzinfo=self.timezone)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        # Django's create_cursor() puts its own loader back on any cursor whose
        # connection's loader has another zone than this one.
        loader = type("ZonedTimestamptzLoader", (TimestamptzLoader,), {"timezone": self.timezone})
        connection.adapters.register_loader(TIMESTAMPTZ_OID, loader)
        return connection
