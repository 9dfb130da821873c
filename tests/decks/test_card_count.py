"""Each deck's stored `card_count` follows its cards, however they change."""

import pytest

from decks.formats import ParsedCard, ParsedDeck
from decks.models import Card, Deck, import_deck

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return dict(Deck.objects.values_list("slug", "card_count"))


def test_import_counts_the_bundled_deck(deck):
    assert counts() == {"fine-tuning-flashcards": 20}
    assert deck.card_count == 20


def test_reimporting_with_more_cards_counts_them(deck):
    parsed = ParsedDeck(title=deck.title)
    parsed.cards = [ParsedCard(question=c.question, answer=c.answer) for c in deck.cards.all()]
    parsed.cards.append(ParsedCard(question="One more?", answer="Yes."))
    assert import_deck(parsed=parsed).deck.card_count == 21
    assert counts() == {"fine-tuning-flashcards": 21}


def test_adding_editing_moving_and_deleting_a_card(deck):
    other = Deck.objects.create(title="Other")
    card = Card.objects.create(deck=other, question="Q?", answer="A.")
    assert counts() == {"fine-tuning-flashcards": 20, "other": 1}

    card.answer = "A, edited."
    card.save()
    assert counts() == {"fine-tuning-flashcards": 20, "other": 1}

    moved = Card.objects.get(pk=card.pk)
    moved.deck = deck
    moved.save()
    assert counts() == {"fine-tuning-flashcards": 21, "other": 0}

    deck.cards.filter(position__in=[1, 2]).delete()
    assert counts() == {"fine-tuning-flashcards": 19, "other": 0}


def test_adding_and_deleting_in_the_admin(staff_client, deck):
    response = staff_client.post(
        "/admin/decks/card/add/",
        {"deck": deck.pk, "category": "", "question": "Q?", "answer": "A.", "position": 21},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert counts() == {"fine-tuning-flashcards": 21}

    card = Card.objects.get(question="Q?")
    response = staff_client.post(f"/admin/decks/card/{card.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert counts() == {"fine-tuning-flashcards": 20}
