"""Login throttling (django-axes): after 5 failures for one username from one
address, that pair is refused with a 429 for 15 minutes; everybody else is not.

The clock is moved with time-machine: axes stamps each attempt with Django's
`timezone.now()` and counts only the attempts of the last 15 minutes, so
moving the clock is exactly what waiting would do.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from accounts.models import User

LOGIN = "/accounts/login/"
ALICE_PASSWORD = "alice-password-123"
START = datetime(2025, 6, 18, 9, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def client_from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def log_in(client: Client, username: str, password: str):
    return client.post(LOGIN, {"username": username, "password": password})


def fail(client: Client, username: str = "alice", times: int = 1):
    response = None
    for _ in range(times):
        response = log_in(client, username, "not-the-password")
    return response


def assert_logged_in(response) -> None:
    assert response.status_code == 302
    assert response["Location"] == "/"


def assert_locked_out(response) -> None:
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many failed log-ins" in html
    assert "paused for 15 minutes" in html
    assert not response.wsgi_request.user.is_authenticated


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


def test_four_failures_still_let_the_right_password_in(alice, clock):
    client = client_from("10.0.0.1")
    response = fail(client, times=4)
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()

    assert_logged_in(log_in(client, "alice", ALICE_PASSWORD))


def test_the_fifth_failure_locks_that_username_and_address_out(alice, clock):
    client = client_from("10.0.0.1")
    fail(client, times=4)

    assert_locked_out(fail(client))
    # Even the right password is refused now, and no session is made.
    assert_locked_out(log_in(client, "alice", ALICE_PASSWORD))
    assert client.get("/progress/").status_code == 302


def test_the_lockout_lasts_15_minutes(alice, clock):
    client = client_from("10.0.0.1")
    fail(client, times=5)

    clock.shift(timedelta(minutes=14, seconds=59))
    assert_locked_out(log_in(client, "alice", ALICE_PASSWORD))

    # A refused attempt counts as an attempt too: 15 minutes after the first failure
    # the pair is still locked out, 15 minutes after the refused one it is free.
    clock.shift(timedelta(seconds=2))
    assert_locked_out(log_in(client, "alice", ALICE_PASSWORD))
    clock.shift(timedelta(minutes=15, seconds=1))
    assert_logged_in(log_in(client, "alice", ALICE_PASSWORD))
    assert client.get("/progress/").status_code == 200


def test_the_lockout_ends_15_minutes_after_the_last_failure(alice, clock):
    client = client_from("10.0.0.1")
    fail(client, times=5)

    clock.shift(timedelta(minutes=15, seconds=1))

    assert_logged_in(log_in(client, "alice", ALICE_PASSWORD))


def test_another_username_from_the_same_address_is_not_locked_out(alice, bob, clock):
    client = client_from("10.0.0.1")
    fail(client, "alice", times=5)

    assert_logged_in(log_in(client_from("10.0.0.1"), "bob", "bob-password-123"))


def test_the_same_username_from_another_address_is_not_locked_out(alice, clock):
    fail(client_from("10.0.0.1"), "alice", times=5)

    assert_logged_in(log_in(client_from("10.0.0.2"), "alice", ALICE_PASSWORD))


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(alice, clock):
    """Only REMOTE_ADDR names the address: a header the client writes cannot."""
    client = client_from("10.0.0.1")
    for n in range(5):
        client.post(
            LOGIN,
            {"username": "alice", "password": "wrong"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )

    response = client.post(
        LOGIN,
        {"username": "alice", "password": ALICE_PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )

    assert_locked_out(response)


def test_failures_for_a_username_that_does_not_exist_lock_out_too(clock):
    """Guessing at a name nobody has is throttled the same way, so the 429 tells
    nobody whether an account exists."""
    client = client_from("10.0.0.1")

    assert_locked_out(fail(client, "nobody-here", times=5))


def test_a_successful_log_in_clears_the_count(alice, clock):
    client = client_from("10.0.0.1")
    fail(client, times=4)
    assert_logged_in(log_in(client, "alice", ALICE_PASSWORD))
    client.post("/accounts/logout/")

    response = fail(client, times=4)

    assert response.status_code == 200
    assert_logged_in(log_in(client, "alice", ALICE_PASSWORD))


def test_the_locked_out_page_offers_a_password_reset(alice, clock):
    client = client_from("10.0.0.1")

    response = fail(client, times=5)

    assert 'href="/accounts/password_reset/"' in response.content.decode()
    assert User.objects.get(username="alice").check_password(ALICE_PASSWORD)
