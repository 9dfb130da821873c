"""Logging out: POST /accounts/logout/ (never GET: a link or an image must not log anyone out)."""

from django.test import Client

from accounts.models import User

LOGOUT = "/accounts/logout/"
STUDY = "/decks/fine-tuning-flashcards/study/"


def test_it_logs_out_and_redirects_home(alice_client: Client, deck) -> None:
    response = alice_client.post(LOGOUT)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not alice_client.get("/").wsgi_request.user.is_authenticated
    assert alice_client.get(STUDY).status_code == 302


def test_it_rejects_get(alice_client: Client, alice: User) -> None:
    response = alice_client.get(LOGOUT)
    assert response.status_code == 405
    assert alice_client.get("/").wsgi_request.user == alice


def test_it_requires_a_csrf_token(alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post(LOGOUT)
    assert response.status_code == 403
    assert client.get("/").wsgi_request.user == alice


def test_every_page_offers_it_as_a_form(alice_client: Client, deck) -> None:
    for url in ("/", STUDY):
        html = alice_client.get(url).content.decode()
        assert f'<form class="nav-logout" method="post" action="{LOGOUT}">' in html


def test_the_session_is_gone_for_good(alice: User, deck) -> None:
    client = Client()
    client.force_login(alice)
    old_session = client.cookies["sessionid"].value
    client.post(LOGOUT)
    # Someone holding the old session cookie gets nothing.
    thief = Client()
    thief.cookies["sessionid"] = old_session
    assert thief.get(STUDY).status_code == 302
