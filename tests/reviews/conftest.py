"""Decks beside the bundled one: another published deck, and one not published."""

import pytest

from decks.models import Card, Deck


@pytest.fixture
def cards(deck: Deck) -> list[Card]:
    """The bundled deck's 20 cards in deck order."""
    return list(deck.cards.select_related("deck").order_by("position", "id"))


@pytest.fixture
def other_deck(db) -> Deck:
    deck = Deck.objects.create(title="Capitals", slug="capitals")
    Card.objects.create(
        deck=deck, position=1, category="South America", question="Capital of Peru?", answer="Lima"
    )
    Card.objects.create(
        deck=deck, position=2, category="Africa", question="Capital of Chad?", answer="N'Djamena"
    )
    return deck


@pytest.fixture
def other_card(other_deck: Deck) -> Card:
    return other_deck.cards.select_related("deck").order_by("position").first()


@pytest.fixture
def hidden_deck(db) -> Deck:
    """A deck staff are still writing: not published."""
    deck = Deck.objects.create(title="Draft", slug="draft", published=False)
    Card.objects.create(deck=deck, position=1, question="Draft question?", answer="Draft answer")
    return deck


@pytest.fixture
def hidden_card(hidden_deck: Deck) -> Card:
    return hidden_deck.cards.select_related("deck").get()
