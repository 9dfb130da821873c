"""Deleting my account: my password confirms it; then every review and card state
of mine is gone, the decks stay for everyone else, and I am logged out."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from accounts.models import User
from decks.models import Card, Deck
from reviews.models import CardState, Review

from ..reviews.progress_page import deck_cards, rate

pytestmark = pytest.mark.django_db

DELETE = "/accounts/delete/"
ALICE_PASSWORD = "alice-password-123"


@pytest.fixture
def studied(alice, bob, deck):
    cards = deck_cards(deck)
    for i, card in enumerate(cards[:5]):
        rate(alice, card, 4, datetime(2025, 6, 10, 9, i, tzinfo=UTC))
        rate(alice, card, 5, datetime(2025, 6, 12, 9, i, tzinfo=UTC))
    rate(bob, cards[0], 3, datetime(2025, 6, 11, 9, 0, tzinfo=UTC))
    assert (Review.objects.filter(user=alice).count(), CardState.objects.count()) == (10, 6)


def test_it_requires_login(client: Client):
    response = client.get(DELETE)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={DELETE}"


def test_it_asks_for_my_password_and_offers_a_download_first(alice_client):
    html = alice_client.get(DELETE).content.decode()

    assert 'name="password"' in html
    assert 'type="password"' in html
    assert 'href="/accounts/export.csv"' in html
    assert "can't be undone" in html


def test_a_wrong_password_deletes_nothing(alice, alice_client, studied):
    response = alice_client.post(DELETE, {"password": "not-my-password"})

    assert response.status_code == 200
    assert "That is not your password." in response.content.decode()
    assert User.objects.filter(pk=alice.pk).exists()
    assert Review.objects.filter(user=alice).count() == 10
    assert alice_client.get("/progress/").status_code == 200


def test_no_password_deletes_nothing(alice, alice_client, studied):
    response = alice_client.post(DELETE, {})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert User.objects.filter(pk=alice.pk).exists()


def test_a_get_deletes_nothing(alice, alice_client, studied):
    alice_client.get(DELETE, {"password": ALICE_PASSWORD})

    assert User.objects.filter(pk=alice.pk).exists()


def test_my_password_deletes_me_and_all_my_study_data_but_not_the_decks(
    alice, bob, alice_client, deck, studied
):
    decks, cards = Deck.objects.count(), Card.objects.count()

    response = alice_client.post(DELETE, {"password": ALICE_PASSWORD}, follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert "Your account and all your study data are deleted." in response.content.decode()
    assert not User.objects.filter(username="alice").exists()
    assert not Review.objects.filter(user_id=alice.pk).exists()
    assert not CardState.objects.filter(user_id=alice.pk).exists()
    # The decks stay, and so does bob's history of them.
    assert (Deck.objects.count(), Card.objects.count()) == (decks, cards)
    assert Review.objects.filter(user=bob).count() == 1
    assert CardState.objects.filter(user=bob).count() == 1


def test_after_deleting_i_am_logged_out_everywhere(alice, alice_client, studied):
    other_device = Client()
    other_device.force_login(alice)

    alice_client.post(DELETE, {"password": ALICE_PASSWORD})

    assert not alice_client.get("/").wsgi_request.user.is_authenticated
    assert alice_client.get("/progress/").status_code == 302
    assert other_device.get("/progress/").status_code == 302


def test_the_old_password_no_longer_logs_in(alice, alice_client, studied):
    alice_client.post(DELETE, {"password": ALICE_PASSWORD})

    response = Client().post("/accounts/login/", {"username": "alice", "password": ALICE_PASSWORD})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_the_username_is_free_again(alice, alice_client, studied):
    alice_client.post(DELETE, {"password": ALICE_PASSWORD})

    response = Client().post(
        "/accounts/signup/",
        {"username": "alice", "password1": "fresh-start-2025", "password2": "fresh-start-2025"},
    )

    assert response.status_code == 302
    fresh = User.objects.get(username="alice")
    assert not Review.objects.filter(user=fresh).exists()
