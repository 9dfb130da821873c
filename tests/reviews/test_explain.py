"""The queries behind every study request find a person's cards through the
(user, deck, state, due) index, on SQLite and on PostgreSQL.

The plans are those of the real queries: the next-card query is captured as
build_queue runs it, and the due count is queue_counts' own expression. The
table holds enough people and cards (10,000 card states, statistics gathered)
that PostgreSQL's planner picks an index on its own merits, as it would in
production; nothing switches sequential scans off.
"""

import re
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from decks.models import Card, Deck
from reviews.models import (
    RELEARNING,
    REVIEW,
    CardState,
    Review,
    build_queue,
    decks_with_queue_counts,
    queue_counts,
)

INDEX = "cardstate_user_deck_state_due"
PEOPLE, CARDS_PER_DECK, SEEN, DUE_EVERY = 20, 1000, 250, 10


@pytest.fixture
def now() -> datetime:
    """Midday today: the ratings made "today" below (up to 40 hours back) then
    always include some, whatever the hour the suite runs at."""
    return timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)


@pytest.fixture
def crowd(db, now: datetime) -> tuple[User, Deck]:
    """20 people who have each seen the first 250 cards of two 1,000-card decks,
    one in ten of them due now: 10,000 card states.

    The rows go in as people would write them, interleaved, so that one
    person's cards are spread over the table and not packed on a few pages.
    """
    decks = [Deck.objects.create(title=f"Deck {n}", slug=f"deck-{n}") for n in (1, 2)]
    for deck in decks:
        Card.objects.bulk_create(
            Card(deck=deck, position=i, question=f"Q{i}?", answer=f"A{i}")
            for i in range(1, CARDS_PER_DECK + 1)
        )
    Deck.objects.count_cards()
    User.objects.bulk_create(User(username=f"person{n}", password="!") for n in range(PEOPLE))
    users = list(User.objects.all())
    seen = [
        list(
            Card.objects.filter(deck=deck).order_by("position").values_list("pk", "position")[:SEEN]
        )
        for deck in decks
    ]
    CardState.objects.bulk_create(
        (
            CardState(
                user=user,
                card_id=card_id,
                deck_id=deck.pk,
                state=REVIEW,
                stability=10.0,
                difficulty=5.0,
                due=now + timedelta(days=-1 if position % DUE_EVERY == 0 else 5),
                last_review=now - timedelta(days=5),
                reps=3,
                last_rating=4,
            )
            for index in range(SEEN)
            for user in users
            for deck, cards in zip(decks, seen, strict=True)
            for card_id, position in [cards[index]]
        ),
        batch_size=2000,
    )
    if connection.vendor == "postgresql":
        # As autovacuum would have by now. SQLite keeps no statistics unless
        # asked (Django never asks), so there the plan is the one it ships with.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return User.objects.get(username="person7"), decks[1]


def plan_of(sql: str, params: tuple = ()) -> str:
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(explain + sql, params or None)
        rows = cursor.fetchall()
    # SQLite: (id, parent, notused, detail); PostgreSQL: one line of text per row.
    return "\n".join(str(row[-1]) for row in rows)


def assert_uses_the_index(plan: str, index: str = INDEX) -> None:
    assert index in plan, plan
    if connection.vendor == "sqlite":
        # SQLite names the table's alias in subqueries (U0, s), so any full scan
        # of a table shows; a SCAN of a subquery's own rows (head1) is no table.
        assert not re.search(r"^SCAN (?!head)", plan, re.MULTILINE), plan
    else:
        assert not re.search(r"Seq Scan on (reviews_cardstate|decks_card)", plan), plan


def test_the_next_card_query_uses_the_index(crowd: tuple[User, Deck], now: datetime) -> None:
    user, deck = crowd
    # A few cards back in (re)learning: they come first, and are found the same way.
    relearning = list(
        CardState.objects.filter(user=user, deck=deck, due__gt=now).order_by("id")[:3]
    )
    CardState.objects.filter(pk__in=[s.pk for s in relearning]).update(
        state=RELEARNING, due=now - timedelta(minutes=5)
    )
    deck = decks_with_queue_counts(user, now).get(pk=deck.pk)
    assert deck.due_count == SEEN // DUE_EVERY + 3
    with CaptureQueriesContext(connection) as captured:
        queue = build_queue(user=user, deck=deck, now=now)
    assert queue.card is not None and queue.card.pk in {s.card_id for s in relearning}
    [query] = captured.captured_queries
    assert "reviews_cardstate" in query["sql"]
    plan = plan_of(query["sql"])
    assert_uses_the_index(plan)
    # The head of each state's range, not the due cards read and sorted.
    heads = r"state=\?" if connection.vendor == "sqlite" else r"\(state = \d\)"
    assert len(re.findall(heads, plan)) == 3, plan


def test_the_due_count_query_uses_the_index(crowd: tuple[User, Deck], now: datetime) -> None:
    user, deck = crowd
    due_count = queue_counts(user, now)["due_count"]
    decks = Deck.objects.filter(pk=deck.pk).annotate(due_count=due_count)
    assert decks.get().due_count == SEEN // DUE_EVERY
    assert_uses_the_index(plan_of(*decks.query.sql_with_params()))


def test_the_new_today_count_reads_one_row(crowd: tuple[User, Deck], now: datetime) -> None:
    """New cards begun today come from the person's DeckState, kept by triggers on
    first ratings: the count reads no rating, however many were given today."""
    user, deck = crowd
    states = CardState.objects.order_by("id")
    reviewed_at = {
        (state.card_id, seq): now - timedelta(hours=seq * 50 + state.card_id % 40)
        for state in states
        for seq in range(3)
    }
    Review.objects.bulk_create(
        (
            Review(
                user_id=state.user_id,
                card_id=state.card_id,
                seq=seq,
                rating=4,
                reviewed_at=reviewed_at[state.card_id, seq],
                day=reviewed_at[state.card_id, seq].astimezone(user.tzinfo()).date(),
                after={},
            )
            for state in states
            for seq in range(3)
        ),
        batch_size=2000,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    new_today = queue_counts(user, now)["new_today"]
    decks = Deck.objects.filter(pk=deck.pk).annotate(new_today=new_today)
    expected = Review.objects.filter(
        user=user, seq=0, card__deck=deck, reviewed_at__gte=user.start_of_day(now)
    ).count()
    assert 0 < decks.get().new_today == expected < SEEN
    plan = plan_of(*decks.query.sql_with_params())
    # The (user, deck) unique index: PostgreSQL names it, SQLite numbers it.
    assert re.search(r"deckstate_one_per_user_deck|autoindex_reviews_deckstate", plan), plan
    assert "reviews_review" not in plan, plan


def test_the_first_new_card_query_starts_where_new_cards_begin(
    crowd: tuple[User, Deck], now: datetime
) -> None:
    """Nothing due: the first new card is looked for from the person's DeckState.new_from
    on, a range of the (deck, position) index, not from the deck's first card."""
    user, deck = crowd
    CardState.objects.filter(user=user).update(due=now + timedelta(days=1))
    deck = decks_with_queue_counts(user, now).get(pk=deck.pk)
    assert (deck.due_count, deck.seen_count) == (0, SEEN)
    with CaptureQueriesContext(connection) as captured:
        queue = build_queue(user=user, deck=deck, now=now)
    assert queue.card == Card.objects.filter(deck=deck).order_by("position")[SEEN]
    [query] = captured.captured_queries
    plan = plan_of(query["sql"])
    if connection.vendor == "sqlite":
        assert re.search(
            r"SEARCH \S+ USING (COVERING )?INDEX \w+ \(deck_id=\? AND position>\?\)", plan
        ), plan
        assert not re.search(r"^SCAN ", plan, re.MULTILINE), plan
    else:
        assert re.search(r"Index Cond: \(\(deck_id = \d+\) AND \(\"?position\"? >= ", plan), plan
        assert "Seq Scan on decks_card" not in plan, plan
