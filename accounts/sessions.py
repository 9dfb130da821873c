"""Sessions in the database, each read together with its person.

Every signed-in request reads its session, then its person. Django's database
sessions take a query for each, and `cached_db` a round trip to Redis and a
query. This store keeps the person's id in a column of the session's row and
reads the session and the person's row in one query; the authentication
backend (accounts/backends.py) then takes that person instead of reading them
again, and Django checks the session against them (is_active, the hash of the
password) exactly as before.
"""

from functools import lru_cache

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.core import signing
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from flashsite.rows import select_one

from .backends import USER_COLUMNS, read_with_session


def user_id_of(data: dict) -> int | None:
    """The id of the person signed in to a session, from its data."""
    try:
        return int(data[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


# Values a session's data may hold that no request can change in place.
IMMUTABLE = (str, int, float, bool, type(None))


@lru_cache(maxsize=1024)
def _verified(
    session_data: str, salt: str, serializer: type, key: str, fallback_keys: tuple[str, ...]
) -> tuple[tuple[str, object], ...] | None:
    """The items of session data whose signature checks out under these keys, or
    None: a bad signature, or a value a request could change in place (a list)."""
    try:
        data = signing.loads(
            session_data, salt=salt, serializer=serializer, key=key, fallback_keys=fallback_keys
        )
    except Exception:  # noqa: BLE001 (Django's decode() reports it, when asked again)
        return None
    if not isinstance(data, dict) or not all(isinstance(v, IMMUTABLE) for v in data.values()):
        return None
    return tuple(data.items())


@lru_cache(maxsize=4)
def _load_sql(vendor: str, table: str) -> str:
    """The query of a session (in `table`) and its person, for the database in use."""
    qn = connections[DEFAULT_DB_ALIAS].ops.quote_name
    sessions, users = qn(table), qn(USER_COLUMNS.table)
    # Only table and column names go into the text; every value is a parameter.
    return (
        f"SELECT {USER_COLUMNS.sql()}, {sessions}.{qn('session_data')}"  # noqa: S608
        f" FROM {sessions} LEFT OUTER JOIN {users}"
        f" ON {users}.{qn('id')} = {sessions}.{qn('user_id')}"
        f" WHERE {sessions}.{qn('session_key')} = %s"
        f" AND {sessions}.{qn('expire_date')} > %s"
    )


class SessionStore(DatabaseStore):
    @classmethod
    def get_model_class(cls):
        from .models import Session

        return Session

    def _validate_session_key(self, key: str | None) -> bool:
        """Keys are 32 lowercase letters and digits (Django's): whatever else a
        cookie carries (a NUL, which PostgreSQL refuses in text) is no session
        and never reaches the database."""
        return bool(key) and 8 <= len(key) <= 40 and key.isascii() and key.isalnum()

    def create_model_instance(self, data: dict):
        session = super().create_model_instance(data)
        session.user_id = user_id_of(data)
        return session

    def decode(self, session_data: str) -> dict:
        """Django's decode(), with the data of recently read sessions kept per process.

        A learner's session is read on each flip and rating, and is the same text
        until something is stored in it; checking its signature and parsing it
        again was 3 % of a flip. The text is read from the database, never from
        the request, and it is kept with the keys it was checked with, so a
        changed SECRET_KEY checks it again. Each call returns a dict of its own.
        """
        items = _verified(
            session_data,
            self.key_salt,
            self.serializer,
            settings.SECRET_KEY,
            tuple(settings.SECRET_KEY_FALLBACKS),
        )
        return dict(items) if items is not None else super().decode(session_data)

    def load(self) -> dict:
        read_with_session(None)
        if self.session_key is None:
            return {}
        db = connections[DEFAULT_DB_ALIAS]
        found = select_one(
            _load_sql(db.vendor, self.model._meta.db_table),
            [self.session_key, db.ops.adapt_datetimefield_value(timezone.now())],
            USER_COLUMNS,
        )
        if found is None:
            self._session_key = None
            return {}
        (user,), (session_data,) = found
        data = self.decode(session_data)
        if user is not None and user.pk == user_id_of(data):
            read_with_session(user)
        return data
