"""Passwords: the rules at sign-up, changing a password, and resetting a forgotten
one by e-mail without ever telling whether an address has an account."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
CHANGE = "/accounts/password_change/"
RESET = "/accounts/password_reset/"
ALICE_PASSWORD = "alice-password-123"
NEW_PASSWORD = "lantern-quarry-otter-9"


def sign_up(client: Client, password1: str, password2: str | None = None, email: str = ""):
    return client.post(
        SIGNUP,
        {
            "username": "dana",
            "email": email,
            "password1": password1,
            "password2": password1 if password2 is None else password2,
        },
    )


# Sign-up rules --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("tulip-maple", "This password is too short. It must contain at least 12 characters."),
        ("password123456", "This password is too common."),
        ("804215739164", "This password is entirely numeric."),
    ],
)
def test_sign_up_refuses_a_weak_password(client, password, message):
    response = sign_up(client, password)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "password",
    [
        "tulip-maple7",  # 12 characters: the minimum
        "correct horse battery staple " * 3,  # 87 characters, spaces and all
        "ä" * 64 + "ß" * 64,  # 128 characters, not ASCII
    ],
)
def test_sign_up_accepts_a_long_enough_password_of_any_length(client, password):
    response = sign_up(client, password)

    assert response.status_code == 302
    assert User.objects.get(username="dana").check_password(password)
    # And it logs in with it, as typed.
    other = Client()
    login = other.post("/accounts/login/", {"username": "dana", "password": password})
    assert login.status_code == 302


def test_sign_up_needs_the_password_twice_the_same(client):
    response = sign_up(client, "tulip-maple-77", "tulip-maple-78")

    assert response.status_code == 200
    assert "The two password fields didn’t match." in response.content.decode()
    assert not User.objects.exists()


def test_sign_up_email_is_optional(client):
    assert sign_up(client, "tulip-maple-77").status_code == 302
    assert User.objects.get(username="dana").email == ""


# Changing a password -----------------------------------------------------------


def change(client: Client, old: str, new1: str, new2: str | None = None):
    return client.post(
        CHANGE,
        {"old_password": old, "new_password1": new1, "new_password2": new2 or new1},
    )


def test_password_change_needs_login(client):
    response = client.get(CHANGE)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={CHANGE}"


def test_password_change_works_and_keeps_me_logged_in(alice, alice_client):
    assert alice_client.get(CHANGE).status_code == 200

    response = change(alice_client, ALICE_PASSWORD, NEW_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_change/done/"
    done = alice_client.get(response["Location"])
    assert "Your password is changed." in done.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert not alice.check_password(ALICE_PASSWORD)
    assert alice_client.get("/progress/").status_code == 200


def test_password_change_needs_the_old_password(alice, alice_client):
    response = change(alice_client, "not-my-password", NEW_PASSWORD)

    assert response.status_code == 200
    assert "Your old password was entered incorrectly." in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(ALICE_PASSWORD)


def test_password_change_applies_the_same_rules(alice, alice_client):
    response = change(alice_client, ALICE_PASSWORD, "tulip-maple")

    assert response.status_code == 200
    assert "This password is too short." in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(ALICE_PASSWORD)


def test_a_changed_password_logs_out_my_other_sessions(alice):
    phone, laptop = Client(), Client()
    phone.post("/accounts/login/", {"username": "alice", "password": ALICE_PASSWORD})
    laptop.post("/accounts/login/", {"username": "alice", "password": ALICE_PASSWORD})

    change(laptop, ALICE_PASSWORD, NEW_PASSWORD)

    assert laptop.get("/progress/").status_code == 200
    assert phone.get("/progress/").status_code == 302


# Resetting a forgotten password ----------------------------------------------------


def ask_for_reset(client: Client, email: str):
    return client.post(RESET, {"email": email}, follow=True)


def without_csrf_token(response) -> str:
    """The page as a person sees it: the per-session CSRF token differs by design."""
    return re.sub(r'"x-csrftoken": "[^"]*"', "", response.content.decode())


def reset_link(message) -> str:
    match = re.search(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match[1]


def test_reset_page_answers_the_same_for_known_and_unknown_addresses(alice):
    known = ask_for_reset(Client(), "alice@example.org")
    unknown = ask_for_reset(Client(), "nobody@example.org")

    assert (
        known.redirect_chain == unknown.redirect_chain == [("/accounts/password_reset/done/", 302)]
    )
    assert known.status_code == unknown.status_code == 200
    assert without_csrf_token(known) == without_csrf_token(unknown)
    assert "If an account has that address" in known.content.decode()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]


def test_reset_sends_an_email_with_a_link_that_works(alice):
    ask_for_reset(Client(), "alice@example.org")
    message = mail.outbox[0]
    assert message.subject == "Reset your Flashsite password"
    assert '"alice"' in message.body

    client = Client()
    response = client.get(reset_link(message), follow=True)
    assert response.status_code == 200
    assert "Choose a new password" in response.content.decode()
    set_password_url = response.redirect_chain[-1][0]
    assert set_password_url.endswith("/set-password/")

    done = client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert done.redirect_chain == [("/accounts/reset/done/", 302)]
    assert "Your new password is set." in done.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    login = Client().post("/accounts/login/", {"username": "alice", "password": NEW_PASSWORD})
    assert login.status_code == 302


def test_a_reset_link_works_only_once(alice):
    ask_for_reset(Client(), "alice@example.org")
    link = reset_link(mail.outbox[0])
    client = Client()
    set_password_url = client.get(link)["Location"]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().get(link)

    assert again.status_code == 200
    assert "This reset link has expired or was used already." in again.content.decode()


def test_a_reset_link_expires_after_an_hour(alice, time_machine):
    sent = datetime(2025, 6, 18, 9, 0, tzinfo=UTC)
    time_machine.move_to(sent, tick=False)
    ask_for_reset(Client(), "alice@example.org")
    link = reset_link(mail.outbox[0])

    time_machine.move_to(sent + timedelta(minutes=59, seconds=59))
    assert Client().get(link).status_code == 302  # still good: on to the form

    time_machine.move_to(sent + timedelta(hours=1, seconds=1))
    expired = Client().get(link)

    assert expired.status_code == 200
    assert "This reset link has expired or was used already." in expired.content.decode()
    assert 'href="/accounts/password_reset/"' in expired.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(ALICE_PASSWORD)


def test_an_expired_link_cannot_set_a_password_either(alice, time_machine):
    """Opening the link in time and posting the form after the hour is refused too."""
    sent = datetime(2025, 6, 18, 9, 0, tzinfo=UTC)
    time_machine.move_to(sent, tick=False)
    ask_for_reset(Client(), "alice@example.org")
    client = Client()
    set_password_url = client.get(reset_link(mail.outbox[0]))["Location"]

    time_machine.move_to(sent + timedelta(hours=1, seconds=1))
    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 200
    assert "This reset link has expired or was used already." in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(ALICE_PASSWORD)


def test_reset_form_applies_the_password_rules(alice):
    ask_for_reset(Client(), "alice@example.org")
    client = Client()
    set_password_url = client.get(reset_link(mail.outbox[0]))["Location"]

    response = client.post(
        set_password_url, {"new_password1": "password123456", "new_password2": "password123456"}
    )

    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(ALICE_PASSWORD)
