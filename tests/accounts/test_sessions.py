"""Sessions: each in a row of its own with its person's id beside it, read
together with the person's row in one query (accounts/sessions.py)."""

import importlib
from datetime import timedelta

from django.apps import apps
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.backends import UserBackend
from accounts.models import Session, User
from accounts.sessions import SessionStore

HOME = "/"
STUDY = "/decks/fine-tuning-flashcards/study/"


def signed_in(client: Client) -> User | None:
    user = client.get(HOME).wsgi_request.user
    return user if user.is_authenticated else None


def session_of(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies["sessionid"].value)


def test_logging_in_stores_the_session_with_its_persons_id(alice: User) -> None:
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "alice-password-123"}
    )
    assert response.status_code == 302
    assert session_of(client).user_id == alice.pk
    assert signed_in(client) == alice


def test_a_signed_in_request_reads_its_session_and_person_in_one_query(
    alice_client: Client, alice: User, deck
) -> None:
    alice_client.get(STUDY)
    with CaptureQueriesContext(connection) as captured:
        response = alice_client.get(STUDY)
    assert response.status_code == 200
    assert response.wsgi_request.user == alice
    sessions, users = Session._meta.db_table, User._meta.db_table
    reading = [q["sql"] for q in captured if sessions in q["sql"] or f'FROM "{users}"' in q["sql"]]
    assert len(reading) == 1, reading
    assert sessions in reading[0] and users in reading[0]


def test_the_session_finds_its_person_through_the_primary_key(alice_client: Client) -> None:
    """Among 200 people (a table of a few pages) PostgreSQL, at its default price
    of a random page read, hashed every person's row to join the one session's;
    with the price the settings give it, it looks the person up by id."""
    User.objects.bulk_create(User(username=f"person{n}", password="!") for n in range(200))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have by now
    with CaptureQueriesContext(connection) as captured:
        assert signed_in(alice_client) is not None
    [query] = [q["sql"] for q in captured if Session._meta.db_table in q["sql"]]
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(explain + query)
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
    users = User._meta.db_table
    if connection.vendor == "sqlite":
        assert f"SEARCH {users} USING INTEGER PRIMARY KEY" in plan, plan
    else:
        assert f"Index Scan using {users}_pkey on {users}" in plan, plan
        assert f"Seq Scan on {users}" not in plan, plan


def test_a_session_without_a_person_keeps_its_data(db) -> None:
    store = SessionStore()
    store["theme"] = "dark"
    store.create()
    assert Session.objects.get(session_key=store.session_key).user_id is None
    assert SessionStore(store.session_key).load() == {"theme": "dark"}


def test_an_unknown_or_expired_session_is_nobodys(alice_client: Client, alice: User) -> None:
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert signed_in(alice_client) is None
    stranger = Client()
    stranger.cookies["sessionid"] = "x" * 32
    assert signed_in(stranger) is None


def test_a_session_cookie_no_key_could_be_is_nobodys_and_no_error(alice: User) -> None:
    for value in ("abcdefgh\x00ijkl", "é" * 32, "a" * 41, "short"):
        client = Client()
        client.cookies["sessionid"] = value
        with CaptureQueriesContext(connection) as captured:
            response = client.get(HOME)
        assert response.status_code == 200, value
        assert not response.wsgi_request.user.is_authenticated
        assert not any(Session._meta.db_table in q["sql"] for q in captured), value


def test_a_person_made_inactive_is_signed_out_at_their_next_request(
    alice_client: Client, alice: User
) -> None:
    assert signed_in(alice_client) == alice
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert signed_in(alice_client) is None


def test_a_new_password_signs_out_the_sessions_made_with_the_old_one(
    alice_client: Client, alice: User
) -> None:
    assert signed_in(alice_client) == alice
    alice.set_password("a-new-password-456")
    alice.save()
    assert signed_in(alice_client) is None


def test_a_session_row_naming_someone_else_gives_nobody_their_account(
    alice_client: Client, alice: User, bob: User
) -> None:
    """The id beside the data only saves a query: the data decides who is signed in."""
    Session.objects.update(user=bob)
    assert signed_in(alice_client) == alice


def test_deleting_a_person_deletes_their_sessions(
    alice_client: Client, bob_client: Client, alice: User, bob: User
) -> None:
    alice.delete()
    assert not Session.objects.filter(user_id=alice.pk).exists()
    assert signed_in(alice_client) is None
    assert signed_in(bob_client) == bob


def test_the_person_read_with_a_session_serves_one_look_up_only(alice: User) -> None:
    """The row read with the session is that request's; a later look-up reads again."""
    store = SessionStore()
    store.update({SESSION_KEY: str(alice.pk), BACKEND_SESSION_KEY: "x", HASH_SESSION_KEY: "y"})
    store.create()
    SessionStore(store.session_key).load()
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert UserBackend().get_user(alice.pk) == alice  # as it was when the session was read
    assert UserBackend().get_user(alice.pk) is None  # read again: no longer active


def test_sessions_open_before_the_upgrade_are_carried_over(alice: User, bob: User) -> None:
    """The migration to this store moves Django's sessions over: nobody is signed out."""
    old = DjangoStore()
    old.update(
        {
            SESSION_KEY: str(alice.pk),
            BACKEND_SESSION_KEY: "accounts.backends.UserBackend",
            HASH_SESSION_KEY: alice.get_session_auth_hash(),
        }
    )
    old.create()
    expired = DjangoStore()
    expired[SESSION_KEY] = str(bob.pk)
    expired.set_expiry(-1)
    expired.create()
    migration = importlib.import_module("accounts.migrations.0003_session")

    migration.move_sessions(apps, None)

    assert list(Session.objects.values_list("session_key", "user_id")) == [
        (old.session_key, alice.pk)
    ]
    client = Client()
    client.cookies["sessionid"] = old.session_key
    assert signed_in(client) == alice


# Decoded session data is kept per process, by the signed text it came from.


def test_a_session_changed_in_the_database_is_read_anew(alice_client: Client) -> None:
    assert signed_in(alice_client) is not None
    store = SessionStore(session_of(alice_client).session_key)
    store["theme"] = "dark"
    store.save()
    assert SessionStore(store.session_key).load()["theme"] == "dark"


def test_session_data_whose_signature_breaks_after_a_read_signs_nobody_in(
    alice_client: Client,
) -> None:
    """A row read and checked once, then changed under the same key: the new
    text is checked on its own."""
    assert signed_in(alice_client) is not None
    session = session_of(alice_client)
    payload, _, signature = session.session_data.rpartition(":")
    forged = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    Session.objects.filter(pk=session.pk).update(session_data=f"{payload}:{forged}")
    assert signed_in(alice_client) is None


def test_a_new_secret_key_checks_the_kept_sessions_again(
    alice_client: Client, alice: User, settings
) -> None:
    assert signed_in(alice_client) == alice
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert signed_in(alice_client) is None
    settings.SECRET_KEY_FALLBACKS = [old]
    # Django's own check of the password's hash against the fallback key signs
    # the session in again: its data verified with the old key.
    assert SessionStore(session_of(alice_client).session_key).load()[SESSION_KEY] == str(alice.pk)


def test_each_read_of_a_session_gets_data_of_its_own(alice: User) -> None:
    store = SessionStore()
    store.update({SESSION_KEY: str(alice.pk), "theme": "dark"})
    store.create()
    first = SessionStore(store.session_key).load()
    first["theme"] = "light"
    del first[SESSION_KEY]
    assert SessionStore(store.session_key).load() == {SESSION_KEY: str(alice.pk), "theme": "dark"}


def test_a_session_holding_a_list_reads_right_every_time(db) -> None:
    """A list could be changed in place by the request that read it: such data
    is decoded afresh at each read, never shared."""
    store = SessionStore()
    store["recent"] = [1, 2]
    store.create()
    first = SessionStore(store.session_key).load()
    first["recent"].append(3)
    assert SessionStore(store.session_key).load() == {"recent": [1, 2]}
