"""The headline figures of the progress pages, computed by hand from a known history.

`HISTORY` (tests/reviews/progress_page.py) is eighteen ratings of seven cards of
the bundled deck. Every expected number below is worked out from that list in
the comment beside it, then compared with `progress()` and with what the pages
/progress/fine-tuning-flashcards/ and /progress/ show.
"""

from datetime import date

import pytest

from decks.models import Card, Deck
from reviews.models import REVIEW, CardState
from reviews.progress import Streaks, mastery_percent, progress, streaks

from .progress_page import NOW, build_history, days_ago, deck_cards, figures, parse, rate

pytestmark = pytest.mark.django_db

DECK_PAGE = "/progress/fine-tuning-flashcards/"

# Latest ratings: card 0 → 4, 1 → 2, 2 → 5, 3 → 2, 4 → 4, 5 → 2, 6 → 1; sum 20.
# Mastery: 20 × 20 % / 20 cards = 20 %.
# Days with a review (days before NOW): 40, 35, 30, 29, 28, 27, 26, 20, 12, 10, 9, 5,
# 3, 2, 1, 0. Longest run 30..26 = 5 days; current run 3..0 = 4 days.
# Reviews today: card 4 at 09:00 and card 5 at 09:30 = 2. Total: 18.
# Retention: reviews within 30 days (since day 30, 15:00) of cards in review state:
# card 3 on days 29 (5), 28 (4), 27 (5), 26 (2 ✗); card 1 on day 12 (4), day 3 (2 ✗);
# card 2 on day 5 (5). 5 of 7 = 71 %. (Card 2 on day 35 is older than 30 days.)
# Time: 17 × 10 s + the lunch-break answer capped at 300 s = 470 s = 7 min.
# Due now at 15:00: cards 0, 1 (relearning), 3 (relearning), 5 (learning, rated 2 this
# morning) and 6 (rated 1 two days ago) — 5; card 2 is due in October, card 4 on 20 June.
EXPECTED_FIGURES = {
    "Mastery": "20%",
    "Cards seen": "7 / 20",
    "Due now": "5",
    "Reviews today": "2",
    "Current streak": "4 days",
    "Longest streak": "5 days",
    "Retention, 30 days": "71%",
    "Time studied": "7 min",
    "Total reviews": "18",
}


@pytest.fixture
def cards(deck: Deck) -> list[Card]:
    return deck_cards(deck)


@pytest.fixture
def history(alice, cards):
    return build_history(alice, cards)


def test_the_fixture_is_the_history_the_comments_describe(alice, cards, history):
    """The hand computations rest on these FSRS states; if FSRS changed them, say so here."""
    review_state = [
        (cards.index(r.card), r.rating) for r in history if (r.before or {}).get("state") == REVIEW
    ]
    assert review_state == [(2, 3), (3, 5), (3, 4), (3, 5), (3, 2), (1, 4), (2, 5), (1, 2)]
    due = {cards.index(s.card): s.due for s in CardState.objects.filter(user=alice)}
    assert sorted(i for i, when in due.items() if when <= NOW) == [0, 1, 3, 5, 6]
    assert due[4].date().isoformat() == "2025-06-20"
    # About four months out: FSRS's interval fuzz (up to ±8 days here) is seeded by the ids.
    assert date(2025, 10, 1) <= due[2].date() <= date(2025, 11, 15)
    lapses = dict(CardState.objects.filter(user=alice, lapses__gt=0).values_list("card", "lapses"))
    assert lapses == {cards[1].pk: 1, cards[3].pk: 1}


def test_progress_computes_every_figure(alice, deck, history):
    p = progress(user=alice, deck=deck, now=NOW)

    assert (p.card_count, p.seen_count, p.due_count) == (20, 7, 5)
    assert p.mastery == 20
    assert (p.reviews_today, p.total_reviews) == (2, 18)
    assert p.streaks == Streaks(current=4, longest=5)
    assert (p.retention, p.retention_reviews) == (5 / 7, 7)
    assert p.time_studied_ms == 17 * 10_000 + 300_000
    assert p.by_rating == {1: 1, 2: 3, 3: 0, 4: 2, 5: 1, "unseen": 13}


def test_deck_page_shows_every_figure(alice_client, history, time_machine):
    time_machine.move_to(NOW, tick=False)

    response = alice_client.get(DECK_PAGE)

    assert response.status_code == 200
    assert figures(parse(response)) == EXPECTED_FIGURES
    assert "No reviews yet" not in response.content.decode()


def test_overview_page_shows_the_same_figures_and_the_deck_row(alice_client, history, time_machine):
    time_machine.move_to(NOW, tick=False)

    page = parse(alice_client.get("/progress/"))

    assert figures(page) == EXPECTED_FIGURES
    row = page.find("section", **{"aria-labelledby": "decks-title"}).find("tbody").find("tr")
    assert [row.find("th").text] + [td.text for td in row.find_all("td")] == [
        "Fine Tuning Flashcards",
        "20%",
        "7 / 20",
        "5",
    ]
    assert row.find("a").attrs["href"] == DECK_PAGE


def test_overview_adds_up_every_published_deck(alice, alice_client, history, time_machine):
    capitals = Deck.objects.create(title="Capitals", slug="capitals")
    peru = Card.objects.create(
        deck=capitals, position=1, question="Capital of Peru?", answer="Lima"
    )
    Card.objects.create(deck=capitals, position=2, question="Capital of Chad?", answer="N'Djamena")
    rate(alice, peru, 5, days_ago(0, 11))
    time_machine.move_to(NOW, tick=False)

    shown = figures(parse(alice_client.get("/progress/")))

    # 22 cards, 8 seen; ratings 20 + 5 = 25; 25 × 20 / 22 = 22.7 → 23 %.
    assert shown["Mastery"] == "23%"
    assert shown["Cards seen"] == "8 / 22"
    assert shown["Reviews today"] == "3"
    assert shown["Total reviews"] == "19"
    # The Capitals deck page counts only its own cards: 5 × 20 / 2 = 50 %.
    capitals_page = figures(parse(alice_client.get("/progress/capitals/")))
    assert capitals_page["Mastery"] == "50%"
    assert capitals_page["Cards seen"] == "1 / 2"
    assert capitals_page["Total reviews"] == "1"


def test_overview_leaves_out_a_deck_that_was_unpublished(
    alice, alice_client, history, time_machine
):
    """Staff may unpublish a deck someone studied: its cards leave the totals altogether,
    so the overview never shows more cards by rating than cards, nor mastery above 100 %."""
    draft = Deck.objects.create(title="Draft", slug="draft")
    cards = [
        Card.objects.create(deck=draft, position=i, question=f"Draft {i}?", answer="x")
        for i in range(30)
    ]
    for card in cards:
        rate(alice, card, 5, days_ago(1, 12))
    draft.published = False
    draft.save()
    time_machine.move_to(NOW, tick=False)

    p = progress(user=alice, deck=None, now=NOW)
    shown = figures(parse(alice_client.get("/progress/")))

    assert p.by_rating == {1: 1, 2: 3, 3: 0, 4: 2, 5: 1, "unseen": 13}
    assert shown["Mastery"] == "20%"
    assert shown["Cards seen"] == "7 / 20"
    assert shown["Due now"] == "5"


def test_only_my_reviews_count(alice, bob, bob_client, cards, history, time_machine):
    rate(bob, cards[10], 5, days_ago(0, 8))
    time_machine.move_to(NOW, tick=False)

    shown = figures(parse(bob_client.get(DECK_PAGE)))

    assert shown["Mastery"] == "5%"  # one card rated 5: 5 × 20 / 20
    assert shown["Cards seen"] == "1 / 20"
    assert shown["Total reviews"] == "1"
    assert shown["Reviews today"] == "1"
    assert shown["Retention, 30 days"] == "—"


def test_empty_history_shows_a_friendly_start_and_no_division_by_zero(alice, alice_client, deck):
    for url in (DECK_PAGE, "/progress/"):
        response = alice_client.get(url)
        assert response.status_code == 200
        page = parse(response)
        assert page.find("section", "empty-state").find("h2").text == "No reviews yet"
        assert figures(page) == {
            "Mastery": "0%",
            "Cards seen": "0 / 20",
            "Due now": "0",
            "Reviews today": "0",
            "Current streak": "0 days",
            "Longest streak": "0 days",
            "Retention, 30 days": "—",
            "Time studied": "0 s",
            "Total reviews": "0",
        }
    start = parse(alice_client.get(DECK_PAGE)).find("section", "empty-state").find("a")
    assert start.attrs["href"] == "/decks/fine-tuning-flashcards/study/"


def test_a_deck_without_cards_has_a_page_too(alice_client, db):
    Deck.objects.create(title="Empty", slug="empty")

    response = alice_client.get("/progress/empty/")

    assert response.status_code == 200
    assert figures(parse(response))["Cards seen"] == "0 / 0"
    assert figures(parse(response))["Mastery"] == "0%"


def test_someone_who_only_ever_rated_1(alice, alice_client, cards, time_machine):
    # Cards 0–4 rated 1 two days ago, and again yesterday: ten reviews, all "Not at all".
    for ago in (2, 1):
        for card in cards[:5]:
            rate(alice, card, 1, days_ago(ago, 18))
    time_machine.move_to(NOW, tick=False)

    p = progress(user=alice, deck=alice.card_states.first().deck, now=NOW)
    shown = figures(parse(alice_client.get(DECK_PAGE)))

    # Five cards at 1 × 20 % and fifteen unseen at 0 %: 100 / 20 = 5 %.
    assert shown["Mastery"] == "5%"
    assert shown["Cards seen"] == "5 / 20"
    # Rated 1, a new card stays in learning: no review-state reviews, so no retention.
    assert p.retention is None
    assert shown["Retention, 30 days"] == "—"
    assert shown["Total reviews"] == "10"
    assert shown["Current streak"] == "2 days"
    assert p.by_rating == {1: 5, 2: 0, 3: 0, 4: 0, 5: 0, "unseen": 15}
    # Each first 1 was followed by another 1: five seen again, none remembered.
    assert [(c["rating"], c["total"], c["recalled"], c["percent"]) for c in p.calibration] == [
        (1, 5, 0, 0),
        (2, 0, 0, None),
        (3, 0, 0, None),
        (4, 0, 0, None),
        (5, 0, 0, None),
    ]
    # Distillation: 4 cards at 20 % = 20 %; Fine Tuning: 1 of 16 at 20 % = 1.25 → 1 %.
    assert [(c["name"], c["mastery"]) for c in p.categories] == [
        ("Distillation", 20),
        ("Fine Tuning", 1),
    ]


def test_mastery_percent():
    assert mastery_percent(0, 0) == 0
    assert mastery_percent(100, 20) == 100
    assert mastery_percent(1, 3) == 7  # 6.67 rounds to 7


def test_streaks_count_local_days_in_a_row():
    today = date(2025, 6, 18)
    assert streaks([], today) == Streaks(0, 0)
    assert streaks([today], today) == Streaks(1, 1)
    # Yesterday's run is still alive: today is not over.
    assert streaks([date(2025, 6, 16), date(2025, 6, 17)], today) == Streaks(2, 2)
    # Two days ago: the run is broken.
    assert streaks([date(2025, 6, 15), date(2025, 6, 16)], today) == Streaks(0, 2)
    # Repeated days count once; the longest run may lie in the past.
    days = [date(2025, 6, d) for d in (1, 2, 3, 3, 4, 10, 17, 18)]
    assert streaks(days, today) == Streaks(2, 4)
