"""Each rating button promises when the card comes back ("10 min", "4 d"), and
pressing it records exactly that: the Review row's new due date, counted from
when it was rated, reads the same as the button did."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from decks.models import Card
from reviews.models import CardState, Review
from reviews.scheduling import Schedule, format_interval

from .helpers import answer_url, flip_and_rate, promised_intervals, put_state

LEARNING, REVIEW, RELEARNING = 1, 2, 3


def new_card(user: User, card: Card) -> None:
    """Never seen: no state at all."""


def learning_card(user: User, card: Card) -> None:
    now = timezone.now()
    put_state(
        user,
        card,
        state=LEARNING,
        step=1,
        stability=2.3,
        difficulty=5.5,
        reps=1,
        last_review=now - timedelta(minutes=15),
        due=now - timedelta(minutes=5),
        last_rating=3,
    )


def review_card(user: User, card: Card) -> None:
    """Graduated, last reviewed nine days ago and due two days ago."""
    now = timezone.now()
    put_state(
        user,
        card,
        state=REVIEW,
        stability=8.0,
        difficulty=5.0,
        reps=4,
        last_review=now - timedelta(days=9),
        due=now - timedelta(days=2),
    )


def relearning_card(user: User, card: Card) -> None:
    """Forgotten after a month in review: back in relearning steps."""
    now = timezone.now()
    put_state(
        user,
        card,
        state=RELEARNING,
        step=0,
        stability=3.1,
        difficulty=7.0,
        reps=6,
        last_review=now - timedelta(minutes=20),
        due=now - timedelta(minutes=10),
        last_rating=1,
    )


def recorded_interval(user: User, card: Card) -> str:
    """What the press stored: the Review's "after" due date, from the moment it was rated."""
    review = Review.objects.get(user=user, card=card)
    after = Schedule.from_json(review.after)
    interval = format_interval(after.due - review.reviewed_at)
    # The card's current state says the same.
    state = CardState.objects.get(user=user, card=card)
    assert format_interval(state.due - state.last_review) == interval
    return interval


@pytest.mark.parametrize("retention", [0.90, 0.80])
@pytest.mark.parametrize(
    "prepare", [new_card, learning_card, review_card, relearning_card], ids=lambda f: f.__name__
)
def test_each_of_the_five_buttons_records_the_interval_it_shows(
    alice_client: Client, alice: User, cards: list[Card], prepare, retention: float
) -> None:
    alice.desired_retention = retention
    alice.save()
    card = cards[0]
    shown, recorded = [], []
    for rating in range(1, 6):
        Review.objects.filter(user=alice).delete()
        CardState.objects.filter(user=alice).delete()
        prepare(alice, card)
        promised = promised_intervals(alice_client.get(answer_url(card)))
        assert len(promised) == 5
        shown.append(promised[rating - 1])

        response = flip_and_rate(alice_client, card, rating)
        assert response.status_code == 303
        assert Review.objects.get(user=alice).rating == rating
        recorded.append(recorded_interval(alice, card))
    assert shown == recorded
    # The buttons say different things: a button showing its neighbour's
    # interval would not pass unnoticed.
    assert len(set(shown)) >= 3, shown


def test_a_review_card_promises_days_and_a_longer_wait_for_a_higher_rating(
    alice_client: Client, alice: User, cards: list[Card]
) -> None:
    review_card(alice, cards[0])
    promised = promised_intervals(alice_client.get(answer_url(cards[0])))
    # 1 and 2 are both FSRS's Again: back to relearning, minutes.
    assert promised[0] == promised[1]
    assert promised[0].endswith(" min")
    assert all(interval.endswith((" d", " mo")) for interval in promised[2:])
    days = [int(interval.split()[0]) for interval in promised[2:] if interval.endswith(" d")]
    assert days == sorted(days)
