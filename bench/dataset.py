"""The Django side of the bench: build a data set, log learners in, plan requests, count queries.

bench/run.py runs this once per database, with DJANGO_SETTINGS_MODULE=bench.settings
and that database in the environment:

    dataset.py build --size small|large
    dataset.py sessions --learners FILE
    dataset.py plan --role read|rate --deck SLUG --first N --count C --out FILE
    dataset.py queries --deck SLUG --learners FILE
    dataset.py count
    dataset.py vacuum

`plan` and `queries` print one line of JSON.
"""

import argparse
import json
import math
import os
import random
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from operator import attrgetter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import (  # noqa: E402
    DateField,
    DateTimeField,
    Field,
    FloatField,
    ForeignKey,
    IntegerField,
    JSONField,
    Model,
)
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

from accounts.models import User  # noqa: E402
from decks.formats import brainscape  # noqa: E402
from decks.models import Card, Deck, import_deck  # noqa: E402
from reviews.models import LEARNING, RELEARNING, REVIEW, CardState, Review  # noqa: E402
from reviews.scheduling import Schedule  # noqa: E402

BUNDLED_DECK = ROOT / "decks" / "data" / "fine-tuning-flashcards.txt"
SMALL_SLUG = "fine-tuning-flashcards"
LARGE_SLUG = "bench-10k"
LEARNERS = 200
LARGE_CARDS = 10_000
LARGE_REVIEWS = 1_000_000
BATCH = 20_000
# How people rate: mostly "knew it", now and then "not at all".
RATINGS, RATING_WEIGHTS = (1, 2, 3, 4, 5), (8, 7, 20, 45, 20)
SCHEDULE_FIELDS = list(Schedule.__dataclass_fields__)


def log(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def build(size: str) -> None:
    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    small = import_deck(parsed=brainscape.parse(BUNDLED_DECK.read_bytes())).deck
    users = make_learners()
    rng = random.Random(5)
    now = timezone.now()
    if size == "small":
        cards = list(Card.objects.filter(deck=small).order_by("position", "id"))
        # Everyone has met all 20 cards, a few times each, and some are due.
        history(users, cards, now, rng, reviews_per_learner=None, due_factor=(0.2, 2))
    else:
        large = Deck.objects.create(
            title="Bench 10k", slug=LARGE_SLUG, description="10,000 cards for the benchmark."
        )
        cards = make_cards(large, LARGE_CARDS, rng)
        history(
            users,
            cards,
            now,
            rng,
            reviews_per_learner=LARGE_REVIEWS // LEARNERS,
            due_factor=(0.3, 6),
        )
    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load; done now so that plans
        # do not change half-way through the run.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    log(
        f"{size}: {Card.objects.count():,} cards, {User.objects.count():,} learners, "
        f"{CardState.objects.count():,} card states, {Review.objects.count():,} reviews "
        f"in {time.monotonic() - started:.0f} s"
    )


def make_learners() -> list[User]:
    password = make_password(None)  # unusable: learners only ever use their session
    User.objects.bulk_create(
        User(username=f"learner{i:03}", password=password, new_cards_per_day=20)
        for i in range(LEARNERS)
    )
    return list(User.objects.filter(username__startswith="learner").order_by("username"))


def make_cards(deck: Deck, count: int, rng: random.Random) -> list[Card]:
    """Cards as long as the bundled deck's (about 40 characters of question, 50 of answer)."""
    words = "model data weights prompt token layer tuning batch loss rate vector index".split()
    Card.objects.bulk_create(
        (
            Card(
                deck=deck,
                category=f"Category {position % 20 + 1:02}",
                question=f"Q{position}: what does {' '.join(rng.sample(words, 3))} do?",
                answer=f"A{position}: it {' '.join(rng.sample(words, 6))}.",
                position=position,
            )
            for position in range(1, count + 1)
        ),
        batch_size=5000,
    )
    Deck.objects.filter(pk=deck.pk).count_cards()
    return list(Card.objects.filter(deck=deck).order_by("position", "id"))


def history(
    users: list[User],
    cards: list[Card],
    now: datetime,
    rng: random.Random,
    *,
    reviews_per_learner: int | None,
    due_factor: tuple[float, float],
) -> None:
    """A year of reviews: each learner takes up cards in deck order (as the study
    queue hands them out) and reviews each at growing intervals; CardState is the
    outcome of each card's last review. Not a replay of FSRS, but every field is
    consistent: reps, seq, last review, last rating, lapses, before → after.

    `due_factor` is the range of each card's last interval as a multiple of the
    time since its last review: the share of it below 1 is due now."""
    reviews: list[Review] = []
    states: list[CardState] = []

    def flush(final: bool = False) -> None:
        if len(reviews) >= BATCH or (final and reviews):
            with transaction.atomic():
                insert(Review, reviews)
                insert(CardState, states)
            reviews.clear()
            states.clear()

    plans: list[tuple[User, list[int], datetime, datetime]] = []
    for user in users:
        mean_reps = rng.uniform(3, 8)
        budget = reviews_per_learner if reviews_per_learner is not None else math.inf
        plan: list[int] = []
        for _card in cards:
            if budget <= 0:
                break
            reps = min(rng.randint(1, round(2 * mean_reps) - 1), budget)
            plan.append(reps)
            budget -= reps
        start = now - timedelta(days=rng.uniform(60, 365))
        end = now - timedelta(hours=rng.uniform(1, 48))
        plans.append((user, plan, start, end))
    # Everyone studies at once, so the rows go in interleaved: one person's
    # cards end up spread over the tables, as they are in production, and not
    # packed together (which would flatter any query that reads them all).
    for index in range(max(len(plan) for _, plan, _, _ in plans)):
        for user, plan, start, end in plans:
            if index < len(plan):
                first = start + (end - start) * (index / len(plan))
                times = (first, end, now)
                card_history(
                    user, cards[index], times, plan[index], due_factor, rng, reviews, states
                )
        flush()
    flush(final=True)


def insert(model: type[Model], rows: list[Model]) -> None:
    """The rows `bulk_create` would write, at a fraction of its cost.

    For each batch `bulk_create` runs every value through its field and
    compiles the SQL anew; on PostgreSQL it sends each column as one array
    (`UNNEST`), and psycopg writes a JSON value into an array literal by
    escaping its quotes one by one in Python (there, three quarters of the
    time a million reviews took to load). Here each value is adapted once as
    its field would adapt it (`adapter`), and the rows go in through `COPY`
    on PostgreSQL and one prepared `INSERT` on SQLite. (Each field's own
    `get_db_prep_save`, as flashsite/rows.py uses for a single row, brought
    the SQLite build back to `bulk_create`'s time: 180–196 s against 107–132
    s.) The triggers fire for each row as they do for `bulk_create`;
    tests/test_bench_insert.py checks that both leave the same rows.
    """
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    read = attrgetter(*(f.attname for f in fields))
    prepare = [adapter(f) for f in fields]
    values = (
        [
            None if value is None else to_db(value)
            for to_db, value in zip(prepare, read(row), strict=True)
        ]
        for row in rows
    )
    table = connection.ops.quote_name(model._meta.db_table)
    # Table and column names only: every value goes as a parameter or through COPY.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(values))


def adapter(field: Field) -> Callable[[object], object]:
    """How a value of this field goes to the database (None goes as NULL)."""
    ops = connection.ops
    if isinstance(field, JSONField):
        if connection.vendor == "postgresql":
            from psycopg.types.json import Jsonb

            return Jsonb
        return json.dumps
    if isinstance(field, DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, DateField):
        return ops.adapt_datefield_value
    if isinstance(field, ForeignKey | IntegerField | FloatField):
        return lambda value: value  # the drivers take numbers as they are
    raise TypeError(f"insert() has no adapter for {type(field).__name__} {field.name}")


def card_history(
    user: User,
    card: Card,
    times: tuple[datetime, datetime, datetime],
    reps: int,
    due_factor: tuple[float, float],
    rng: random.Random,
    reviews: list[Review],
    states: list[CardState],
) -> None:
    first, end, now = times
    tz = user.tzinfo()
    gaps = [timedelta(days=2.5**k * rng.uniform(0.7, 1.3)) for k in range(reps - 1)]
    room = end - first
    total = sum(gaps, timedelta())
    if total > room:
        gaps = [gap * (room / total) * rng.uniform(0.5, 1) for gap in gaps]
    times = [first]
    for gap in gaps:
        times.append(times[-1] + gap)
    difficulty = rng.uniform(3, 8)
    lapses = 0
    before: dict | None = None
    for seq, when in enumerate(times):
        last = seq == reps - 1
        rating = rng.choices(RATINGS, RATING_WEIGHTS)[0]
        recent = when >= end - timedelta(days=2)
        if last and not recent:
            # A card still in (re)learning would have been seen again since.
            rating = max(rating, 3)
        lapses += seq > 0 and rating <= 2
        if seq == 0 and recent:
            state, step, interval = LEARNING, 1, timedelta(minutes=10)
        elif seq > 0 and rating <= 2:
            state, step, interval = RELEARNING, 0, timedelta(minutes=10)
        elif not last:
            state, step, interval = REVIEW, None, gaps[seq]
        else:
            # Due at a multiple of the time since: below 1, the card is due now.
            state, step = REVIEW, None
            interval = (now - when) * rng.uniform(*due_factor)
        stability = max(interval.total_seconds() / 86400, 0.1)
        after = {
            "state": state,
            "step": step,
            "stability": stability,
            "difficulty": difficulty,
            "due": (when + interval).isoformat(),
            "last_review": when.isoformat(),
            "reps": seq + 1,
            "lapses": lapses,
            "last_rating": rating,
        }
        reviews.append(
            Review(
                user_id=user.pk,
                card_id=card.pk,
                seq=seq,
                rating=rating,
                reviewed_at=when,
                day=when.astimezone(tz).date(),
                duration_ms=rng.randint(1500, 15000),
                before=before,
                after=after,
            )
        )
        before = after
    assert list(after) == SCHEDULE_FIELDS
    states.append(
        CardState(
            user_id=user.pk,
            card_id=card.pk,
            deck_id=card.deck_id,
            state=state,
            step=step,
            stability=stability,
            difficulty=difficulty,
            due=times[-1] + interval,
            last_review=times[-1],
            reps=reps,
            lapses=lapses,
            last_rating=rating,
        )
    )


def write_learners(users: list[User], path: Path) -> None:
    """One signed-in session and one CSRF secret per learner, as a login would leave them."""
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    lines = []
    for user in users:
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "accounts.backends.UserBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        csrf = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
        lines.append(f"{user.username} {session.session_key} {csrf}\n")
    path.write_text("".join(lines))


def read_learners(path: Path) -> list[tuple[str, str, str]]:
    return [tuple(line.split()) for line in path.read_text().splitlines()]


def plan(role: str, slug: str, first: int, count: int, learners_path: Path, out: Path) -> None:
    """Per connection: its learner's session, CSRF secret, and the cards to ask for.

    For `rate`, each card comes with the learner's review count for it (`reps`):
    the rate form carries it, and a stale one records nothing. The cards come in
    queue order (due ones, then new ones), as the study page would show them.
    """
    deck = Deck.objects.get(slug=slug)
    now = timezone.now()
    learners = read_learners(learners_path)[first : first + count]
    lines = []
    for username, session_key, csrf in learners:
        user = User.objects.get(username=username)
        due = list(
            CardState.objects.for_user(user)
            .in_deck(deck)
            .due(now)
            .queue_order()
            .values_list("card_id", "reps")[:300]
        )
        seen = CardState.objects.filter(user=user, deck=deck).values("card_id")
        new = list(
            Card.objects.filter(deck=deck)
            .exclude(pk__in=seen)
            .order_by("position", "id")
            .values_list("pk", flat=True)[:300]
        )
        cards = due + [(pk, 0) for pk in new]
        if role == "rate":
            # Then the rest of what they have seen, for those of the small deck
            # with little due or new.
            planned = {pk for pk, _ in cards}
            cards += [
                (pk, reps)
                for pk, reps in CardState.objects.filter(user=user, deck=deck).values_list(
                    "card_id", "reps"
                )
                if pk not in planned
            ]
        else:
            cards = cards[:50] or list(
                CardState.objects.filter(user=user, deck=deck).values_list("card_id", "reps")
            )
        pairs = ",".join(f"{pk}:{reps}" for pk, reps in cards)
        lines.append(f"{session_key} {csrf} {pairs}\n")
    out.write_text("".join(lines))
    print(json.dumps({"reviews": Review.objects.count()}))


def queries(slug: str, learners_path: Path) -> None:
    """SQL queries per request, through Django's test client against the bench database.

    The reading learner is one the load also uses (nothing it does writes); the
    rating one is the last learner, whom the load never uses.
    """
    learners = read_learners(learners_path)
    deck = Deck.objects.get(slug=slug)
    counts: dict[str, int | None] = {}
    statuses: dict[str, int] = {}
    sql: dict[str, list[str]] = {}

    def measure(name: str, client: Client, method: str, path: str, **kwargs) -> str:
        with CaptureQueriesContext(connection) as captured:
            response = getattr(client, method)(path, secure=True, **kwargs)
        statuses[name] = response.status_code
        counts[name] = len(captured) if response.status_code == 200 else None
        sql[name] = [f"{float(query['time']) * 1000:.0f} ms: {query['sql']}" for query in captured]
        return response.content.decode()

    reader = client_for(learners[0])
    _, plan_card, _ = first_card(User.objects.get(username=learners[0][0]), deck)
    measure("healthz", Client(), "get", "/healthz")
    measure("home", reader, "get", "/")
    measure("study", reader, "get", f"/decks/{slug}/study/")
    measure(
        "flip",
        reader,
        "get",
        f"/decks/{slug}/study/{plan_card}/answer/",
        headers={"HX-Request": "true"},
    )
    for name, path in progress_paths(slug).items():
        measure(name, reader, "get", path)

    writer_name = learners[-1]
    writer = User.objects.get(username=writer_name[0])
    before = Review.objects.count()
    _, card_id, reps = first_card(writer, deck)
    measure(
        "rate",
        client_for(writer_name),
        "post",
        f"/decks/{slug}/study/{card_id}/rate/",
        data={"rating": 4, "reps": reps},
        headers={"HX-Request": "true"},
    )
    written = Review.objects.count() - before
    print(json.dumps({"queries": counts, "status": statuses, "written": written, "sql": sql}))


def first_card(user: User, deck: Deck) -> tuple[str, int, int]:
    now = timezone.now()
    state = CardState.objects.for_user(user).in_deck(deck).due(now).queue_order().first()
    if state is not None:
        return "due", state.card_id, state.reps
    state = CardState.objects.for_user(user).in_deck(deck).first()
    return "seen", state.card_id, state.reps


def client_for(learner: tuple[str, str, str]) -> Client:
    _, session_key, csrf = learner
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    client.cookies[settings.CSRF_COOKIE_NAME] = csrf
    return client


def progress_paths(slug: str) -> dict[str, str]:
    """The progress pages, once they exist (they come with a later issue)."""
    from django.urls import NoReverseMatch, reverse

    paths = {}
    for name, args in (("progress", []), ("progress_deck", [slug])):
        try:
            paths[name] = reverse(f"reviews:{name}", args=args)
        except NoReverseMatch:
            continue
    return paths


# The tables a rating writes (the triggers keep DeckState).
WRITTEN = ("reviews_review", "reviews_cardstate", "reviews_deckstate")


def vacuum() -> None:
    """PostgreSQL: what autovacuum does about once a minute to the tables ratings write.

    A rating updates its card state, and a first rating the learner's DeckState
    too; each update leaves the row's old version behind until a VACUUM, and
    every later read of the row steps over them. Some servers run with
    autovacuum off (one did: after a few bench runs, its 200 DeckState rows
    had 17,000 dead versions beside them, and rate on the 10k deck ran at 0.8
    of the 20-card deck's rate instead of 0.96), so the bench clears them
    itself before each round, as autovacuum would between its rounds.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in WRITTEN:
            cursor.execute(f"VACUUM ANALYZE {table}")


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build")
    build_parser.add_argument("--size", choices=["small", "large"], required=True)
    sessions_parser = commands.add_parser("sessions")
    sessions_parser.add_argument("--learners", type=Path, required=True)
    plan_parser = commands.add_parser("plan")
    plan_parser.add_argument("--role", choices=["read", "rate"], required=True)
    plan_parser.add_argument("--deck", required=True)
    plan_parser.add_argument("--first", type=int, required=True)
    plan_parser.add_argument("--count", type=int, required=True)
    plan_parser.add_argument("--learners", type=Path, required=True)
    plan_parser.add_argument("--out", type=Path, required=True)
    queries_parser = commands.add_parser("queries")
    queries_parser.add_argument("--deck", required=True)
    queries_parser.add_argument("--learners", type=Path, required=True)
    commands.add_parser("count")
    commands.add_parser("vacuum")
    args = parser.parse_args()
    if args.command == "build":
        build(args.size)
    elif args.command == "sessions":
        call_command("migrate", verbosity=0, interactive=False)  # a reused database may lag
        write_learners(
            list(User.objects.filter(username__startswith="learner").order_by("username")),
            args.learners,
        )
    elif args.command == "plan":
        plan(args.role, args.deck, args.first, args.count, args.learners, args.out)
    elif args.command == "queries":
        queries(args.deck, args.learners)
    elif args.command == "vacuum":
        vacuum()
    else:
        print(json.dumps({"reviews": Review.objects.count()}))


if __name__ == "__main__":
    main()
