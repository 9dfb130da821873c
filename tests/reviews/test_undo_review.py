"""Undo: POST /decks/<slug>/study/undo/ takes back the latest rating in the deck."""

from django.test import Client

from accounts.models import User
from decks.models import Card, Deck
from reviews.models import CardState, Review

from .helpers import (
    flip_and_rate,
    left_today,
    shown_question,
    state_fields,
    study_url,
    text,
    undo_url,
)

STUDY = "/decks/fine-tuning-flashcards/study/"
UNDO = "/decks/fine-tuning-flashcards/study/undo/"


def test_it_makes_a_new_card_new_again(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    flip_and_rate(alice_client, cards[0], 3)
    response = alice_client.post(UNDO)
    assert response.status_code == 303
    assert response["Location"] == STUDY
    assert state_fields(alice, cards[0]) is None
    assert not Review.objects.exists()
    page = alice_client.get(STUDY)
    assert shown_question(page) == "What is Model Distillation?"
    assert left_today(page) == 20


def test_it_restores_the_previous_schedule_exactly(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    flip_and_rate(alice_client, cards[0], 5)
    flip_and_rate(alice_client, cards[0], 3)
    after_two = state_fields(alice, cards[0])
    flip_and_rate(alice_client, cards[0], 1)
    assert state_fields(alice, cards[0]) != after_two
    alice_client.post(UNDO)
    # Every field, floats and microseconds included, as it was before the third rating.
    assert state_fields(alice, cards[0]) == after_two
    assert list(Review.objects.order_by("seq").values_list("seq", "rating")) == [(0, 5), (1, 3)]


def test_it_undoes_ratings_one_at_a_time_latest_first(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    flip_and_rate(alice_client, cards[0], 4)
    after_first = state_fields(alice, cards[0])
    flip_and_rate(alice_client, cards[1], 2)
    flip_and_rate(alice_client, cards[0], 5)
    alice_client.post(UNDO)
    assert state_fields(alice, cards[0]) == after_first
    assert state_fields(alice, cards[1]) is not None
    alice_client.post(UNDO)
    assert state_fields(alice, cards[1]) is None
    assert state_fields(alice, cards[0]) == after_first
    alice_client.post(UNDO)
    assert not CardState.objects.exists()
    assert not Review.objects.exists()


def test_the_undone_card_is_rated_again_as_a_fresh_showing(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    flip_and_rate(alice_client, cards[0], 1)
    alice_client.post(UNDO)
    flip_and_rate(alice_client, cards[0], 5)
    review = Review.objects.get()
    assert (review.seq, review.rating, review.before) == (0, 5, None)


def test_with_nothing_to_undo_it_changes_nothing(
    alice_client: Client, alice: User, bob: User, cards: list[Card]
) -> None:
    response = alice_client.post(UNDO, follow=True)
    assert response.status_code == 200
    assert "There is no rating to undo in this deck." in text(response)
    assert not Review.objects.exists()
    assert not CardState.objects.exists()


def test_it_never_undoes_another_persons_rating(
    alice_client: Client, bob_client: Client, alice: User, cards: list[Card]
) -> None:
    flip_and_rate(alice_client, cards[0], 4)
    before = state_fields(alice, cards[0])
    response = bob_client.post(UNDO, follow=True)
    assert "There is no rating to undo in this deck." in text(response)
    assert Review.objects.filter(user=alice).count() == 1
    assert state_fields(alice, cards[0]) == before


def test_it_only_undoes_ratings_of_this_deck(
    alice_client: Client, alice: User, cards: list[Card], other_deck: Deck
) -> None:
    flip_and_rate(alice_client, cards[0], 4)
    response = alice_client.post(undo_url(other_deck), follow=True)
    assert "There is no rating to undo in this deck." in text(response)
    assert Review.objects.filter(user=alice).count() == 1


def test_it_returns_partial_for_htmx(alice_client: Client, cards: list[Card]) -> None:
    flip_and_rate(alice_client, cards[0], 4)
    response = alice_client.post(UNDO, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = text(response)
    assert "<html" not in html
    assert shown_question(response) == "What is Model Distillation?"
    assert left_today(response) == 20
    assert "HX-Request" in response["Vary"]
    assert not Review.objects.exists()


def test_it_requires_login(client: Client, cards: list[Card]) -> None:
    response = client.post(UNDO)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={UNDO}"


def test_it_rejects_get(alice_client: Client, alice: User, cards: list[Card]) -> None:
    flip_and_rate(alice_client, cards[0], 4)
    response = alice_client.get(UNDO)
    assert response.status_code == 405
    assert Review.objects.count() == 1


def test_it_requires_a_csrf_token(alice: User, alice_client: Client, cards: list[Card]) -> None:
    flip_and_rate(alice_client, cards[0], 4)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    response = strict.post(UNDO)
    assert response.status_code == 403
    assert Review.objects.count() == 1


def test_it_404s_for_an_unpublished_deck(alice_client: Client, hidden_deck: Deck) -> None:
    response = alice_client.post(undo_url(hidden_deck))
    assert response.status_code == 404


def test_the_study_page_offers_undo(alice_client: Client, deck: Deck) -> None:
    html = text(alice_client.get(study_url(deck)))
    assert f'method="post" action="{UNDO}"' in html
    assert "Undo last rating" in html
