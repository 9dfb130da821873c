import hashlib
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError, connection, models, transaction
from django.db.models.functions import Cast, Coalesce, NullIf
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from .formats import (
    DeckFormatError,
    ParsedCard,
    ParsedDeck,
    Problem,
    clean_line,
    clean_text,
    export_parsed,
    finish,
)

# How many cards each step of `import_deck_in_steps` writes.
STORE_BATCH = 1000


class DeckQuerySet(models.QuerySet["Deck"]):
    def published(self) -> "DeckQuerySet":
        return self.filter(published=True)

    def count_cards(self) -> None:
        """Set `card_count` of these decks from their cards (one UPDATE)."""
        cards = Card.objects.filter(deck=models.OuterRef("pk")).order_by().values("deck")
        self.update(
            card_count=Coalesce(
                models.Subquery(cards.annotate(n=models.Count("*")).values("n")[:1]), 0
            )
        )


class Deck(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    published = models.BooleanField(default=True)
    # Kept by DeckQuerySet.count_cards whenever cards are added or removed, so
    # that no page counts a deck's cards: a 10,000-card deck costs what a
    # 20-card one does.
    card_count = models.PositiveIntegerField(default=0, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = DeckQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.title)[:200] or "deck"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("reviews:deck_detail", args=[self.slug])


class CardQuerySet(models.QuerySet["Card"]):
    def with_review_stats(self) -> "CardQuerySet":
        """Each card with, across all learners: `review_count`, `average_rating`
        (of each person's latest rating) and `lapse_rate` (lapses per review).

        Correlated subqueries through Card's reverse relations "reviews" and
        "states" (named by the reviews app, which depends on this one and not
        the other way round), so the cost is one query however many cards.
        """
        card = Card.objects.filter(pk=models.OuterRef("pk")).order_by().values("pk")
        return self.annotate(
            review_count=Coalesce(
                models.Subquery(card.annotate(n=models.Count("reviews")).values("n")[:1]), 0
            ),
            average_rating=models.Subquery(
                card.annotate(a=models.Avg("states__last_rating")).values("a")[:1],
                output_field=models.FloatField(),
            ),
            lapse_rate=models.Subquery(
                card.annotate(
                    r=Cast(models.Sum("states__lapses"), models.FloatField())
                    / NullIf(models.Sum("states__reps"), 0)
                ).values("r")[:1],
                output_field=models.FloatField(),
            ),
        )


class Card(models.Model):
    """One question and its answer.

    Editing the text keeps the card's id, so every review of it stays attached:
    a person's history and schedule survive a typo fix.
    """

    deck = models.ForeignKey(Deck, on_delete=models.CASCADE, related_name="cards")
    category = models.CharField(max_length=200, blank=True)
    question = models.TextField()
    answer = models.TextField()
    position = models.PositiveIntegerField(default=0, help_text="Order within the deck.")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = CardQuerySet.as_manager()

    class Meta:
        ordering = ["deck", "position", "id"]
        indexes = [models.Index(fields=["deck", "position"])]

    def __str__(self) -> str:
        return self.question[:80]


@dataclass(frozen=True)
class ImportResult:
    deck: Deck
    added: int
    updated: int
    unchanged: int
    kept: int = 0  # cards of the deck that the file no longer has: never deleted

    def __str__(self) -> str:
        text = (
            f"{self.deck.title}: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )
        if self.kept:
            text += f"; {self.kept} not in the file kept"
        return text


def deck_slug(title: str) -> str:
    """The slug of a deck's title; a title with no Latin letters or digits gets
    one from its hash, so two such decks never merge into one."""
    slug = slugify(title)[:200]
    if slug:
        return slug
    return "deck-" + hashlib.sha256(title.encode()).hexdigest()[:10]


@dataclass
class ImportPlan:
    """What importing a parsed deck would do, found without writing anything."""

    title: str
    slug: str
    deck: Deck | None  # the existing deck of that slug, if any
    new: list[tuple[int, ParsedCard]]  # (position, card)
    changed: list[tuple[int, ParsedCard, Card]]
    unchanged: int
    kept: int


def plan_import(*, parsed: ParsedDeck, title: str | None = None, lock: bool = False) -> ImportPlan:
    """Match the parsed cards to the deck's cards by question (two queries).

    `lock` holds the deck's row until the transaction ends, so two imports of
    one deck run one after the other.
    """
    title = title or parsed.title
    slug = deck_slug(title)
    decks = Deck.objects.select_for_update() if lock else Deck.objects.all()
    deck = decks.filter(slug=slug).first()
    existing = {card.question: card for card in deck.cards.all()} if deck else {}
    plan = ImportPlan(title, slug, deck, new=[], changed=[], unchanged=0, kept=0)
    matched: set[int] = set()
    for position, parsed_card in enumerate(parsed.cards, start=1):
        card = existing.get(parsed_card.question)
        if card is None:
            plan.new.append((position, parsed_card))
            continue
        matched.add(card.pk)
        if (card.answer, card.category, card.position) != (
            parsed_card.answer,
            parsed_card.category,
            position,
        ):
            plan.changed.append((position, parsed_card, card))
        else:
            plan.unchanged += 1
    plan.kept = sum(1 for card in existing.values() if card.pk not in matched)
    return plan


def import_deck(*, parsed: ParsedDeck, title: str | None = None) -> ImportResult:
    """Store a parsed deck, all of it or (on any error) none of it.

    The deck is found by the slug of its title. Cards are matched by their
    question within the deck: a match is updated, anything else is added, and
    no card is ever deleted, so nobody's review history is lost. Runs a fixed
    number of queries whatever the size of the deck.
    """
    return finish(import_deck_in_steps(parsed=parsed, title=title))


def import_deck_in_steps(
    *, parsed: ParsedDeck, title: str | None = None
) -> Generator[tuple[int, int], None, ImportResult]:
    """`import_deck`, yielding (cards written, cards to write) after each
    STORE_BATCH cards, so that a page can show how far a large import has come.

    The transaction stays open from the first step to the last: run the steps
    to the end, or close the generator, which rolls all of it back. A batch
    the database refuses raises DeckFormatError naming where it starts.
    """
    with transaction.atomic():
        plan = plan_import(parsed=parsed, title=title, lock=True)
        deck = plan.deck
        if deck is None:
            deck, _ = Deck.objects.get_or_create(slug=plan.slug, defaults={"title": plan.title})
        total, written = len(plan.new) + len(plan.changed), 0
        for start in range(0, len(plan.new), STORE_BATCH):
            new = plan.new[start : start + STORE_BATCH]
            with _refused(new, parsed.unit):
                Card.objects.bulk_create(
                    [
                        Card(
                            deck=deck,
                            question=card.question,
                            answer=card.answer,
                            category=card.category,
                            position=position,
                        )
                        for position, card in new
                    ],
                    batch_size=500,
                )
            written += len(new)
            yield written, total
        now = timezone.now()
        for start in range(0, len(plan.changed), STORE_BATCH):
            changed = plan.changed[start : start + STORE_BATCH]
            for position, parsed_card, card in changed:
                card.answer, card.category, card.position = (
                    parsed_card.answer,
                    parsed_card.category,
                    position,
                )
                card.updated = now
            with _refused([(position, card) for position, card, _ in changed], parsed.unit):
                _update_cards([card for _, _, card in changed], now=now)
            written += len(changed)
            yield written, total
        Deck.objects.filter(pk=deck.pk).count_cards()
        deck.refresh_from_db(fields=["card_count"])
        return ImportResult(
            deck=deck,
            added=len(plan.new),
            updated=len(plan.changed),
            unchanged=plan.unchanged,
            kept=plan.kept,
        )


def _update_cards(cards: list[Card], *, now: datetime) -> None:
    """Write the answer, category and position of `cards`: one UPDATE … FROM
    VALUES per 500 (PostgreSQL; SQLite 3.33 and later). `bulk_update` would
    build a CASE per field and card, about 2 ms a card in Python: a minute
    for a re-import that changes 20,000 cards, past any request timeout."""
    table, column = connection.ops.quote_name(Card._meta.db_table), connection.ops.quote_name
    id_, answer, category, position, updated = (
        column(Card._meta.get_field(name).column)
        for name in ("id", "answer", "category", "position", "updated")
    )
    with connection.cursor() as cursor:
        for start in range(0, len(cards), 500):
            batch = cards[start : start + 500]
            rows = ", ".join(["(%s, %s, %s, %s)"] * len(batch))
            cursor.execute(
                f"UPDATE {table} SET {answer} = v.column2, {category} = v.column3, "  # noqa: S608
                f"{position} = v.column4, {updated} = %s "
                f"FROM (VALUES {rows}) AS v WHERE {table}.{id_} = v.column1",
                [now, *(v for c in batch for v in (c.pk, c.answer, c.category, c.position))],
            )


@contextmanager
def _refused(batch: list[tuple[int, ParsedCard]], unit: str) -> Iterator[None]:
    """A batch of cards that the database refuses, as a problem at the first
    card's line: however the data passed validation, the person importing
    needs to know where to look."""
    try:
        yield
    except DatabaseError as exc:
        (first, card), (last, _) = batch[0], batch[-1]
        problem = Problem(
            f"the database refused cards {first}–{last}: {exc}", card.line or None, unit
        )
        raise DeckFormatError(problems=[problem]) from exc


def export_deck(*, deck: Deck, format: str) -> bytes:
    """The deck's cards, in deck order, as a file of `format` (one query)."""
    parsed = ParsedDeck(title=deck.title)
    for card in deck.cards.order_by("position", "id"):
        parsed.cards.append(
            ParsedCard(
                question=clean_text(card.question),
                answer=clean_text(card.answer),
                category=clean_line(card.category),
            )
        )
    return export_parsed(parsed, format, key=deck.slug)
