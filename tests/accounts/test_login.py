"""Logging in: /accounts/login/ (Django's LoginView, fields username and password).

Anonymous visitors of a study page are sent here and come back to it.
"""

from urllib.parse import quote

from django.test import Client

from accounts.models import User

LOGIN = "/accounts/login/"
STUDY = "/decks/fine-tuning-flashcards/study/"


def test_it_shows_the_form(client: Client, db) -> None:
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert 'href="/accounts/signup/"' in html


def test_it_logs_in_and_redirects_home(client: Client, alice: User) -> None:
    response = client.post(LOGIN, {"username": "alice", "password": "alice-password-123"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").wsgi_request.user == alice


def test_it_refuses_a_wrong_password(client: Client, alice: User) -> None:
    response = client.post(LOGIN, {"username": "alice", "password": "wrong-password"})
    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_it_refuses_an_unknown_person(client: Client, db) -> None:
    response = client.post(LOGIN, {"username": "mallory", "password": "whatever-it-is"})
    assert response.status_code == 200
    assert "Please enter a correct username and password." in response.content.decode()


def test_an_anonymous_study_visit_logs_in_and_comes_back(client: Client, alice: User, deck) -> None:
    response = client.get(STUDY)
    assert response.status_code == 302
    login_url = f"{LOGIN}?next={quote(STUDY)}"
    assert response["Location"] == login_url

    form = client.get(login_url)
    html = form.content.decode()
    assert "Log in to continue." in html
    assert f'<input type="hidden" name="next" value="{STUDY}">' in html

    response = client.post(
        login_url, {"username": "alice", "password": "alice-password-123", "next": STUDY}
    )
    assert response.status_code == 302
    assert response["Location"] == STUDY
    page = client.get(STUDY)
    assert page.status_code == 200
    assert "What is Model Distillation?" in page.content.decode()


def test_an_anonymous_answer_visit_comes_back_to_the_answer(
    client: Client, alice: User, deck
) -> None:
    card = deck.cards.order_by("position").first()
    url = f"/decks/{deck.slug}/study/{card.pk}/answer/"
    response = client.get(url, follow=True)
    assert response.redirect_chain == [(f"{LOGIN}?next={quote(url)}", 302)]
    response = client.post(
        response.redirect_chain[0][0],
        {"username": "alice", "password": "alice-password-123", "next": url},
    )
    assert response["Location"] == url


def test_an_anonymous_htmx_request_loads_the_login_page_whole(client: Client, deck) -> None:
    # A login page swapped into the card would be a page inside a page.
    response = client.get(STUDY, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == f"{LOGIN}?next={quote(STUDY)}"
    assert not response.has_header("Location")


def test_it_ignores_a_next_on_another_site(client: Client, alice: User) -> None:
    response = client.post(
        LOGIN,
        {"username": "alice", "password": "alice-password-123", "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_it_sends_a_signed_in_person_home(alice_client: Client) -> None:
    response = alice_client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_it_requires_a_csrf_token(alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "alice", "password": "alice-password-123"})
    assert response.status_code == 403
    assert not client.get("/").wsgi_request.user.is_authenticated
