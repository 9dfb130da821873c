"""The bench loads its million reviews with its own `insert` (COPY on
PostgreSQL, one prepared INSERT on SQLite): the rows read back exactly as
`bulk_create` writes them, and the database's triggers count them in DeckState."""

from datetime import timedelta

from django.db import connection
from django.utils import timezone

from bench.dataset import insert
from reviews.models import CardState, DeckState, Review


def test_insert_writes_what_bulk_create_writes(alice, bob, deck):
    first, second = deck.cards.order_by("position")[:2]
    now = timezone.now()
    schedule = {
        "state": 2,
        "step": None,
        "stability": 2.5,
        "difficulty": 5.25,
        "due": (now + timedelta(days=2)).isoformat(),
        "last_review": now.isoformat(),
        "reps": 2,
        "lapses": 0,
        "last_rating": 4,
    }

    def reviews(user):
        # (card, seq, rating, when, duration_ms, before, after)
        shown = [
            (first, 0, 3, now - timedelta(days=3), None, None, {**schedule, "reps": 1}),
            (first, 1, 4, now, 4200, {**schedule, "reps": 1}, schedule),
            (second, 0, 1, now, 900, None, {**schedule, "state": 1, "step": 0, "reps": 1}),
        ]
        return [
            Review(
                user=user,
                card=card,
                seq=seq,
                rating=rating,
                reviewed_at=when,
                day=when.date(),
                duration_ms=duration_ms,
                before=before,
                after=after,
            )
            for card, seq, rating, when, duration_ms, before, after in shown
        ]

    def states(user):
        # (card, state, step, stability, difficulty, due, reps, last_rating)
        cards = [
            (first, 2, None, 2.5, 5.25, now + timedelta(days=2), 2, 4),
            (second, 1, 0, 0.2, 7.0, now + timedelta(minutes=1), 1, 1),
        ]
        return [
            CardState(
                user=user,
                card=card,
                deck=deck,
                state=state,
                step=step,
                stability=stability,
                difficulty=difficulty,
                due=due,
                last_review=now,
                reps=reps,
                lapses=0,
                last_rating=last_rating,
            )
            for card, state, step, stability, difficulty, due, reps, last_rating in cards
        ]

    insert(Review, reviews(alice))
    insert(CardState, states(alice))
    Review.objects.bulk_create(reviews(bob))
    CardState.objects.bulk_create(states(bob))

    def rows(model, user, order=("card_id", "id")):
        """The rows as the database holds them (raw column values, not as the
        ORM converts them back), without their ids."""
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT * FROM {table} WHERE user_id = %s ORDER BY {', '.join(order)}",  # noqa: S608
                [user.pk],
            )
            names = [column[0] for column in cursor.description]
            return [
                {k: v for k, v in zip(names, row, strict=True) if k not in ("id", "user_id")}
                for row in cursor.fetchall()
            ]

    assert rows(Review, alice) == rows(Review, bob)
    assert rows(CardState, alice) == rows(CardState, bob)
    assert Review.objects.filter(user=alice, before__isnull=True).count() == 2  # NULL, not null
    assert Review.objects.get(user=alice, card=first, seq=1).after == schedule
    assert CardState.objects.get(user=alice, card=first).due == now + timedelta(days=2)

    # The triggers fired for each row: two cards seen, one first rating on the latest day.
    assert rows(DeckState, alice, ["deck_id"]) == rows(DeckState, bob, ["deck_id"])
    mine = DeckState.objects.get(user=alice, deck=deck)
    assert (mine.seen, mine.new_count, mine.new_day) == (2, 1, now.date())
