"""Rows read with SQL written out (flashsite/rows.py) come back exactly as the
ORM loads them, on SQLite and PostgreSQL; and the sign-in backend built on
them signs in whom Django's would, and nobody else."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from accounts.backends import UserBackend
from accounts.models import User
from decks.models import Card, Deck
from flashsite.rows import Columns, insert, select_one, update, write_then_insert
from reviews.models import CardState, Review, record_review


def fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def read(model, pk):
    """`model`'s row `pk` through select_one."""
    columns = Columns(model)
    qn = connection.ops.quote_name
    found = select_one(
        f"SELECT {columns.sql()} FROM {qn(columns.table)} WHERE {qn('id')} = %s",  # noqa: S608
        [pk],
        columns,
    )
    return found[0][0] if found else None


@pytest.fixture
def reviewed(deck: Deck, alice: User) -> Review:
    card = deck.cards.order_by("position").first()
    now = timezone.now()
    record_review(user=alice, card=card, rating=4, now=now - timedelta(days=3), shown_reps=0)
    return record_review(user=alice, card=card, rating=2, now=now, shown_reps=1, duration_ms=4200)


def test_every_model_on_the_study_path_reads_as_the_orm_reads_it(reviewed: Review) -> None:
    state = CardState.objects.get(user=reviewed.user, card=reviewed.card)
    for model, pk in [
        (User, reviewed.user_id),
        (Deck, reviewed.card.deck_id),
        (Card, reviewed.card_id),
        (CardState, state.pk),
        (Review, reviewed.pk),
    ]:
        by_orm, by_sql = model.objects.get(pk=pk), read(model, pk)
        assert type(by_sql) is model
        assert fields(by_sql) == fields(by_orm)
        assert not by_sql._state.adding
        assert by_sql._state.db == "default"
    # Types the database hands back differently: aware datetimes, JSON, booleans.
    loaded = read(Review, reviewed.pk)
    assert loaded.reviewed_at.tzinfo is not None
    assert loaded.after["reps"] == 2
    assert read(Deck, reviewed.card.deck_id).published is True


def test_no_row_is_none(db) -> None:
    assert read(Card, 987654321) is None


def test_the_far_side_of_a_left_join_that_found_nothing_is_none(deck: Deck, alice: User) -> None:
    cards, states = Columns(Card), Columns(CardState)
    qn = connection.ops.quote_name
    card = deck.cards.first()
    (found_card, found_state), rest = select_one(
        f"SELECT {cards.sql()}, {states.sql()}, 7 FROM {qn(cards.table)}"  # noqa: S608
        f" LEFT OUTER JOIN {qn(states.table)} ON {qn(states.table)}.{qn('card_id')}"
        f" = {qn(cards.table)}.{qn('id')} WHERE {qn(cards.table)}.{qn('id')} = %s",
        [card.pk],
        cards,
        states,
    )
    assert found_card == card and found_card.question == card.question
    assert found_state is None
    assert tuple(rest) == (7,)


def test_the_backend_returns_the_person_only_while_they_may_sign_in(alice: User) -> None:
    backend = UserBackend()
    assert fields(backend.get_user(alice.pk)) == fields(User.objects.get(pk=alice.pk))
    for missing in (alice.pk + 1000, 0, -1, 2**63, "1"):
        assert backend.get_user(missing) is None
    alice.is_active = False
    alice.save()
    assert backend.get_user(alice.pk) is None


def test_a_deactivated_person_is_signed_out_at_their_next_request(
    alice: User, alice_client: Client
) -> None:
    assert alice_client.get("/").context["user"] == alice
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert alice_client.get("/").context["user"].is_authenticated is False


def test_an_inserted_row_reads_back_as_given_and_a_duplicate_is_refused(
    reviewed: Review,
) -> None:
    review = Review(
        user=reviewed.user,
        card=reviewed.card,
        seq=2,
        rating=5,
        reviewed_at=timezone.now(),
        day=timezone.now().date(),
        duration_ms=None,
        before=reviewed.after,
        after={"reps": 3, "note": "ünïcode"},
    )
    insert(review)
    assert review.pk is not None and not review._state.adding
    assert fields(Review.objects.get(pk=review.pk)) == fields(review)
    review.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(review)  # (user, card, seq) again
    assert Review.objects.filter(user=reviewed.user).count() == 3


def test_an_update_changes_only_the_rows_that_match(reviewed: Review) -> None:
    state = CardState.objects.get(user=reviewed.user, card=reviewed.card)
    later = state.due + timedelta(days=9)
    assert (
        update(CardState, {"due": later, "last_rating": 5}, pk=state.pk, reps=state.reps + 1) == 0
    )
    assert update(CardState, {"due": later, "last_rating": 5}, pk=state.pk, reps=state.reps) == 1
    state.refresh_from_db()
    assert (state.due, state.last_rating) == (later, 5)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)
def test_postgresql_plans_a_query_once_per_connection(alice: User, alice_client: Client) -> None:
    """Flip's and rate's queries are prepared after a few runs on a connection
    (flashsite/settings.py): the sixth read of a session and its person is a
    statement PostgreSQL planned once, and the site still answers as before."""
    for _ in range(6):
        assert alice_client.get("/").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]
    assert any('FROM "accounts_session"' in statement for statement in prepared), prepared


def next_review(reviewed: Review, seq: int) -> Review:
    return Review(
        user=reviewed.user,
        card=reviewed.card,
        seq=seq,
        rating=3,
        reviewed_at=timezone.now(),
        day=timezone.now().date(),
        duration_ms=1500,
        before=reviewed.after,
        after={"reps": seq + 1},
    )


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite writes the two rows in a transaction"
)
def test_postgresql_writes_a_state_and_its_review_together_or_not_at_all(
    reviewed: Review,
) -> None:
    """A rating on PostgreSQL is one statement: the card state written (an
    UPDATE that must match, or an INSERT), then the review only if it was."""
    state = CardState.objects.get(user=reviewed.user, card=reviewed.card)
    later = state.due + timedelta(days=9)
    where = {"pk": state.pk, "reps": state.reps}

    stale = next_review(reviewed, 2)
    stale_where = {**where, "reps": state.reps + 1}
    assert not write_then_insert((CardState, {"due": later}, stale_where), stale)
    assert stale.pk is None

    duplicate = next_review(reviewed, 1)  # seq 1 is taken
    with pytest.raises(IntegrityError), transaction.atomic():
        write_then_insert((CardState, {"due": later}, where), duplicate)
    state.refresh_from_db()
    assert state.due != later  # the UPDATE went back with the refused INSERT

    review = next_review(reviewed, 2)
    assert write_then_insert((CardState, {"due": later, "reps": state.reps + 1}, where), review)
    assert fields(Review.objects.get(pk=review.pk)) == fields(review)
    state.refresh_from_db()
    assert (state.due, state.reps) == (later, 3)

    other = reviewed.card.deck.cards.exclude(pk=reviewed.card.pk).first()
    new_state = CardState(**{**fields(state), "id": None, "card_id": other.pk})
    first = Review(**{**fields(next_review(reviewed, 0)), "id": None, "card_id": other.pk})
    assert write_then_insert(new_state, first)
    assert fields(CardState.objects.get(pk=new_state.pk)) == fields(new_state)
    assert fields(Review.objects.get(pk=first.pk)) == fields(first)
    assert Review.objects.filter(user=reviewed.user).count() == 4
