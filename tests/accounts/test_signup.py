"""Sign-up: /accounts/signup/ takes a username and a password twice (e-mail optional),
signs the person in and sends them to /."""

from django.test import Client

from accounts.models import User

SIGNUP = "/accounts/signup/"
GOOD_PASSWORD = "correct-horse-battery"


def sign_up(client: Client, **fields: str):
    data = {
        "username": "dana",
        "email": "",
        "password1": GOOD_PASSWORD,
        "password2": GOOD_PASSWORD,
        **fields,
    }
    return client.post(SIGNUP, data)


def test_it_shows_the_form(client: Client, db) -> None:
    response = client.get(SIGNUP)
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("username", "email", "password1", "password2"):
        assert f'name="{name}"' in html
    assert "Optional" in html


def test_it_signs_up_signs_in_and_redirects_home(client: Client, db) -> None:
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(username="dana")
    assert user.email == ""
    assert user.check_password(GOOD_PASSWORD)
    home = client.get("/")
    assert home.wsgi_request.user == user
    html = home.content.decode()
    assert "Welcome, dana!" in html
    assert "My decks" in html


def test_the_new_person_can_study_at_once(client: Client, deck) -> None:
    sign_up(client)
    response = client.get("/decks/fine-tuning-flashcards/study/")
    assert response.status_code == 200
    assert "What is Model Distillation?" in response.content.decode()


def test_it_keeps_an_email_when_given(client: Client, db) -> None:
    sign_up(client, email="dana@example.org")
    assert User.objects.get(username="dana").email == "dana@example.org"


def test_a_new_account_has_the_default_study_settings(client: Client, db) -> None:
    sign_up(client)
    user = User.objects.get(username="dana")
    assert (user.new_cards_per_day, user.desired_retention, user.time_zone) == (20, 0.90, "UTC")


def test_it_stores_the_password_hashed(client: Client, db) -> None:
    sign_up(client)
    assert GOOD_PASSWORD not in User.objects.get(username="dana").password


def assert_refused(response, message: str) -> None:
    """The form comes back with the error shown, and nobody is signed up or in."""
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(username="dana").exists()
    assert not response.wsgi_request.user.is_authenticated


def test_it_rejects_passwords_that_differ(client: Client, db) -> None:
    response = sign_up(client, password2=GOOD_PASSWORD + "x")
    assert_refused(response, "The two password fields didn’t match.")


def test_it_rejects_a_short_password(client: Client, db) -> None:
    response = sign_up(client, password1="short-pw", password2="short-pw")
    assert_refused(response, "This password is too short. It must contain at least 12 characters.")


def test_it_rejects_a_common_password(client: Client, db) -> None:
    response = sign_up(client, password1="password1234", password2="password1234")
    assert_refused(response, "This password is too common.")


def test_it_rejects_a_password_like_the_username(client: Client, db) -> None:
    response = sign_up(
        client, username="dana-lovelace", password1="dana-lovelace", password2="dana-lovelace"
    )
    assert response.status_code == 200
    assert "The password is too similar to the username." in response.content.decode()
    assert not User.objects.filter(username="dana-lovelace").exists()


def test_it_rejects_a_missing_username(client: Client, db) -> None:
    response = sign_up(client, username="")
    assert_refused(response, "This field is required.")
    assert not User.objects.exists()


def test_it_rejects_a_taken_username(client: Client, alice: User) -> None:
    response = sign_up(client, username="alice")
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert User.objects.filter(username__iexact="alice").count() == 1


def test_it_rejects_a_taken_username_in_other_case(client: Client, alice: User) -> None:
    # "Alice" and "alice" would be told apart by nobody reading the page.
    response = sign_up(client, username="Alice")
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert User.objects.filter(username__iexact="alice").count() == 1


def test_it_rejects_a_bad_email(client: Client, db) -> None:
    response = sign_up(client, email="not an address")
    assert_refused(response, "Enter a valid email address.")


def test_it_sends_a_signed_in_person_home(alice_client: Client) -> None:
    response = alice_client.get(SIGNUP)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_it_requires_a_csrf_token(db) -> None:
    client = Client(enforce_csrf_checks=True)
    response = sign_up(client)
    assert response.status_code == 403
    assert not User.objects.exists()


def test_it_rejects_put(client: Client, db) -> None:
    assert client.put(SIGNUP).status_code == 405
