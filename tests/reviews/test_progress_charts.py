"""The charts, the calibration table and the card table of a progress page, read
from the page (each chart's data table is what a screen reader reads) and
compared with numbers worked out by hand from `HISTORY`."""

from datetime import timedelta

import pytest

from decks.models import Card, Deck
from reviews.models import CardState
from reviews.scheduling import format_interval, retrievability

from .progress_page import (
    NOW,
    build_history,
    calibration,
    card_table,
    chart,
    chart_table,
    deck_cards,
    parse,
)

pytestmark = pytest.mark.django_db

DECK_PAGE = "/progress/fine-tuning-flashcards/"


@pytest.fixture
def cards(deck: Deck) -> list[Card]:
    return deck_cards(deck)


@pytest.fixture
def page(alice, alice_client, cards, time_machine):
    build_history(alice, cards)
    time_machine.move_to(NOW, tick=False)
    response = alice_client.get(DECK_PAGE)
    assert response.status_code == 200
    return parse(response)


def day(ago: int) -> str:
    return (NOW - timedelta(days=ago)).date().isoformat()


def due_as_shown(state: CardState) -> str:
    """The "Next due" cell of a card, from its stored due date: FSRS's interval fuzz is
    seeded by the ids, which differ from one database (and test worker) to another."""
    return "now" if state.due <= NOW else f"in {format_interval(state.due - NOW)}"


# Days with reviews, days before NOW → reviews (from HISTORY: two on day 3, two today).
PER_DAY = {40: 1, 35: 1, 30: 1, 29: 1, 28: 1, 27: 1, 26: 1, 20: 1, 12: 1, 10: 1, 9: 1}
PER_DAY |= {5: 1, 3: 2, 2: 1, 1: 1, 0: 2}


def test_cards_by_latest_rating(page):
    # Latest ratings 4, 2, 5, 2, 4, 2, 1 and thirteen cards never seen.
    assert chart_table(page, "Cards by latest rating") == {
        "1 Not at all": "1",
        "2": "3",
        "3": "0",
        "4": "2",
        "5 Perfectly": "1",
        "Not seen yet": "13",
    }
    bars = chart(page, "Cards by latest rating").find("svg").find_all("rect")
    assert [bar.classes for bar in bars] == [
        ["fill-r1"],
        ["fill-r2"],
        ["fill-r3"],
        ["fill-r4"],
        ["fill-r5"],
        ["fill-unseen"],
    ]
    # The tallest bar (13 unseen) fills the 140-unit chart less its 2-unit axis; 3 is 3/13 of it.
    heights = [float(bar.attrs["height"]) for bar in bars]
    assert heights[5] == 138
    assert heights[1] == pytest.approx(138 * 3 / 13, abs=0.01)
    assert heights[2] == 0


def test_reviews_per_day_for_the_last_90_days(page):
    table = chart_table(page, "Reviews per day, last 90 days")

    assert list(table) == [day(n) for n in range(89, -1, -1)]
    assert {d: n for d, n in table.items() if n != "0"} == {
        day(n): str(count) for n, count in PER_DAY.items()
    }


def test_year_calendar_heatmap(page):
    heatmap = chart(page, "Reviews per day over the last year")

    assert chart_table(page, "Reviews per day over the last year") == {
        day(n): str(count) for n, count in sorted(PER_DAY.items(), reverse=True)
    }
    assert heatmap.find("svg").find("title").text == (
        "Reviews per day over the last year: 16 days with reviews"
    )
    # 53 weeks of Monday-first columns ending today, a Wednesday: 52 × 7 + 3 cells.
    cells = [rect for rect in heatmap.find("svg").find_all("rect")]
    assert len(cells) == 52 * 7 + 3
    today_cell = cells[-1]
    assert today_cell.find("title").text == "Wed 18 Jun 2025: 2 reviews"
    # The busiest days (2 reviews) are darkest; days with none are the empty colour.
    assert today_cell.classes == ["heat-4"]
    assert cells[-2].classes == ["heat-2"]  # yesterday, 1 review: 1 + 3 × 1 // 2
    assert cells[-4].classes == ["heat-4"]  # three days ago, 2 reviews
    assert cells[-5].classes == ["heat-0"]  # four days ago: nothing


def test_due_forecast_for_the_next_30_days(page):
    table = chart_table(page, "Cards coming due, next 30 days")

    assert list(table) == [(NOW + timedelta(days=n)).date().isoformat() for n in range(30)]
    # Today: the four overdue cards (0, 1, 3, 6) and card 5, due at 09:31; card 4 on 20 June.
    assert {d: n for d, n in table.items() if n != "0"} == {"2025-06-18": "5", "2025-06-20": "1"}


def test_mastery_per_category(page):
    # Distillation: cards 0–3 at 4, 2, 5, 2 → 13 × 20 / 4 = 65 %.
    # Fine Tuning: cards 4, 5, 6 at 4, 2, 1 of 16 → 7 × 20 / 16 = 8.75 → 9 %.
    assert chart_table(page, "Mastery per category") == {"Distillation": "65%", "Fine Tuning": "9%"}


def test_are_your_5s_really_5s(page):
    # Each rating and the next rating of the same card:
    # card 0: 1→3 ✓, 3→4 ✓; card 1: 5→4 ✓, 4→2 ✗; card 2: 5→3 ✓, 3→5 ✓;
    # card 3: 5→5 ✓, 5→4 ✓, 4→5 ✓, 5→2 ✗; card 4: 4→4 ✓.
    assert calibration(page) == {
        1: ("1 card seen again", "1 (100%)"),
        2: ("0 cards seen again", "—"),
        3: ("2 cards seen again", "2 (100%)"),
        4: ("3 cards seen again", "2 (67%)"),
        5: ("5 cards seen again", "4 (80%)"),
    }


def test_card_table_lists_every_card_weakest_first(alice, page, cards):
    rows = card_table(page)

    assert len(rows) == 20
    # Studied cards first, weakest first; cards never studied come last.
    seen, unseen = rows[:7], rows[7:]
    assert {row.question for row in unseen} == {c.question for c in cards[7:]}
    assert all((r.rating, r.reviews, r.due, r.recall) == ("new", 0, "—", "—") for r in unseen)
    recalls = [int(row.recall.rstrip("%")) for row in seen]
    assert recalls == sorted(recalls)
    # Each seen card's recall is FSRS's retrievability of its stored state, now.
    states = {s.card.question: s for s in CardState.objects.filter(user=alice)}
    for row in seen:
        assert row.recall == f"{round(100 * retrievability(states[row.question].schedule, NOW))}%"
    by_question = {row.question: row for row in rows}
    # Card 3: five reviews, latest 2, one lapse, overdue since 23 May.
    assert (
        by_question[cards[3].question].reviews,
        by_question[cards[3].question].rating,
        by_question[cards[3].question].lapses,
        by_question[cards[3].question].due,
    ) == (5, "2", 1, "now")
    # Every card's "Next due" is its stored due date, as seen from NOW.
    for question, state in states.items():
        assert by_question[question].due == due_as_shown(state)
    # Card 2: rated 5 five days ago, due in about four months (fuzz: 3.5 to 5 months);
    # card 4 on 20 June.
    assert by_question[cards[2].question].rating == "5"
    assert by_question[cards[2].question].due in ("in 4 mo", "in 5 mo")
    assert by_question[cards[4].question].due == "in 2 d"
    for card in cards:
        assert (
            by_question[card.question].study_link
            == f"/decks/fine-tuning-flashcards/study/?card={card.pk}"
        )


@pytest.mark.parametrize(
    ("query", "first_column"),
    [
        ("?sort=rating&dir=desc", ["5", "4", "4", "2", "2", "2", "1"] + ["new"] * 13),
        ("?sort=rating", ["1", "2", "2", "2", "4", "4", "5"] + ["new"] * 13),
    ],
)
def test_card_table_sorts_by_latest_rating(alice_client, page, query, first_column):
    rows = card_table(parse(alice_client.get(DECK_PAGE + query)))

    assert [row.rating for row in rows] == first_column


def test_card_table_sorts_by_reviews_lapses_question_and_due(alice, alice_client, page, cards):
    by_reviews = card_table(parse(alice_client.get(DECK_PAGE + "?sort=reviews&dir=desc")))
    assert [row.reviews for row in by_reviews][:8] == [5, 3, 3, 3, 2, 1, 1, 0]
    assert by_reviews[0].question == cards[3].question

    by_lapses = card_table(parse(alice_client.get(DECK_PAGE + "?sort=lapses&dir=desc")))
    assert {row.question for row in by_lapses[:2]} == {cards[1].question, cards[3].question}
    assert [row.lapses for row in by_lapses[:3]] == [1, 1, 0]

    by_question = card_table(parse(alice_client.get(DECK_PAGE + "?sort=question")))
    assert [row.question for row in by_question] == sorted(
        (c.question for c in cards), key=str.lower
    )

    by_due = card_table(parse(alice_client.get(DECK_PAGE + "?sort=due")))
    # Overdue cards ("now") first, then card 4 (20 June), then card 2 (months away),
    # then the cards never studied.
    states = sorted(CardState.objects.filter(user=alice), key=lambda state: state.due)
    assert [row.question for row in by_due][:7] == [state.card.question for state in states]
    assert [row.due for row in by_due][:7] == [due_as_shown(state) for state in states]
    assert [row.due for row in by_due][:5] == ["now"] * 5
    assert [row.question for row in by_due][5:7] == [cards[4].question, cards[2].question]
    assert {row.due for row in by_due[7:]} == {"—"}


def test_card_table_recall_descending_puts_the_strongest_first(alice_client, page):
    rows = card_table(parse(alice_client.get(DECK_PAGE + "?sort=recall&dir=desc")))

    recalls = [int(row.recall.rstrip("%")) for row in rows[:7]]
    assert recalls == sorted(recalls, reverse=True)
    assert [row.recall for row in rows[7:]] == ["—"] * 13


def test_sort_headers_link_to_the_other_direction(alice_client, page):
    default = parse(alice_client.get(DECK_PAGE))
    headers = default.find("table", "cards-table").find("thead").find_all("th")
    links = {th.text: th.find("a").attrs["href"] for th in headers if th.find_all("a")}
    assert links["Recall now"] == "?sort=recall&dir=desc#cards-title"
    assert links["Latest rating"] == "?sort=rating#cards-title"
    sorted_by = [th for th in headers if "aria-sort" in th.attrs]
    assert [(th.text, th.attrs["aria-sort"]) for th in sorted_by] == [("Recall now", "ascending")]

    descending = parse(alice_client.get(DECK_PAGE + "?sort=recall&dir=desc"))
    headers = descending.find("table", "cards-table").find("thead").find_all("th")
    sorted_by = [th for th in headers if "aria-sort" in th.attrs]
    assert [(th.text, th.attrs["aria-sort"]) for th in sorted_by] == [("Recall now", "descending")]
    assert sorted_by[0].find("a").attrs["href"] == "?sort=recall#cards-title"


def test_an_unknown_sort_falls_back_to_weakest_first(alice_client, page):
    response = alice_client.get(DECK_PAGE + "?sort=password&dir=sideways")

    assert response.status_code == 200
    assert card_table(parse(response)) == card_table(page)


def test_study_link_opens_that_card(alice_client, page, cards):
    link = next(row.study_link for row in card_table(page) if row.question == cards[3].question)

    study = parse(alice_client.get(link))

    assert study.find("div", "card-question").text == cards[3].question


def test_overview_has_charts_but_no_card_table(alice_client, page):
    overview = parse(alice_client.get("/progress/"))

    assert chart_table(overview, "Mastery per category") == {
        "Distillation": "65%",
        "Fine Tuning": "9%",
    }
    assert overview.find_all("table", "cards-table") == []


def test_empty_history_charts_say_nothing_yet(alice_client, deck):
    empty = parse(alice_client.get(DECK_PAGE))

    for title in ("Reviews per day", "Cards coming due"):
        assert chart(empty, title).find("figcaption").text.endswith("— nothing yet")
    assert chart(empty, "Cards by latest rating").find("figcaption").text == (
        "Cards by latest rating"
    )
    assert chart_table(empty, "Cards by latest rating")["Not seen yet"] == "20"
    assert chart_table(empty, "Reviews per day over the last year") == {}
    assert all(shown == "—" for _, shown in calibration(empty).values())
    assert [row.rating for row in card_table(empty)] == ["new"] * 20
