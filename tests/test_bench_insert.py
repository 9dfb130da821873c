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
        return [
            Review(
                user=user,
                card=first,
                seq=0,
                rating=3,
                reviewed_at=now - timedelta(days=3),
                day=(now - timedelta(days=3)).date(),
                duration_ms=None,
                before=None,
                after={**schedule, "reps": 1},
            ),
            Review(
                user=user,
                card=first,
                seq=1,
                rating=4,
                reviewed_at=now,
                day=now.date(),
                duration_ms=4200,
                before={**schedule, "reps": 1},
                after=schedule,
            ),
            Review(
                user=user,
                card=second,
                seq=0,
                rating=1,
                reviewed_at=now,
                day=now.date(),
                duration_ms=900,
                before=None,
                after={**schedule, "state": 1, "step": 0, "reps": 1, "last_rating": 1},
            ),
        ]

    def states(user):
        return [
            CardState(
                user=user,
                card=first,
                deck=deck,
                state=2,
                step=None,
                stability=2.5,
                difficulty=5.25,
                due=now + timedelta(days=2),
                last_review=now,
                reps=2,
                lapses=0,
                last_rating=4,
            ),
            CardState(
                user=user,
                card=second,
                deck=deck,
                state=1,
                step=0,
                stability=0.2,
                difficulty=7.0,
                due=now + timedelta(minutes=1),
                last_review=now,
                reps=1,
                lapses=0,
                last_rating=1,
            ),
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

    # The triggers fired for each row: two cards seen, two first ratings today.
    assert rows(DeckState, alice, ["deck_id"]) == rows(DeckState, bob, ["deck_id"])
    mine = DeckState.objects.get(user=alice, deck=deck)
    assert (mine.seen, mine.new_count, mine.new_day) == (2, 1, now.date())
