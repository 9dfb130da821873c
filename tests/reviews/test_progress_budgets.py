"""Query budgets of the progress pages: a fixed number of queries, at most 15,
whether a person has no reviews, 100 or 100,000.

These tests run outside a test transaction (`transaction=True`), so the count
holds no savepoints of the test's own: it is the page's queries and nothing else.
"""

import time
from datetime import datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from decks.models import Card
from reviews.models import REVIEW, CardState, Review
from reviews.scheduling import Schedule

from .progress_page import deck_cards, figures, parse, rate

pytestmark = pytest.mark.django_db(transaction=True)

DECK_PAGE = "/progress/fine-tuning-flashcards/"
BUDGET = 15


def queries(client: Client, url: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def a_hundred_reviews(user: User, cards: list[Card]) -> None:
    """Five ratings of each of the 20 cards, a day apart, through `record_review`."""
    start = timezone.now() - timedelta(days=6)
    for round_ in range(5):
        for i, card in enumerate(cards):
            rate(user, card, (i + round_) % 5 + 1, start + timedelta(days=round_, minutes=i))


def bulk_history(user: User, cards: list[Card], total: int, now: datetime) -> None:
    """`total` reviews spread evenly over the cards and the last 400 days, each with the
    seq, before and after that `record_review` would have stored (a card in review
    state, its reps counting up), and each card's final CardState.

    The reviews go in as multi-row INSERTs of the values the ORM would send:
    `bulk_create` spends ten seconds or more building 100,000 model instances.
    """
    per_card = total // len(cards)
    span = timedelta(days=400)
    gap = span / per_card
    fields = [
        "user",
        "card",
        "seq",
        "rating",
        "reviewed_at",
        "day",
        "duration_ms",
        "before",
        "after",
    ]
    tz = user.tzinfo()
    model_fields = [Review._meta.get_field(name) for name in fields]
    prepare_time = connection.ops.adapt_datetimefield_value
    prepare_json = Review._meta.get_field("after").get_db_prep_save
    rows, states = [], []
    for i, card in enumerate(cards):
        previous: dict | None = None
        for seq in range(per_card):
            at = now - span + seq * gap + timedelta(seconds=i)
            rating = (seq * 7 + i) % 5 + 1
            after = {
                "state": REVIEW,
                "step": None,
                "stability": 12.0,
                "difficulty": 5.0,
                "due": (at + timedelta(days=(seq + i) % 40)).isoformat(),
                "last_review": at.isoformat(),
                "reps": seq + 1,
                "lapses": 0,
                "last_rating": rating,
            }
            rows.append(
                (
                    user.pk,
                    card.pk,
                    seq,
                    rating,
                    prepare_time(at),
                    at.astimezone(tz).date(),
                    8_000,
                    prepare_json(previous, connection),
                    prepare_json(after, connection),
                )
            )
            previous = after
        last = Schedule.from_json(previous)
        states.append(CardState(user=user, card=card, deck_id=card.deck_id, **last.__dict__))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in model_fields)
    row_placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    batch = 1_000
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(rows), batch):
            chunk = rows[start : start + batch]
            cursor.execute(
                f"INSERT INTO {quote(Review._meta.db_table)} ({columns}) VALUES "
                + ", ".join([row_placeholders] * len(chunk)),
                [value for row in chunk for value in row],
            )
    CardState.objects.bulk_create(states)


def best_of(client: Client, url: str, runs: int = 3) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        timings.append(time.perf_counter() - started)
    return min(timings)


def test_progress_pages_cost_the_same_queries_for_0_100_and_100000_reviews(deck, capsys):
    cards = deck_cards(deck)
    nobody = User.objects.create_user("nobody", password="nobody-password-123")
    alice = User.objects.create_user("alice", password="alice-password-123")
    bob = User.objects.create_user("bob", password="bob-password-123")
    a_hundred_reviews(alice, cards)
    bulk_history(bob, cards, 100_000, timezone.now())
    assert Review.objects.filter(user=alice).count() == 100
    assert Review.objects.filter(user=bob).count() == 100_000

    for url in (DECK_PAGE, "/progress/"):
        counts = {}
        for user in (nobody, alice, bob):
            client = client_for(user)
            client.get(url)  # the first request may fill caches; count the second
            counts[user.username], response = queries(client, url)
            total = figures(parse(response))["Total reviews"]
            assert total == {"nobody": "0", "alice": "100", "bob": "100000"}[user.username]
        assert counts["nobody"] == counts["alice"] == counts["bob"] <= BUDGET, (url, counts)
        with capsys.disabled():
            print(f"\n{connection.vendor}: {url}: {counts['bob']} queries")

    # How long the page takes with 100,000 reviews: reported, not asserted.
    bob_client = client_for(bob)
    with capsys.disabled():
        for url in (DECK_PAGE, "/progress/"):
            seconds = best_of(bob_client, url)
            print(f"\n{connection.vendor}: {url} with 100,000 reviews: {seconds * 1000:.0f} ms")
