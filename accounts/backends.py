from contextvars import ContextVar

from django.contrib.auth.backends import ModelBackend
from django.db import connection

from flashsite.rows import MAX_ID, Columns, select_one

from .models import User

USER_COLUMNS = Columns(User)

# The person whose row the session store read with the session it just
# loaded (accounts/sessions.py), until get_user takes them.
_read_with_session: ContextVar[User | None] = ContextVar("read_with_session", default=None)


def read_with_session(user: User | None) -> None:
    _read_with_session.set(user)


class UserBackend(ModelBackend):
    """Django's ModelBackend, but the signed-in person of a request is the row
    read with their session, or else read with one query written out: built by
    the ORM, `User.objects.get(pk=…)` cost a fifth of a card flip."""

    def get_user(self, user_id: int) -> User | None:
        user = _read_with_session.get()
        _read_with_session.set(None)
        if user is None or user.pk != user_id:
            user = self._read(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def _read(self, user_id: int) -> User | None:
        if not isinstance(user_id, int) or not 0 < user_id <= MAX_ID:
            return None
        qn = connection.ops.quote_name
        found = select_one(
            # Only table and column names go into the text; the id is a parameter.
            f"SELECT {USER_COLUMNS.sql()} FROM {qn(User._meta.db_table)}"  # noqa: S608
            f" WHERE {qn(User._meta.pk.column)} = %s",
            [user_id],
            USER_COLUMNS,
        )
        return found[0][0] if found else None
