"""Staff edit decks and cards in the Django admin; learners see the edit at once,
and nobody's review history of the card is lost."""

import re

import pytest
from django.test import Client

from accounts.models import User
from decks.models import Card, Deck
from reviews.models import CardState, Review

CARDS = "/admin/decks/card/"
STUDY = "/decks/fine-tuning-flashcards/study/"


@pytest.fixture
def first_card(deck: Deck) -> Card:
    return deck.cards.order_by("position").first()


@pytest.fixture
def capitals(db) -> Deck:
    deck = Deck.objects.create(title="Capitals", slug="capitals")
    Card.objects.create(
        deck=deck, position=1, category="Africa", question="Capital of Chad?", answer="N'Djamena"
    )
    Card.objects.create(
        deck=deck, position=2, category="Asia", question="Capital of Laos?", answer="Vientiane"
    )
    return deck


def listed_cards(response) -> set[int]:
    """The ids of the cards in the change list's result table."""
    assert response.status_code == 200
    table = re.search(r'<table id="result_list">.*?</table>', response.content.decode(), re.S)
    if table is None:
        return set()
    return {int(pk) for pk in re.findall(r'href="/admin/decks/card/(\d+)/change/', table[0])}


def ids(cards) -> set[int]:
    return {card.pk for card in cards}


def edit(staff_client: Client, card: Card, **changes: str):
    data = {
        "category": card.category,
        "question": card.question,
        "answer": card.answer,
        "position": card.position,
        "_save": "Save",
        **changes,
    }
    return staff_client.post(f"{CARDS}{card.pk}/change/", data)


def test_staff_open_a_card_to_edit(staff_client: Client, first_card: Card) -> None:
    response = staff_client.get(f"{CARDS}{first_card.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "What is Model Distillation?" in html
    assert 'name="question"' in html
    assert 'name="answer"' in html


def test_an_edited_question_shows_on_the_study_page_at_once(
    staff_client: Client, bob_client: Client, first_card: Card
) -> None:
    response = edit(staff_client, first_card, question="What is model distillation, in one line?")
    assert response.status_code == 302
    assert response["Location"] == CARDS
    page = bob_client.get(STUDY).content.decode()
    assert "What is model distillation, in one line?" in page
    assert "What is Model Distillation?" not in page


def test_an_edit_keeps_the_cards_reviews_and_schedule(
    staff_client: Client, alice_client: Client, alice: User, first_card: Card
) -> None:
    answer_url = f"/decks/fine-tuning-flashcards/study/{first_card.pk}/answer/"
    rate_url = f"/decks/fine-tuning-flashcards/study/{first_card.pk}/rate/"
    alice_client.post(rate_url, {"rating": 4, "reps": 0})
    alice_client.post(rate_url, {"rating": 2, "reps": 1})
    reviews = list(Review.objects.filter(card=first_card).values())
    state = CardState.objects.filter(card=first_card).values().get()

    edit(staff_client, first_card, answer="A big model teaches a small one.")

    assert list(Review.objects.filter(card=first_card).values()) == reviews
    assert CardState.objects.filter(card=first_card).values().get() == state
    page = alice_client.get(answer_url).content.decode()
    assert "A big model teaches a small one." in page
    assert '<input type="hidden" name="reps" value="2">' in page


def test_an_edit_is_refused_without_a_question(staff_client: Client, first_card: Card) -> None:
    response = edit(staff_client, first_card, question="")
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    first_card.refresh_from_db()
    assert first_card.question == "What is Model Distillation?"


def test_a_card_stays_in_its_deck(
    staff_client: Client, first_card: Card, capitals: Deck, deck: Deck
) -> None:
    # Its reviews and schedules belong to the deck: the deck field is read-only on edit.
    edit(staff_client, first_card, deck=str(capitals.pk))
    first_card.refresh_from_db()
    assert first_card.deck == deck


def test_staff_add_a_card_and_it_joins_the_deck(
    staff_client: Client, bob_client: Client, capitals: Deck
) -> None:
    response = staff_client.post(
        f"{CARDS}add/",
        {
            "deck": capitals.pk,
            "category": "Europe",
            "question": "Capital of Malta?",
            "answer": "Valletta",
            "position": 0,
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    assert "Capital of Malta?" in bob_client.get("/decks/capitals/study/").content.decode()


def test_the_card_list_shows_every_card(staff_client: Client, deck: Deck, capitals: Deck) -> None:
    assert listed_cards(staff_client.get(CARDS)) == ids(Card.objects.all())
    assert Card.objects.count() == 22


def test_the_card_list_searches_questions(staff_client: Client, deck: Deck, capitals: Deck) -> None:
    found = listed_cards(staff_client.get(CARDS, {"q": "Capital of"}))
    assert found == ids(capitals.cards.all())


def test_the_card_list_searches_answers(staff_client: Client, deck: Deck) -> None:
    # "Provisioned Throughput" is only ever in answers: cards 7 and 18.
    found = listed_cards(staff_client.get(CARDS, {"q": "provisioned throughput"}))
    assert found == ids(deck.cards.filter(position__in=[7, 18]))


def test_the_card_list_searches_categories(
    staff_client: Client, deck: Deck, capitals: Deck
) -> None:
    # "Asia" is only a category; "Distillation" is a category (cards 1-4) and in card 1's question.
    assert listed_cards(staff_client.get(CARDS, {"q": "asia"})) == ids(
        capitals.cards.filter(category="Asia")
    )
    assert listed_cards(staff_client.get(CARDS, {"q": "distillation"})) == ids(
        deck.cards.filter(position__in=[1, 2, 3, 4])
    )


def test_the_card_list_search_finding_nothing_shows_no_rows(
    staff_client: Client, deck: Deck
) -> None:
    response = staff_client.get(CARDS, {"q": "photosynthesis"})
    assert listed_cards(response) == set()
    assert "0 results" in response.content.decode()


def test_the_card_list_filters_by_deck(staff_client: Client, deck: Deck, capitals: Deck) -> None:
    assert listed_cards(staff_client.get(CARDS, {"deck__id__exact": capitals.pk})) == ids(
        capitals.cards.all()
    )
    assert listed_cards(staff_client.get(CARDS, {"deck__id__exact": deck.pk})) == ids(
        deck.cards.all()
    )


def test_the_card_list_filters_by_category(
    staff_client: Client, deck: Deck, capitals: Deck
) -> None:
    html = staff_client.get(CARDS).content.decode()
    # The filter offers each category once.
    for category in ("Africa", "Asia", "Distillation", "Fine+Tuning"):
        assert html.count(f'href="?category={category}"') == 1
    found = listed_cards(staff_client.get(CARDS, {"category": "Distillation"}))
    assert found == ids(deck.cards.filter(position__in=[1, 2, 3, 4]))


def test_the_card_list_combines_search_and_filters(
    staff_client: Client, deck: Deck, capitals: Deck
) -> None:
    found = listed_cards(staff_client.get(CARDS, {"q": "fine-tuning", "category": "Fine Tuning"}))
    expected = {
        card.pk
        for card in deck.cards.filter(category="Fine Tuning")
        if "fine-tuning" in (card.question + card.answer).lower()
    }
    assert len(expected) >= 5
    assert found == expected


def test_the_deck_page_lists_its_cards_inline(staff_client: Client, deck: Deck) -> None:
    response = staff_client.get(f"/admin/decks/deck/{deck.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "What is Model Distillation?" in html
    assert "how is transfer learning and fine-tuning related?" in html
    assert 'name="cards-TOTAL_FORMS" value="21"' in html  # 20 cards and one blank


def test_non_staff_are_sent_to_the_admin_login(alice_client: Client, deck: Deck) -> None:
    response = alice_client.get(CARDS)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={CARDS}"


def test_anonymous_visitors_are_sent_to_the_admin_login(client: Client, deck: Deck) -> None:
    response = client.get(CARDS)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={CARDS}"


def test_non_staff_cannot_post_an_edit(alice_client: Client, first_card: Card) -> None:
    response = edit(alice_client, first_card, question="Hacked?")
    assert response.status_code == 302
    first_card.refresh_from_db()
    assert first_card.question == "What is Model Distillation?"
