"""Drive the study loop the way a browser with JavaScript off does, and read what it shows.

Tests go through the real URLs, views and templates; these helpers only find
the card on a page and post the rating form a person would submit.
"""

import html
import re
from datetime import datetime

from django.forms.models import model_to_dict
from django.http import HttpResponse
from django.test import Client

from accounts.models import User
from decks.models import Card, Deck
from reviews.models import CardState

CARD_FIELDS = (
    "state",
    "step",
    "stability",
    "difficulty",
    "due",
    "last_review",
    "reps",
    "lapses",
    "last_rating",
)


def study_url(deck: Deck) -> str:
    return f"/decks/{deck.slug}/study/"


def answer_url(card: Card) -> str:
    return f"/decks/{card.deck.slug}/study/{card.pk}/answer/"


def rate_url(card: Card) -> str:
    return f"/decks/{card.deck.slug}/study/{card.pk}/rate/"


def undo_url(deck: Deck) -> str:
    return f"/decks/{deck.slug}/study/undo/"


def text(response: HttpResponse) -> str:
    return response.content.decode()


def shown_card_id(response: HttpResponse) -> int:
    """The card whose question the page shows, read from its "Show answer" link."""
    match = re.search(r'href="/decks/[\w-]+/study/(\d+)/answer/', text(response))
    assert match, "the page shows no card to flip"
    return int(match[1])


def shown_question(response: HttpResponse) -> str:
    """The question as a person reads it (tags stripped, entities decoded)."""
    match = re.search(
        r'<div class="card-question[^"]*" role="heading" aria-level="1">(.*?)</div>',
        text(response),
        re.S,
    )
    assert match, "the page shows no question"
    return html.unescape(re.sub(r"<[^>]+>", "", match[1])).strip()


def rating_labels(response: HttpResponse) -> list[str]:
    """The labels of the rating buttons, as read aloud ("1 Not at all", "2", ...)."""
    labels = re.findall(
        r'<span class="rate-label">(.*?)</span>\s*<span class="rate-interval">', text(response)
    )
    return [html.unescape(re.sub(r"<[^>]+>", "", label)).strip() for label in labels]


def promised_intervals(response: HttpResponse) -> list[str]:
    """The "comes back in" interval under each rating button, in button order."""
    intervals = re.findall(
        r'<span class="rate-interval"><span class="visually-hidden">[^<]*</span>([^<]*)</span>',
        text(response),
    )
    return [interval.strip() for interval in intervals]


def hidden_value(response: HttpResponse, name: str) -> str:
    match = re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', text(response))
    assert match, f"the page has no hidden {name} field"
    return match[1]


def left_today(response: HttpResponse) -> int:
    """The number on the progress line "N left today"."""
    match = re.search(r"<strong>(\d+)</strong> left today", text(response))
    assert match, "the page shows no 'left today' line"
    return int(match[1])


def flip_and_rate(client: Client, card: Card, rating: int, **headers: str) -> HttpResponse:
    """Open the card's answer side, then press a rating button: the form as the page built it."""
    answer = client.get(answer_url(card))
    assert answer.status_code == 200
    data = {"rating": rating, "reps": hidden_value(answer, "reps")}
    return client.post(rate_url(card), data, headers=headers)


def study_next(client: Client, deck: Deck, rating: int) -> Card:
    """Rate whatever card the study page shows next; return that card."""
    card = Card.objects.select_related("deck").get(pk=shown_card_id(client.get(study_url(deck))))
    response = flip_and_rate(client, card, rating)
    assert response.status_code == 303
    return card


def state_fields(user: User, card: Card) -> dict | None:
    """Everything CardState stores about this person and card, or None for a card never seen."""
    state = CardState.objects.filter(user=user, card=card).first()
    return model_to_dict(state, fields=CARD_FIELDS) if state else None


def put_state(
    user: User,
    card: Card,
    *,
    state: int,
    due: datetime,
    last_review: datetime,
    stability: float = 5.0,
    difficulty: float = 5.0,
    reps: int = 3,
    step: int | None = None,
    last_rating: int = 4,
) -> CardState:
    """A card this person has seen, in a given FSRS state: the shape record_review leaves."""
    return CardState.objects.create(
        user=user,
        card=card,
        deck=card.deck,
        state=state,
        step=step,
        stability=stability,
        difficulty=difficulty,
        due=due,
        last_review=last_review,
        reps=reps,
        lapses=0,
        last_rating=last_rating,
    )
