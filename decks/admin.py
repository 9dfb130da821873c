import io
import logging
import secrets
import zipfile
from collections.abc import Callable, Generator, Iterator
from contextlib import closing
from typing import TypeVar

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .formats import (
    CONTENT_TYPES,
    EXTENSIONS,
    DeckFormatError,
    ParsedCard,
    ParsedDeck,
    Problem,
    finish,
    megabytes,
    read_deck_in_steps,
)
from .forms import ConfirmImportForm, ImportDeckForm
from .models import Card, Deck, export_deck, import_deck, import_deck_in_steps, plan_import

logger = logging.getLogger(__name__)
S = TypeVar("S")
T = TypeVar("T")

# The parsed deck between preview and confirm. The session (in the database)
# is shared by every app server, and only the cards are kept, never the
# upload: what was previewed is exactly what gets stored.
PENDING_IMPORT = "decks:pending_import"

IMPORT_TEMPLATE = "admin/decks/deck/import_deck.html"
# From this size a file's preview, and from this many cards an import, is a
# page that shows its progress as it goes (a streamed response, which works
# without JavaScript); anything smaller is answered whole, as before.
STREAM_FROM_BYTES = 256 * 1024
STREAM_FROM_CARDS = 1000
PROGRESS_EVERY = 1000  # cards read between two counts; storing counts each batch
ROWS_PER_PART = 500  # rows of the preview's table rendered and sent at a time
# Where the streamed parts go: constant comments, which escaped text can never spell.
PROGRESS_SLOT, RESULT_SLOT, ROWS_SLOT = (
    mark_safe(f"<!-- {name} -->")  # noqa: S308
    for name in ("progress", "result", "rows")
)
UNEXPECTED = "something went wrong on the server (it has been logged); nothing was stored"


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
    readonly_fields = ("card_list",)
    inlines = [CardInline]
    actions = ["export_brainscape", "export_csv", "export_tsv", "export_apkg"]

    # The inline renders a form per card: beyond this many, the deck's page
    # would take minutes, and its cards are edited from the card list instead.
    MAX_INLINE_CARDS = 200

    def get_inlines(self, request: HttpRequest, obj: Deck | None) -> list:
        if obj is not None and obj.card_count > self.MAX_INLINE_CARDS:
            return []
        return super().get_inlines(request, obj)

    @admin.display(description="Cards", ordering="card_count")
    def card_count(self, deck: Deck) -> int:
        return deck.card_count

    @admin.display(description="Cards")
    def card_list(self, deck: Deck) -> str:
        if deck.pk is None:
            return "Add cards below, or import a file from the deck list."
        url = reverse("admin:decks_card_changelist") + f"?deck__id__exact={deck.pk}"
        return format_html(
            '<a href="{}">All {} cards of this deck in the card list</a>{}',
            url,
            f"{deck.card_count:,}",
            ""
            if deck.card_count <= self.MAX_INLINE_CARDS
            else f" (more than {self.MAX_INLINE_CARDS}: they are not listed on this page)",
        )

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

    def import_view(self, request: HttpRequest) -> HttpResponseBase:
        """Upload or paste → a preview of every card and every problem → confirm.

        Nothing is written until the confirm, and then all of it in one
        transaction. A large file's preview and import stream the page,
        counting the cards as they go (`_stream_preview`, `_stream_import`).
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
            return self._confirm_import(request, context)
        form = ImportDeckForm(request.POST or None, request.FILES or None)
        context["form"] = form
        if request.method == "POST" and form.is_valid():
            request.session.pop(PENDING_IMPORT, None)
            if len(form.cleaned_data["data"]) >= STREAM_FROM_BYTES:
                return self._stream_preview(request, context, form.cleaned_data)
            try:
                parsed = finish(_reading(form.cleaned_data))
            except DeckFormatError as exc:
                context.update(previewed=True, problems=exc.problems)
            else:
                context.update(self._preview(request, parsed))
        return TemplateResponse(request, IMPORT_TEMPLATE, context)

    def _preview(self, request: HttpRequest, parsed: ParsedDeck) -> dict:
        """The preview of a deck that could be read; one without problems is
        kept in the session for the confirm (saved with the response)."""
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
                "unit": parsed.unit,
                "cards": [[c.question, c.answer, c.category, c.line] for c in parsed.cards],
            }
            context["confirm_form"] = ConfirmImportForm(initial={"token": token})
        return context

    def _stream_preview(
        self, request: HttpRequest, context: dict, data: dict
    ) -> StreamingHttpResponse:
        """The preview of a large file, sent as it is made: "Read 2,000 cards…"
        while the file is read, then the preview, its table a few rows at a time."""
        head, middle, tail = _page_parts(request, context, heading="Preview", previewed=True)
        what = data["filename"] or "the pasted text"

        def stream() -> Iterator[str]:
            yield head
            yield _render(
                "progress", text=f"Reading {what} ({megabytes(len(data['data']))})…", working=True
            )
            preview = None
            try:
                parsed = yield from _watch(_reading(data), _read_progress)
            except DeckFormatError as exc:
                preview = {"previewed": True, "problems": exc.problems}
                yield _render("progress", text="The file could not be read.")
            except Exception:
                logger.exception("Reading a deck file of %d bytes failed", len(data["data"]))
                yield _render("outcome", problems=[Problem(UNEXPECTED)])
            else:
                try:
                    preview = self._preview(request, parsed)
                    # The response (and the session with it) went out before
                    # the stream began: the preview's deck is saved here.
                    request.session.save()
                except Exception:
                    logger.exception("Previewing a deck of %d cards failed", len(parsed.cards))
                    yield _render("outcome", problems=[Problem(UNEXPECTED)])
                    preview = None
                else:
                    yield _render("progress", text=f"Read {len(parsed.cards):,} cards.")
            yield middle
            if preview is not None:
                # A deck that could be read has a table, whose rows go a few at a time.
                rows = preview.pop("rows", [])
                html = _render("preview", request, **preview, rows_slot=ROWS_SLOT)
                top, _, bottom = html.partition(ROWS_SLOT)
                yield top
                for start in range(0, len(rows), ROWS_PER_PART):
                    yield _render("preview-rows", rows=rows[start : start + ROWS_PER_PART])
                yield bottom
            yield tail

        return _streamed(stream())

    def _confirm_import(self, request: HttpRequest, context: dict) -> HttpResponseBase:
        form = ConfirmImportForm(request.POST)
        pending = request.session.get(PENDING_IMPORT)
        here = reverse("admin:decks_deck_import")
        if not (form.is_valid() and pending and pending["token"] == form.cleaned_data["token"]):
            messages.error(request, "That preview has expired; upload the cards again.")
            return HttpResponseRedirect(here, status=303)
        parsed = ParsedDeck(
            title=pending["title"],
            format=pending["format"],
            unit=pending.get("unit", "line"),
            cards=[ParsedCard(*card) for card in pending["cards"]],
        )
        try:
            parsed.validate().check()
            if len(parsed.cards) >= STREAM_FROM_CARDS:
                # One preview, one import: a second click while this one runs
                # finds nothing to import rather than importing it twice.
                del request.session[PENDING_IMPORT]
                return self._stream_import(request, context, parsed)
            result = import_deck(parsed=parsed)
        except DeckFormatError as exc:
            messages.error(request, str(exc))
            return HttpResponseRedirect(here, status=303)
        del request.session[PENDING_IMPORT]
        messages.success(request, f"Imported {result}.")
        return HttpResponseRedirect(
            reverse("admin:decks_deck_change", args=[result.deck.pk]), status=303
        )

    def _stream_import(
        self, request: HttpRequest, context: dict, parsed: ParsedDeck
    ) -> StreamingHttpResponse:
        """A large import, sent as it runs: "Stored 4,000 of 10,000 cards…",
        then what was added, updated and unchanged, or why nothing was.

        The transaction runs while the page streams, after the 200 went out, so
        its outcome is written into the page, never raised: an error rolls all
        of it back and says so. Closing the stream early (the browser went
        away) closes the import's steps, which rolls back too.
        """
        head, middle, tail = _page_parts(request, context, heading=parsed.title)

        def stream() -> Iterator[str]:
            yield head
            yield _render(
                "progress",
                text=f"Checking {len(parsed.cards):,} cards against the deck…",
                working=True,
            )
            result = None
            try:
                result = yield from _watch(import_deck_in_steps(parsed=parsed), _store_progress)
            except DeckFormatError as exc:
                logger.warning("Importing %r stored nothing: %s", parsed.title, exc, exc_info=True)
                yield _render("outcome", problems=exc.problems)
            except Exception:
                logger.exception("Importing %r failed; nothing was stored", parsed.title)
                yield _render("outcome", problems=[Problem(UNEXPECTED)])
            else:
                yield _render("outcome", result=result)
            yield middle
            yield _render("outcome-links", result=result)
            yield tail

        return _streamed(stream())


def _reading(data: dict) -> Generator[int, None, ParsedDeck]:
    """Reading the file or text of a valid `ImportDeckForm`, card by card."""
    return read_deck_in_steps(
        data["data"],
        format=data.get("format") or None,
        filename=data["filename"],
        title=data.get("title") or None,
        separator=data.get("separator") or "\t",
        card_separator=data.get("card_separator") or "\n",
    )


def _render(partial: str, request: HttpRequest | None = None, **context) -> str:
    return render_to_string(f"{IMPORT_TEMPLATE}#{partial}", context, request)


def _read_progress(count: int) -> str:
    if count % PROGRESS_EVERY:
        return ""
    return _render("progress", text=f"Read {count:,} cards…", working=True)


def _store_progress(step: tuple[int, int]) -> str:
    stored, total = step
    return _render(
        "progress", text=f"Stored {stored:,} of {total:,} cards…", value=stored, maximum=total
    )


def _watch(steps: Generator[S, None, T], show: Callable[[S], str]) -> Generator[str, None, T]:
    """Run `steps` to the end, yielding what `show` makes of each step (if
    anything), and return what they return. Closing this closes the steps,
    so an import under way rolls back."""
    with closing(steps):
        while True:
            try:
                step = next(steps)
            except StopIteration as done:
                return done.value
            if html := show(step):
                yield html


def _parts(html: str, *slots: str) -> list[str]:
    """`html` cut at each of `slots`, which it holds once each, in this order."""
    parts = []
    for slot in slots:
        before, html = html.split(slot)
        parts.append(before)
    return [*parts, html]


def _page_parts(
    request: HttpRequest, context: dict, *, heading: str, previewed: bool = False
) -> list[str]:
    """The import page around what a stream writes into it: the page up to
    its status region, from the end of that region to the result, and the
    rest. Rendered before the stream begins, so the CSRF cookie and the
    messages shown go out with the response's headers."""
    streaming = {
        "heading": heading,
        "anchor": "preview" if previewed else "import",
        "progress": PROGRESS_SLOT,
        "result": RESULT_SLOT,
    }
    page = render_to_string(
        IMPORT_TEMPLATE, {**context, "streaming": streaming, "previewed": previewed}, request
    )
    return _parts(page, PROGRESS_SLOT, RESULT_SLOT)


def _streamed(parts: Iterator[str]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(parts, content_type="text/html; charset=utf-8")
    # Each part has to reach the browser when it is made, not when the page
    # ends: no proxy may buffer it (nginx reads this header; the site's
    # GZipMiddleware leaves streamed pages alone for the same reason).
    response["X-Accel-Buffering"] = "no"
    return response


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
