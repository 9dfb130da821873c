"""The card table of a deck's progress page in pages: 50 cards at a time, weakest
first, sorted and cut by the database, with links that keep the sort and work
without JavaScript; and the recall it sorts by is FSRS's, to the microsecond."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from decks.models import Card, Deck
from reviews.models import REVIEW, CardState
from reviews.progress import PAGE_SIZE, sorted_cards
from reviews.scheduling import retrievability

from .progress_page import NOW, Element, card_table, parse

pytestmark = pytest.mark.django_db

SLUG = "big-deck"
PAGE = f"/progress/{SLUG}/"
CARDS = 130  # three pages: 50, 50 and 30
STUDIED = 90


@pytest.fixture
def big_deck(db) -> Deck:
    deck = Deck.objects.create(title="Big deck", slug=SLUG)
    Card.objects.bulk_create(
        Card(
            deck=deck,
            category=f"Part {n % 3}",
            question=f"Question {n:03}?",
            answer=f"Answer {n}",
            position=n,
        )
        for n in range(CARDS)
    )
    Deck.objects.filter(pk=deck.pk).count_cards()
    return deck


@pytest.fixture
def states(alice, big_deck) -> dict[str, CardState]:
    """The first 90 cards studied, their recall spread out, with ties in recall and
    some in recall and latest rating together (which only deck order breaks), so that
    pages must break ties the same way every time; keyed by question."""
    cards = list(big_deck.cards.order_by("position"))
    rows = [
        CardState(
            user=alice,
            card=card,
            deck=big_deck,
            state=REVIEW,
            stability=[1.5, 4.0, 12.0, 40.0][n % 4],
            difficulty=5.0,
            due=NOW + timedelta(days=(n * 7) % 50 - 20, hours=n),
            last_review=NOW - timedelta(days=n % 9, hours=n % 5),
            reps=1 + n % 6,
            lapses=n % 3,
            last_rating=1 + n % 5,
        )
        for n, card in enumerate(cards[:STUDIED])
    ]
    CardState.objects.bulk_create(rows)
    return {s.card.question: s for s in CardState.objects.filter(user=alice).select_related("card")}


@pytest.fixture
def at_now(time_machine):
    time_machine.move_to(NOW, tick=False)


def all_pages(client, query: str) -> list[Element]:
    """Every page of the table, following its "Next page" links from the first."""
    pages, url = [], PAGE + query
    while url:
        page = parse(client.get(url))
        pages.append(page)
        nexts = page.find_all("a", rel="next")
        url = PAGE + nexts[0].attrs["href"].split("#")[0] if nexts else None
        assert len(pages) <= 10, "the Next links never end"
    return pages


def pager_text(page: Element) -> str:
    return page.find("nav", "pager").text


def test_the_first_page_shows_50_of_130_cards(alice_client, states, at_now):
    page = parse(alice_client.get(PAGE))

    assert len(card_table(page)) == PAGE_SIZE
    assert page.find("p", id="cards-shown").text == "Cards 1–50 of 130, sorted by recall now."
    assert "Page 1 of 3" in pager_text(page)
    assert page.find_all("a", rel="prev") == []
    assert page.find("a", rel="next").attrs["href"] == "?sort=recall&page=2#cards-title"


def test_weakest_first_across_pages(alice_client, states, big_deck, at_now):
    pages = all_pages(alice_client, "")
    rows = [row for page in pages for row in card_table(page)]

    assert [len(card_table(page)) for page in pages] == [50, 50, 30]
    # Every card once, none twice: the studied ones by FSRS's recall now, ties by the
    # lowest latest rating, then deck order; then the 40 never studied, in deck order.
    cards = list(big_deck.cards.order_by("position"))
    studied = sorted(
        states.values(),
        key=lambda s: (retrievability(s.schedule, NOW), s.last_rating, s.card.position),
    )
    keys = [(retrievability(s.schedule, NOW), s.last_rating) for s in studied]
    assert len(set(keys)) < len(keys), "no ties left for deck order to break"
    expected = [s.card.question for s in studied] + [c.question for c in cards[STUDIED:]]
    assert [row.question for row in rows] == expected
    for row in rows[:STUDIED]:
        assert row.recall == f"{round(100 * retrievability(states[row.question].schedule, NOW))}%"
    assert {row.recall for row in rows[STUDIED:]} == {"—"}
    assert "Cards 101–130 of 130" in pages[2].find("p", id="cards-shown").text
    assert pages[2].find("a", rel="prev").attrs["href"] == "?sort=recall&page=2#cards-title"


def test_pages_keep_the_sort_and_its_direction(alice_client, states, big_deck, at_now):
    pages = all_pages(alice_client, "?sort=reviews&dir=desc")
    rows = [row for page in pages for row in card_table(page)]

    assert pages[0].find("a", rel="next").attrs["href"] == (
        "?sort=reviews&dir=desc&page=2#cards-title"
    )
    assert "sorted by reviews, descending" in pages[1].find("p", id="cards-shown").text
    # Most reviews first; equal counts in deck order; the cards never studied (0) last.
    reps = {c.question: 0 for c in big_deck.cards.all()} | {q: s.reps for q, s in states.items()}
    by_deck_order = sorted(big_deck.cards.all(), key=lambda c: c.position)
    expected = sorted(by_deck_order, key=lambda c: -reps[c.question])
    assert [row.question for row in rows] == [c.question for c in expected]
    # The headers still sort afresh, from the first page.
    headers = pages[1].find("table", "cards-table").find("thead").find_all("a")
    assert {a.text: a.attrs["href"] for a in headers}["Reviews"] == "?sort=reviews#cards-title"


def test_due_pages_put_cards_never_studied_last_in_both_directions(alice_client, states, at_now):
    assert len({s.due for s in states.values()}) == STUDIED
    for query in ("?sort=due", "?sort=due&dir=desc"):
        rows = [row for page in all_pages(alice_client, query) for row in card_table(page)]
        ordered = sorted(states.values(), key=lambda s: s.due, reverse="desc" in query)
        assert [row.question for row in rows[:STUDIED]] == [s.card.question for s in ordered]
        assert {row.due for row in rows[STUDIED:]} == {"—"}


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("2", 2),
        ("3", 3),
        ("4", 3),  # past the last page: the last
        ("99999999999999999999999", 3),
        ("0", 1),
        ("-1", 1),
        ("", 1),
        ("two", 1),
        ("1.5", 1),
        ("2abc", 1),
        ("1e3", 1),
        ("٣", 1),  # an Arabic-Indic three: not a page number here
        ("<script>", 1),
    ],
)
def test_a_bad_page_number_gives_a_sensible_page(alice_client, states, at_now, page, shown):
    response = alice_client.get(PAGE, {"page": page, "sort": "question"})

    assert response.status_code == 200
    assert f"Page {shown} of 3" in pager_text(parse(response))
    first_row = card_table(parse(response))[0]
    assert first_row.question == f"Question {(shown - 1) * PAGE_SIZE:03}?"


@pytest.mark.parametrize("query", [{"sort": "bogus", "page": "2"}, {"dir": "up", "page": "2"}])
def test_a_bad_sort_keeps_the_page_weakest_first(alice_client, states, at_now, query):
    response = alice_client.get(PAGE, query)

    assert response.status_code == 200
    assert card_table(parse(response)) == card_table(parse(alice_client.get(PAGE + "?page=2")))


def test_one_page_of_cards_shows_no_pager(alice_client, deck):
    page = parse(alice_client.get("/progress/fine-tuning-flashcards/"))

    assert len(card_table(page)) == 20
    assert page.find_all("nav", "pager") == []
    assert page.find_all("p", id="cards-shown") == []


def test_the_page_costs_the_same_queries_for_20_and_130_cards(
    alice, alice_client, deck, states, at_now
):
    CardState.objects.create(
        user=alice,
        card=deck.cards.first(),
        deck=deck,
        state=REVIEW,
        stability=3.0,
        difficulty=5.0,
        due=NOW,
        last_review=NOW - timedelta(days=2),
        reps=1,
        last_rating=3,
    )
    counts = {}
    for url in ("/progress/fine-tuning-flashcards/", PAGE, PAGE + "?page=3&sort=due"):
        alice_client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert alice_client.get(url).status_code == 200
        counts[url] = len(captured)
    assert len(set(counts.values())) == 1 and max(counts.values()) <= 15, counts


# The recall the table sorts by and shows is computed by the database; FSRS counts
# whole days since the last review, rounded down. Each last review below sits on or
# beside a day boundary, to the microsecond, or has no microseconds at all.
NOW_US = NOW.replace(microsecond=250_000)
LAST_REVIEWS = [
    NOW_US,
    NOW_US + timedelta(hours=3),  # "after" now (a clock step back): no days at all
    NOW_US - timedelta(microseconds=1),
    NOW_US - timedelta(days=1) + timedelta(microseconds=1),
    NOW_US - timedelta(days=1),
    NOW_US - timedelta(days=1, microseconds=1),
    NOW_US - timedelta(days=30, seconds=1),
    NOW - timedelta(days=6, hours=23, minutes=59, seconds=59),  # no microseconds
    NOW_US - timedelta(days=400, microseconds=999_999),
    datetime(2025, 3, 30, 1, 30, tzinfo=NOW.tzinfo),  # a DST change elsewhere: UTC days
]
STABILITIES = [0.1, 2.4, 365.0]


def test_recall_in_the_database_is_fsrs_retrievability_exactly(alice, big_deck):
    cards = list(big_deck.cards.order_by("position"))
    moments = [(m, s) for s in STABILITIES for m in LAST_REVIEWS]
    CardState.objects.bulk_create(
        [
            CardState(
                user=alice,
                card=card,
                deck=big_deck,
                state=REVIEW,
                stability=stability,
                difficulty=5.0,
                due=NOW_US,
                last_review=last_review,
                reps=1,
                last_rating=3,
            )
            for card, (last_review, stability) in zip(cards, moments, strict=False)
        ]
        + [CardState(user=alice, card=cards[40], deck=big_deck, state=1, due=NOW_US, reps=1)]
    )

    shown = {
        card.pk: card.recall
        for card in sorted_cards(
            user=alice, deck=big_deck, now=NOW_US, sort="recall", descending=False
        )
    }

    states = CardState.objects.filter(user=alice)
    assert len(states) == len(moments) + 1
    for state in states:
        assert shown[state.card_id] == retrievability(state.schedule, NOW_US), state.last_review
    assert shown[cards[40].pk] == 0.0  # no stability yet: FSRS says 0
    assert shown[cards[41].pk] is None  # never studied
