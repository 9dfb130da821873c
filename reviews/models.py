from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import (
    Case,
    Value,
    When,
)
from django.db.models.expressions import RawSQL

from decks.models import Card, Deck
from flashsite.rows import MAX_ID, Columns, insert, select_one, update, write_then_insert

from .scheduling import Schedule, next_schedule, review_seed

LEARNING, REVIEW, RELEARNING = 1, 2, 3


class DeckState(models.Model):
    """Where one person stands in one deck, kept by the database itself.

    `seen`: how many of the deck's cards the person has rated (their
    CardStates in it). `new_from`: every card of the deck placed before this
    position has been seen, so the first new card is looked for from here on.
    `new_count`: how many cards they first rated on their local day `new_day`
    (the day of the latest first rating), for the daily limit of new cards.

    Database triggers (reviews/triggers.py) keep them right whatever writes
    the rows: a rating, an undo, a bulk load, a card added or moved by staff,
    a deletion cascading from a card, deck or person. Counting the seen cards,
    walking past them to the first new one, or counting today's first ratings
    would cost as much as the person has studied on every study page and rating.
    """

    # No index of their own: the (user, deck) and (deck, new_from) ones lead with them.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="+", db_index=False)
    seen = models.PositiveIntegerField(default=0)
    new_from = models.PositiveIntegerField(default=0)
    new_day = models.DateField(null=True)
    new_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "deck"], name="deckstate_one_per_user_deck"),
        ]
        # A card placed before some people's `new_from` lowers theirs: a range of this.
        indexes = [models.Index(fields=["deck", "new_from"], name="deckstate_deck_new_from")]

    def __str__(self) -> str:
        return f"{self.user} · deck {self.deck_id}"


class CardStateQuerySet(models.QuerySet["CardState"]):
    def for_user(self, user) -> "CardStateQuerySet":
        return self.filter(user=user)

    def in_deck(self, deck: Deck) -> "CardStateQuerySet":
        return self.filter(deck=deck)

    def due(self, now: datetime) -> "CardStateQuerySet":
        return self.filter(due__lte=now)

    def queue_order(self) -> "CardStateQuerySet":
        """Cards in (re)learning first, then review cards, most overdue first."""
        return self.order_by(Case(When(state=REVIEW, then=Value(1)), default=Value(0)), "due")


class CardState(models.Model):
    """Where one card stands for one person: FSRS's memory state and the next due time.

    `deck` repeats `card.deck` so that "what is due in this deck for me" is one
    range of the (user, deck, due) index, whatever the size of the deck or
    of the person's history.
    """

    STATE_CHOICES = [(LEARNING, "Learning"), (REVIEW, "Review"), (RELEARNING, "Relearning")]

    # No index of its own: the (user, card) constraint and the indexes below lead with it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="card_states",
        db_index=False,
    )
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="states")
    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="+")
    state = models.PositiveSmallIntegerField(choices=STATE_CHOICES)
    step = models.PositiveSmallIntegerField(null=True, blank=True)
    stability = models.FloatField(null=True, blank=True)
    difficulty = models.FloatField(null=True, blank=True)
    due = models.DateTimeField()
    last_review = models.DateTimeField(null=True, blank=True)
    reps = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    last_rating = models.PositiveSmallIntegerField(null=True, blank=True)

    objects = CardStateQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "card"], name="cardstate_one_per_user_card"),
        ]
        # A person's cards in a deck by due time, per FSRS state: the due count is a
        # range of it per state, the next card the head of one. Every rating moves
        # the card's due time in each index that holds it, so only this one does.
        indexes = [
            models.Index(
                fields=["user", "deck", "state", "due"], name="cardstate_user_deck_state_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · card {self.card_id}"

    @property
    def schedule(self) -> Schedule:
        return Schedule(
            state=self.state,
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=self.due,
            last_review=self.last_review,
            reps=self.reps,
            lapses=self.lapses,
            last_rating=self.last_rating,
        )

    def apply(self, schedule: Schedule) -> None:
        for name, value in schedule.__dict__.items():
            setattr(self, name, value)


class Review(models.Model):
    """One rating, as given. Rows are never edited; undo deletes the latest one.

    `seq` is how many times the person had rated the card before, so the
    unique (user, card, seq) turns a form posted twice into one review.
    """

    # No index of its own: (user, card, seq) and (user, reviewed_at) lead with it, and
    # every rating would write one more.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews", db_index=False
    )
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="reviews")
    seq = models.PositiveIntegerField()
    rating = models.PositiveSmallIntegerField()
    reviewed_at = models.DateTimeField()
    day = models.DateField(
        help_text="The person's own date when they rated, in their time zone then: "
        "streaks and reviews per day count these days."
    )
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "card", "seq"], name="review_once_per_showing"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1, rating__lte=5), name="review_rating_1_to_5"
            ),
        ]
        indexes = [models.Index(fields=["user", "reviewed_at"], name="review_user_time")]

    def __str__(self) -> str:
        return f"{self.user} rated card {self.card_id} {self.rating}"


# The longest answer time kept: a card left open over lunch is not 40 minutes of study.
MAX_DURATION_MS = 5 * 60 * 1000


class _Unread:
    """Marks a `state` argument the caller left out."""


def record_review(
    *,
    user,
    card: Card,
    rating: int,
    now: datetime,
    shown_reps: int,
    duration_ms: int | None = None,
    state: "CardState | None | type[_Unread]" = _Unread,
) -> Review | None:
    """Store a rating and the card's new schedule, both or neither: in one
    statement on PostgreSQL, in one transaction on SQLite.

    `shown_reps` is the card's review count when it was shown. If it no longer
    matches, this showing was rated already (a double submit, or a second
    tab), and nothing is written: the result is None.

    `state` is the person's CardState for the card as the caller read it
    (None for a new card); left out, it is read here. It needs no lock: the
    unique (user, card, seq) lets only one review of a showing in, and the
    state is updated only if its review count is still the one read, so a
    request racing another (or an undo) writes nothing instead of a schedule
    computed from a stale state.
    """
    if state is _Unread:
        state = CardState.objects.filter(user=user, card=card).first()
    before = state.schedule if state else None
    if (before.reps if before else 0) != shown_reps:
        return None
    after = next_schedule(
        before,
        rating,
        now,
        desired_retention=user.desired_retention,
        seed=review_seed(user.pk, card.pk, shown_reps),
    )
    review = Review(
        user=user,
        card=card,
        seq=shown_reps,
        rating=rating,
        reviewed_at=now,
        day=now.astimezone(user.tzinfo()).date(),
        duration_ms=min(duration_ms, MAX_DURATION_MS) if duration_ms is not None else None,
        before=before.to_json() if before else None,
        after=after.to_json(),
    )
    if state is None:
        state = CardState(user=user, card=card, deck_id=card.deck_id)
        state.apply(after)
        write = state
    else:
        write = (CardState, after.__dict__, {"pk": state.pk, "reps": shown_reps})
    # Rows written out (flashsite/rows.py): this runs for every rating.
    try:
        if connection.vendor == "postgresql":
            # One statement: the review goes in only if the state was written.
            # Inside a transaction it gets a savepoint, so that a refused
            # rating leaves the transaction usable.
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                if not write_then_insert(write, review):
                    return None
        else:
            with transaction.atomic():
                insert(review)
                if write is state:
                    insert(state)
                else:
                    model, values, where = write
                    if not update(model, values, **where):
                        raise _StaleState
    except (IntegrityError, _StaleState):
        return None
    if write is not state:
        state.apply(after)
    return review


class _StaleState(Exception):
    """The card's state changed since it was read: roll the review back."""


def undo_last_review(*, user, deck: Deck) -> Review | None:
    """Delete the person's latest review in this deck and restore the card's schedule
    to what that review recorded as "before", exactly (a new card becomes new again)."""
    with transaction.atomic():
        review = (
            Review.objects.select_for_update()
            .filter(user=user, card__deck=deck)
            .order_by("-reviewed_at", "-id")
            .first()
        )
        if review is None:
            return None
        if review.before is None:
            CardState.objects.filter(user=user, card_id=review.card_id).delete()
        else:
            state = CardState.objects.select_for_update().get(user=user, card_id=review.card_id)
            state.apply(Schedule.from_json(review.before))
            state.save()
        review.delete()
        return review


def _count(sql: str, params: list) -> RawSQL:
    # Only table and column names from the models go into `sql`; every value
    # is a parameter.
    return RawSQL(sql, params, output_field=models.IntegerField())  # noqa: S611


def queue_counts(
    user, now: datetime, deck_ref: str = "pk", *, mastery: bool = False
) -> dict[str, RawSQL]:
    """This person's counts for a deck, as annotations of a query on Deck
    (`deck_ref="pk"`) or on Card (`deck_ref="deck"`), so they cost no query of
    their own. Each is one range of an index, whatever the size of the deck.

    due_count: cards due now; seen_count: cards rated at least once;
    new_today: cards first rated on the person's local day (these two read one
    DeckState row); with `mastery`, rating_sum: the sum of latest ratings (it
    reads every card state of the deck, so only the pages that show mastery
    ask for it).

    Written in SQL: the same correlated subqueries built with the ORM took
    several times longer to build than to run, and they are part of every
    rating and every study page.
    """
    qn = connection.ops.quote_name
    outer = {
        "pk": f"{qn(Deck._meta.db_table)}.{qn('id')}",
        "deck": f"{qn(Card._meta.db_table)}.{qn('deck_id')}",
    }[deck_ref]
    states = f"FROM {qn(CardState._meta.db_table)} s WHERE s.user_id = %s AND s.deck_id = {outer}"
    at = connection.ops.adapt_datetimefield_value
    counts = {
        "due_count": _count(
            f"SELECT COUNT(*) {states} AND s.state IN ({LEARNING}, {REVIEW}, {RELEARNING})"
            " AND s.due <= %s",
            [user.pk, at(now)],
        ),
        # Kept by triggers (DeckState): counting the seen cards would read them all.
        "seen_count": _count(
            f"SELECT COALESCE(MAX(d.seen), 0) FROM {qn(DeckState._meta.db_table)} d"  # noqa: S608
            f" WHERE d.user_id = %s AND d.deck_id = {outer}",
            [user.pk],
        ),
        # Kept by triggers too: first ratings on the person's latest day of them.
        "new_today": _count(
            f"SELECT COALESCE(MAX(CASE WHEN d.new_day = %s THEN d.new_count ELSE 0 END), 0)"  # noqa: S608
            f" FROM {qn(DeckState._meta.db_table)} d WHERE d.user_id = %s AND d.deck_id = {outer}",
            [connection.ops.adapt_datefield_value(user.start_of_day(now).date()), user.pk],
        ),
    }
    if mastery:
        counts["rating_sum"] = _count(f"SELECT COALESCE(SUM(s.last_rating), 0) {states}", [user.pk])
    return counts


def decks_with_queue_counts(user, now: datetime, *, mastery: bool = False) -> models.QuerySet[Deck]:
    """Published decks, each with this person's `queue_counts`, in one query."""
    return Deck.objects.published().annotate(**queue_counts(user, now, mastery=mastery))


CARD_COLUMNS, DECK_COLUMNS, STATE_COLUMNS = Columns(Card), Columns(Deck), Columns(CardState)


def card_for_study(
    user, now: datetime, *, slug: str, card_id: int, with_counts: bool = True
) -> Card | None:
    """A card of a published deck, in one query, with this person's CardState as
    `card.state` (None if never rated) and, `with_counts`, its deck carrying their
    `queue_counts` (leave them out where no queue line is shown).

    Flip and rate start here, so the query is written out: built with the ORM
    (a FilteredRelation and ten annotations) it cost more than the rest of flip.
    """
    if not 0 < card_id <= MAX_ID:
        return None
    counts = queue_counts(user, now, deck_ref="deck") if with_counts else {}
    sql = _card_sql(connection.vendor, tuple(count.sql for count in counts.values()))
    params = [p for count in counts.values() for p in count.params]
    found = select_one(
        sql, [*params, user.pk, card_id, slug, True], CARD_COLUMNS, DECK_COLUMNS, STATE_COLUMNS
    )
    if found is None:
        return None
    (card, deck, state), values = found
    Card.deck.field.set_cached_value(card, deck)
    for name, value in zip(counts, values, strict=True):
        setattr(deck, name, value)
    card.state = state
    if state is not None:
        CardState.card.field.set_cached_value(state, card)
    return card


@lru_cache(maxsize=8)
def _card_sql(vendor: str, counts: tuple[str, ...]) -> str:
    """card_for_study()'s query, with these counts' subqueries, for the database in use."""
    qn = connection.ops.quote_name
    cards, decks, states = (qn(c.table) for c in (CARD_COLUMNS, DECK_COLUMNS, STATE_COLUMNS))
    # Only table and column names go into the text; every value is a parameter.
    return (
        f"SELECT {CARD_COLUMNS.sql()}, {DECK_COLUMNS.sql()}, {STATE_COLUMNS.sql()}"  # noqa: S608
        + "".join(f", ({count})" for count in counts)
        + f" FROM {cards} INNER JOIN {decks} ON {decks}.{qn('id')} = {cards}.{qn('deck_id')}"
        f" LEFT OUTER JOIN {states} ON {states}.{qn('card_id')} = {cards}.{qn('id')}"
        f" AND {states}.{qn('user_id')} = %s"
        f" WHERE {cards}.{qn('id')} = %s AND {decks}.{qn('slug')} = %s"
        f" AND {decks}.{qn('published')} = %s"
    )


def count_review(deck: Deck, review: Review, now: datetime) -> None:
    """Bring the deck's `queue_counts`, taken just before `review` was recorded, up to date.

    A rated card is never due at once (the shortest step is a minute), so a
    new card leaves the new cards and a due card leaves the due ones.
    """
    if review.before is None:
        deck.seen_count += 1
        deck.new_today += 1
    elif Schedule.from_json(review.before).due <= now:
        deck.due_count -= 1


@dataclass
class Queue:
    """Today's queue of one deck for one person: what is left, and what comes next."""

    due: int
    new_left: int
    card: Card | None
    state: CardState | None
    keep_studying: bool = False

    @property
    def left(self) -> int:
        return self.due + self.new_left


def new_cards_left(user, deck: Deck) -> int:
    """New cards still allowed today: the daily limit, less those begun, at most the unseen."""
    unseen = deck.card_count - deck.seen_count
    return max(0, min(user.new_cards_per_day - deck.new_today, unseen))


def build_queue(*, user, deck: Deck, now: datetime, more: bool = False) -> Queue:
    """The next card for this person, in the order of DESIGN.md; `deck` carries the
    counts of `decks_with_queue_counts`. Runs one query, two when no card is due,
    and with `more` ("Keep studying") one more when nothing is left today."""
    new_left = new_cards_left(user, deck)
    queue = Queue(due=deck.due_count, new_left=new_left, card=None, state=None)
    if deck.due_count:
        state = first_due_state(user=user, deck=deck, now=now)
        if state is not None:
            queue.card, queue.state = state.card, state
            return queue
    if new_left:
        queue.card = first_new_card(user=user, deck=deck)
        if queue.card is not None:
            return queue
    if more:
        queue.keep_studying = True
        queue.state = weakest_state(user=user, deck=deck, now=now)
        queue.card = queue.state.card if queue.state else first_new_card(user=user, deck=deck)
    return queue


def _first_of_each_state(
    user, deck: Deck, *, due_by: datetime | None = None, learning_first: bool = False
) -> tuple[str, list]:
    """SQL for the id of this person's card in `deck` due first, and its params:
    of those due by `due_by` if given; with `learning_first`, cards in
    (re)learning before review cards.

    The first card of each FSRS state is the head of its own range of the
    (user, deck, state, due) index, so this reads three index entries however
    many cards there are; sorting the cards by kind instead would read them all.
    """
    qn = connection.ops.quote_name
    due = f" AND s.{qn('due')} <= %s" if due_by else ""
    heads, params = [], []
    for state, kind in ((LEARNING, 0), (RELEARNING, 0), (REVIEW, 1)):
        heads.append(
            f"SELECT * FROM (SELECT {kind} AS kind, s.{qn('due')}, s.{qn('id')}"  # noqa: S608
            f" FROM {qn(STATE_COLUMNS.table)} s WHERE s.{qn('user_id')} = %s"
            f" AND s.{qn('deck_id')} = %s AND s.{qn('state')} = %s{due}"
            f" ORDER BY s.{qn('due')} LIMIT 1) AS head{state}"
        )
        params += [user.pk, deck.pk, state]
        if due_by:
            params.append(connection.ops.adapt_datetimefield_value(due_by))
    order = f"heads.kind, heads.{qn('due')}" if learning_first else f"heads.{qn('due')}"
    # Only names and the constant kinds go into the text; every value is a parameter.
    sql = (
        f"(SELECT heads.{qn('id')} FROM ({' UNION ALL '.join(heads)}) AS heads"  # noqa: S608
        f" ORDER BY {order} LIMIT 1)"
    )
    return sql, params


def first_due_state(*, user, deck: Deck, now: datetime) -> CardState | None:
    """The card due first in DESIGN.md's order (cards in (re)learning, then review
    cards, most overdue first), as this person's CardState with its card: three
    index entries and one row, however many cards are due."""
    qn = connection.ops.quote_name
    cards, states = qn(CARD_COLUMNS.table), qn(STATE_COLUMNS.table)
    first, params = _first_of_each_state(user, deck, due_by=now, learning_first=True)
    found = select_one(
        f"SELECT {STATE_COLUMNS.sql()}, {CARD_COLUMNS.sql()} FROM {states}"  # noqa: S608
        f" INNER JOIN {cards} ON {cards}.{qn('id')} = {states}.{qn('card_id')}"
        f" WHERE {states}.{qn('id')} = {first}",
        params,
        STATE_COLUMNS,
        CARD_COLUMNS,
    )
    if found is None:
        return None
    (state, card), _ = found
    CardState.card.field.set_cached_value(state, card)
    return state


def first_new_card(*, user, deck: Deck) -> Card | None:
    """The first card of the deck, in deck order, that this person has never rated.

    The walk starts at the person's DeckState.new_from, before which every card
    is seen: a step or two, however many cards they have studied.
    """
    qn = connection.ops.quote_name
    cards, states = qn(CARD_COLUMNS.table), qn(STATE_COLUMNS.table)
    found = select_one(
        # Only table and column names go into the text; every value is a parameter.
        f"SELECT {CARD_COLUMNS.sql()} FROM {cards} WHERE {cards}.{qn('deck_id')} = %s"  # noqa: S608
        f" AND {cards}.{qn('position')} >= (SELECT COALESCE(MAX(d.{qn('new_from')}), 0)"
        f" FROM {qn(DeckState._meta.db_table)} d WHERE d.{qn('user_id')} = %s"
        f" AND d.{qn('deck_id')} = %s)"
        f" AND NOT EXISTS (SELECT 1 FROM {states} s WHERE s.{qn('card_id')} = {cards}.{qn('id')}"
        f" AND s.{qn('user_id')} = %s)"
        f" ORDER BY {cards}.{qn('position')}, {cards}.{qn('id')} LIMIT 1",
        [deck.pk, user.pk, deck.pk, user.pk],
        CARD_COLUMNS,
    )
    return found[0][0] if found else None


def weakest_state(*, user, deck: Deck, now: datetime) -> CardState | None:
    """The seen card with the lowest recall probability now, for "Keep studying",
    found by the database (one query, however many cards the person has seen).

    FSRS counts elapsed time in whole days, so every card reviewed today ties at
    100 %; among equals the one reviewed longest ago comes first, or the card
    just rated would be offered again at once.
    """
    from .progress import recall_now  # progress.py builds on this module

    return (
        CardState.objects.for_user(user)
        .in_deck(deck)
        .select_related("card")
        .annotate(recall=recall_now(now, prefix=""))
        .order_by("recall", "last_review", "id")
        .first()
    )


def next_due(*, user, deck: Deck) -> datetime | None:
    """When the next card of this deck comes due for this person: shown after
    a rating that leaves nothing due, so written out as first_due_state is
    (built by the ORM around the same SQL, it cost as much as the rating)."""
    qn = connection.ops.quote_name
    first, params = _first_of_each_state(user, deck)
    found = select_one(
        f"SELECT {STATE_COLUMNS.sql()} FROM {qn(STATE_COLUMNS.table)}"  # noqa: S608
        f" WHERE {qn(STATE_COLUMNS.table)}.{qn('id')} = {first}",
        params,
        STATE_COLUMNS,
    )
    return found[0][0].due if found else None
