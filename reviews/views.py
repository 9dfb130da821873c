from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from decks.models import Card, Deck

from .charts import heatmap, progress_charts
from .forms import RatingForm
from .models import (
    Queue,
    build_queue,
    card_for_study,
    count_review,
    decks_with_queue_counts,
    new_cards_left,
    next_due,
    record_review,
    undo_last_review,
)
from .progress import CARD_SORTS, card_page, mastery_percent, progress
from .scheduling import RATING_LABELS, format_interval, next_dues, review_seed

# The words at the ends of the rating scale, under the buttons.
RATING_SCALE = {"low": RATING_LABELS[1], "high": RATING_LABELS[5]}


class HtmxHttpRequest(HttpRequest):
    from django_htmx.middleware import HtmxDetails

    htmx: HtmxDetails


def mastery(deck: Deck) -> int:
    """Mastery of a deck annotated with `queue_counts`."""
    return mastery_percent(deck.rating_sum, deck.card_count)


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "reviews/welcome.html")
    decks = list(decks_with_queue_counts(request.user, timezone.now(), mastery=True))
    for deck in decks:
        deck.new_left = new_cards_left(request.user, deck)
        deck.mastery = mastery(deck)
    return render(request, "reviews/home.html", {"decks": decks})


@require_GET
def deck_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    if request.user.is_authenticated:
        decks = decks_with_queue_counts(request.user, timezone.now(), mastery=True)
    else:
        decks = Deck.objects.published()
    deck = get_object_or_404(decks, slug=slug)
    if request.user.is_authenticated:
        deck.new_left = new_cards_left(request.user, deck)
        deck.mastery = mastery(deck)
    categories = (
        Card.objects.filter(deck=deck)
        .values("category")
        .annotate(count=Count("id"))
        .order_by("category")
    )
    return render(request, "reviews/deck_detail.html", {"deck": deck, "categories": categories})


def _render_card(
    request: HtmxHttpRequest, context: dict, *, status: int = 200, oob: bool = False
) -> HttpResponse:
    """The whole study page, or for htmx only the card (and, after a rating,
    the queue line beside it, out of band)."""
    template = "reviews/study.html#card" if request.htmx else "reviews/study.html"
    context["oob"] = oob and request.htmx
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _study_response(
    request: HtmxHttpRequest,
    deck: Deck,
    now: datetime,
    *,
    more: bool,
    oob: bool = False,
    queue: Queue | None = None,
) -> HttpResponse:
    if queue is None:
        queue = build_queue(user=request.user, deck=deck, now=now, more=more)
    context = {"deck": deck, "queue": queue, "more": more or queue.keep_studying}
    if queue.card is None:
        context["side"] = "done"
        context["next_due"] = next_due(user=request.user, deck=deck)
    else:
        context["side"] = "question"
        context["card"] = queue.card
        context["shown"] = int(now.timestamp() * 1000)
    return _render_card(request, context, oob=oob)


@login_required
@require_GET
def study(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    now = timezone.now()
    deck = get_object_or_404(decks_with_queue_counts(request.user, now), slug=slug)
    queue = None
    chosen = request.GET.get("card", "")
    if chosen:
        # "Study it now" from the progress page's card table.
        # isdigit() alone admits "²" and other digits int() refuses: a 500.
        card_id = int(chosen) if chosen.isascii() and chosen.isdigit() else 0
        card = get_object_or_404(Card, pk=card_id, deck=deck)
        queue = Queue(
            due=deck.due_count,
            new_left=new_cards_left(request.user, deck),
            card=card,
            state=None,
        )
    # "Keep studying" swaps in only the card: the queue line beside it changes to
    # "Extra practice" out of band.
    more = request.GET.get("more") == "1"
    return _study_response(request, deck, now, more=more, oob=more, queue=queue)


@login_required
@require_GET
def answer(request: HtmxHttpRequest, slug: str, card_id: int) -> HttpResponse:
    now = timezone.now()
    # The htmx flip swaps only the card: the queue line beside it stays as it was.
    card = card_for_study(
        request.user, now, slug=slug, card_id=card_id, with_counts=not request.htmx
    )
    if card is None:
        raise Http404("No such card in this deck.")
    state = card.state
    before = state.schedule if state else None
    reps = before.reps if before else 0
    user = request.user
    dues = next_dues(
        before,
        now,
        desired_retention=user.desired_retention,
        seed=review_seed(user.pk, card.pk, reps),
    )
    deck = card.deck
    context = {
        "deck": deck,
        "card": card,
        "side": "answer",
        # Text, not numbers: the template prints them as they are, without localizing.
        "reps": str(reps),
        "intervals": [format_interval(due - now) for due in dues.values()],
        "rating_scale": RATING_SCALE,
        "shown": _shown(request),
        "more": request.GET.get("more") == "1",
        "queue": None
        if request.htmx
        else Queue(
            due=deck.due_count,
            new_left=new_cards_left(request.user, deck),
            card=card,
            state=state,
        ),
    }
    return _render_card(request, context)


def _shown(request: HtmxHttpRequest) -> str:
    """When the question was shown (ms since the epoch), carried from the flip link
    into the rating form to time the answer; anything else is dropped, so a
    mangled link costs the timing, not the rating."""
    shown = request.GET.get("shown", "")
    return shown if shown.isascii() and shown.isdigit() and len(shown) <= 15 else ""


@login_required
@require_POST
def rate_card(request: HtmxHttpRequest, slug: str, card_id: int) -> HttpResponse:
    now = timezone.now()
    # Only the htmx answer shows the queue line (a form POST is redirected).
    card = card_for_study(request.user, now, slug=slug, card_id=card_id, with_counts=request.htmx)
    if card is None:
        raise Http404("No such card in this deck.")
    form = RatingForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "400.html",
            {"message": "A rating is a whole number from 1 (Not at all) to 5 (Perfectly)."},
            status=400,
        )
    shown = form.cleaned_data["shown"]
    duration_ms = int(now.timestamp() * 1000) - shown if shown else None
    review = record_review(
        user=request.user,
        card=card,
        rating=form.cleaned_data["rating"],
        now=now,
        shown_reps=form.cleaned_data["reps"],
        duration_ms=duration_ms if duration_ms is not None and duration_ms >= 0 else None,
        state=card.state,
    )
    more = form.cleaned_data["more"]
    if not request.htmx:
        return _see_other(slug, more)
    if review is not None:
        count_review(card.deck, review, now)
    return _study_response(request, card.deck, now, more=more, oob=True)


@login_required
@require_POST
def undo_review(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    deck = get_object_or_404(Deck.objects.published(), slug=slug)
    review = undo_last_review(user=request.user, deck=deck)
    if review is None:
        messages.info(request, "There is no rating to undo in this deck.")
    if request.htmx:
        now = timezone.now()
        deck = get_object_or_404(decks_with_queue_counts(request.user, now), slug=slug)
        return _study_response(request, deck, now, more=False, oob=True)
    return _see_other(slug, False)


def _see_other(slug: str, more: bool) -> HttpResponseRedirect:
    """After a plain form POST: 303 to the study page, so reloading never posts again."""
    url = reverse("reviews:study", args=[slug])
    response = HttpResponseRedirect(f"{url}?more=1" if more else url)
    response.status_code = 303
    return response


SORT_COLUMNS = [
    ("question", "Question"),
    ("rating", "Latest rating"),
    ("reviews", "Reviews"),
    ("lapses", "Lapses"),
    ("due", "Next due"),
    ("recall", "Recall now"),
]


def _page_number(value: str | None) -> int:
    """The card table page asked for: anything but a plain number is the first page,
    and `card_page` turns a page past the last (however long the number) into the last."""
    if not value or not value.isascii() or not value.isdigit():
        return 1
    return int(value) if len(value) <= 9 else 10**9


def _progress_page(request: HtmxHttpRequest, deck: Deck | None) -> HttpResponse:
    now = timezone.now()
    figures = progress(user=request.user, deck=deck, now=now)
    sort = request.GET.get("sort", "recall")
    if sort not in CARD_SORTS:
        sort = "recall"
    descending = request.GET.get("dir") == "desc"
    cards = None
    if deck:
        cards = card_page(
            user=request.user,
            deck=deck,
            now=now,
            total=figures.card_count,
            sort=sort,
            descending=descending,
            number=_page_number(request.GET.get("page")),
        )
    today = now.astimezone(request.user.tzinfo()).date()
    context = {
        "deck": deck,
        "p": figures,
        "cards": cards,
        "now": now,
        "sort": sort,
        "sort_label": dict(SORT_COLUMNS)[sort],
        "sort_columns": SORT_COLUMNS,
        "descending": descending,
        # `sort` is one of CARD_SORTS: nothing to escape.
        "page_link": f"?sort={sort}{'&dir=desc' if descending else ''}&page=",
        "charts": progress_charts(figures, today),
        "heatmap": heatmap({d.day: d.reviews for d in figures.days}, today),
        "decks": (
            None
            if deck
            else [
                {"deck": d, "mastery": mastery(d)}
                for d in decks_with_queue_counts(request.user, now, mastery=True)
            ]
        ),
    }
    return render(request, "reviews/progress.html", context)


@login_required
@require_GET
def progress_overview(request: HtmxHttpRequest) -> HttpResponse:
    return _progress_page(request, None)


@login_required
@require_GET
def progress_deck(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    deck = get_object_or_404(Deck.objects.published(), slug=slug)
    return _progress_page(request, deck)
