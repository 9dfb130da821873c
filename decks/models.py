from dataclasses import dataclass

from django.db import models, transaction
from django.urls import reverse
from django.utils.text import slugify

from .formats import ParsedDeck


class DeckQuerySet(models.QuerySet["Deck"]):
    def published(self) -> "DeckQuerySet":
        return self.filter(published=True)


class Deck(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    published = models.BooleanField(default=True)
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

    def __str__(self) -> str:
        return (
            f"{self.deck.title}: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )


@transaction.atomic
def import_deck(*, parsed: ParsedDeck, title: str | None = None) -> ImportResult:
    """Store a parsed deck, all of it or (on any error) none of it.

    The deck is found by the slug of its title. Cards are matched by their
    question within the deck: a match is updated, anything else is added, and
    no card is ever deleted, so nobody's review history is lost.
    """
    title = title or parsed.title
    slug = slugify(title)[:200] or "deck"
    deck, _ = Deck.objects.get_or_create(slug=slug, defaults={"title": title})
    existing = {card.question: card for card in deck.cards.all()}
    added = updated = unchanged = 0
    for position, parsed_card in enumerate(parsed.cards, start=1):
        card = existing.get(parsed_card.question)
        if card is None:
            card = Card.objects.create(
                deck=deck,
                question=parsed_card.question,
                answer=parsed_card.answer,
                category=parsed_card.category,
                position=position,
            )
            existing[card.question] = card
            added += 1
        elif (card.answer, card.category, card.position) != (
            parsed_card.answer,
            parsed_card.category,
            position,
        ):
            card.answer = parsed_card.answer
            card.category = parsed_card.category
            card.position = position
            card.save(update_fields=["answer", "category", "position", "updated"])
            updated += 1
        else:
            unchanged += 1
    return ImportResult(deck=deck, added=added, updated=updated, unchanged=unchanged)
