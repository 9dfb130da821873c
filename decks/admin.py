import io
import secrets
import zipfile

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from .formats import CONTENT_TYPES, EXTENSIONS, DeckFormatError, ParsedCard, ParsedDeck, read_deck
from .forms import ConfirmImportForm, ImportDeckForm
from .models import Card, Deck, export_deck, import_deck, plan_import

# The parsed deck between preview and confirm. The session (in the database,
# or Redis) is shared by every app server, and only the cards are kept, never
# the upload: what was previewed is exactly what gets stored.
PENDING_IMPORT = "decks:pending_import"


class CardInline(admin.TabularInline):
    model = Card
    fields = ("position", "category", "question", "answer")
    ordering = ("position", "id")
    extra = 1
    show_change_link = True


def _download(decks: list[Deck], format: str) -> HttpResponse:
    """One deck as its file; several as a zip of one file each."""
    extension = EXTENSIONS[format]
    if len(decks) == 1:
        data, name, content_type = (
            export_deck(deck=decks[0], format=format),
            f"{decks[0].slug}.{extension}",
            CONTENT_TYPES[format],
        )
    else:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for deck in decks:
                archive.writestr(f"{deck.slug}.{extension}", export_deck(deck=deck, format=format))
        data, name, content_type = out.getvalue(), f"decks-{format}.zip", "application/zip"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@admin.register(Deck)
class DeckAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "card_count", "published", "updated")
    list_filter = ("published",)
    search_fields = ("title", "description")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [CardInline]
    actions = ["export_brainscape", "export_csv", "export_tsv", "export_apkg"]

    @admin.display(description="Cards", ordering="card_count")
    def card_count(self, deck: Deck) -> int:
        return deck.card_count

    @admin.action(description="Export as Brainscape text")
    def export_brainscape(self, request: HttpRequest, queryset: QuerySet[Deck]) -> HttpResponse:
        return _download(list(queryset), "brainscape")

    @admin.action(description="Export as CSV")
    def export_csv(self, request: HttpRequest, queryset: QuerySet[Deck]) -> HttpResponse:
        return _download(list(queryset), "csv")

    @admin.action(description="Export as TSV")
    def export_tsv(self, request: HttpRequest, queryset: QuerySet[Deck]) -> HttpResponse:
        return _download(list(queryset), "tsv")

    @admin.action(description="Export as Anki package (.apkg)")
    def export_apkg(self, request: HttpRequest, queryset: QuerySet[Deck]) -> HttpResponse:
        return _download(list(queryset), "apkg")

    def get_urls(self) -> list[URLPattern]:
        # Before the default URLs, whose "<object_id>/" would take "import/".
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="decks_deck_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload or paste → a preview of every card and every problem → confirm.

        Nothing is written until the confirm, and then all of it in one transaction.
        """
        card_admin = self.admin_site.get_model_admin(Card)
        if not (self.has_add_permission(request) and card_admin.has_add_permission(request)):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import deck",
        }
        if request.method == "POST" and "token" in request.POST:
            return self._confirm_import(request)
        form = ImportDeckForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            context.update(self._preview(request, form.cleaned_data))
        context["form"] = form
        return TemplateResponse(request, "admin/decks/deck/import_deck.html", context)

    def _preview(self, request: HttpRequest, data: dict) -> dict:
        request.session.pop(PENDING_IMPORT, None)
        try:
            parsed = read_deck(
                data["data"],
                format=data.get("format") or None,
                filename=data["filename"],
                title=data.get("title") or None,
                separator=data.get("separator") or "\t",
                card_separator=data.get("card_separator") or "\n",
            )
        except DeckFormatError as exc:
            return {"previewed": True, "problems": exc.problems}
        plan = plan_import(parsed=parsed)
        status = {position: "new" for position, _ in plan.new}
        status |= {position: "changed" for position, _, _ in plan.changed}
        rows = [
            (position, card, status.get(position, "unchanged"))
            for position, card in enumerate(parsed.cards, start=1)
        ]
        context = {"previewed": True, "parsed": parsed, "plan": plan, "rows": rows}
        context["problems"] = parsed.problems
        if not parsed.problems:
            token = secrets.token_urlsafe(16)
            request.session[PENDING_IMPORT] = {
                "token": token,
                "title": parsed.title,
                "format": parsed.format,
                "cards": [[c.question, c.answer, c.category, c.line] for c in parsed.cards],
            }
            context["confirm_form"] = ConfirmImportForm(initial={"token": token})
        return context

    def _confirm_import(self, request: HttpRequest) -> HttpResponse:
        form = ConfirmImportForm(request.POST)
        pending = request.session.get(PENDING_IMPORT)
        here = reverse("admin:decks_deck_import")
        if not (form.is_valid() and pending and pending["token"] == form.cleaned_data["token"]):
            messages.error(request, "That preview has expired; upload the cards again.")
            return HttpResponseRedirect(here, status=303)
        parsed = ParsedDeck(
            title=pending["title"],
            format=pending["format"],
            cards=[ParsedCard(*card) for card in pending["cards"]],
        )
        try:
            result = import_deck(parsed=parsed.validate().check())
        except DeckFormatError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(here, status=303)
        del request.session[PENDING_IMPORT]
        messages.success(request, f"Imported {result}.")
        return HttpResponseRedirect(
            reverse("admin:decks_deck_change", args=[result.deck.pk]), status=303
        )


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = (
        "question_excerpt",
        "deck",
        "category",
        "position",
        "number_of_reviews",
        "average_rating",
        "lapse_rate",
    )
    list_filter = ("deck", "category")
    list_select_related = ("deck",)
    search_fields = ("question", "answer", "category")
    autocomplete_fields = ("deck",)
    ordering = ("deck", "position", "id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Card]:
        return super().get_queryset(request).with_review_stats()

    @admin.display(description="Question", ordering="question")
    def question_excerpt(self, card: Card) -> str:
        return card.question if len(card.question) <= 80 else card.question[:79] + "…"

    # Not "reviews": the admin would take that for Card's reverse relation and
    # sort by joining every review, listing a card once per review.
    @admin.display(description="Reviews", ordering="review_count")
    def number_of_reviews(self, card: Card) -> int:
        return card.review_count

    @admin.display(description="Average latest rating", ordering="average_rating")
    def average_rating(self, card: Card) -> str:
        return "–" if card.average_rating is None else f"{card.average_rating:.1f}"

    @admin.display(description="Lapse rate", ordering="lapse_rate")
    def lapse_rate(self, card: Card) -> str:
        return "–" if card.lapse_rate is None else f"{card.lapse_rate:.0%}"

    def get_readonly_fields(self, request, obj=None):
        # A card's reviews and schedules are kept per deck: it stays where it was made.
        return ("deck",) if obj else ()
