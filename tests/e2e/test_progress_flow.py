"""The progress page in Chromium: sign up, study a few cards with the keyboard, and
find those ratings in the figures and in the charts' data tables; then the same
page on a desktop and on a 390-px phone, with screenshots.

Screenshots go to a temporary folder, or to $SCREENSHOT_DIR when set:

    SCREENSHOT_DIR=docs/screenshots .venv/bin/python -m pytest tests/e2e/test_progress_flow.py
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from decks.models import Card
from reviews.models import Review

from .conftest import PASSWORD, ConsoleLog, sign_up

pytestmark = pytest.mark.e2e

STUDY = "/decks/fine-tuning-flashcards/study/"
PROGRESS = "/progress/fine-tuning-flashcards/"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# The four ratings pressed, one for each of the first four cards, in deck order.
RATINGS = [4, 1, 5, 2]


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    chosen = os.environ.get("SCREENSHOT_DIR")
    folder = Path(chosen) if chosen else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def study_four_cards(page: Page, base_url: str, cards: list[Card]) -> None:
    """Space flips, a digit rates; a rated card is not due for a minute or more,
    so each rating brings the next card of the deck."""
    page.goto(base_url + STUDY)
    heading = page.locator("#card .card-question")
    for card, rating in zip(cards, RATINGS, strict=False):
        expect(heading).to_have_text(card.question)
        page.keyboard.press("Space")
        expect(page.locator("#card-answer p")).to_have_text(card.answer)
        page.keyboard.press(str(rating))
    expect(heading).to_have_text(cards[len(RATINGS)].question)


def figure(page: Page, label: str):
    return page.locator(".figure", has=page.locator("dt", has_text=label)).locator("dd")


def chart_rows(page: Page, title: str) -> dict[str, str]:
    """Open a chart's "Show the numbers" and read its table as a person would."""
    chart = page.locator("figure.chart", has=page.locator("figcaption", has_text=title))
    chart.locator("summary").click()
    table = chart.locator("details table")
    expect(table).to_be_visible()
    rows = {}
    for row in table.locator("tbody tr").all():
        rows[row.locator("th").inner_text().strip()] = row.locator("td").inner_text().strip()
    return rows


def test_new_ratings_show_in_the_figures_and_the_charts(
    page: Page, live_server, deck, console: ConsoleLog, screenshot_dir: Path
):
    cards = list(Card.objects.filter(deck=deck).order_by("position")[:5])
    sign_up(page, live_server.url, "kit")
    study_four_cards(page, live_server.url, cards)
    kit = User.objects.get(username="kit")
    assert list(
        Review.objects.filter(user=kit).order_by("id").values_list("rating", flat=True)
    ) == (RATINGS)

    page.goto(live_server.url + PROGRESS)

    expect(page.get_by_role("heading", level=1)).to_have_text("Fine Tuning Flashcards")
    expect(page.get_by_text("No reviews yet")).to_have_count(0)
    # Four cards at 4, 1, 5, 2: 12 × 20 % / 20 cards = 12 %.
    expect(figure(page, "Mastery")).to_have_text("12%")
    expect(figure(page, "Cards seen")).to_have_text("4 / 20")
    expect(figure(page, "Reviews today")).to_have_text("4")
    expect(figure(page, "Total reviews")).to_have_text("4")
    expect(figure(page, "Current streak")).to_have_text("1 day")
    # New cards are not in review state yet: no retention to show.
    expect(figure(page, "Retention, 30 days")).to_have_text("—")

    assert chart_rows(page, "Cards by latest rating") == {
        "1 Not at all": "1",
        "2": "1",
        "3": "0",
        "4": "1",
        "5 Perfectly": "1",
        "Not seen yet": "16",
    }
    today = timezone.now().date().isoformat()
    assert chart_rows(page, "Reviews per day, last 90 days")[today] == "4"
    assert chart_rows(page, "Reviews per day over the last year") == {today: "4"}
    # The first four cards are the deck's "Distillation" ones: 12 × 20 / 4 = 60 %.
    assert chart_rows(page, "Mastery per category") == {"Distillation": "60%", "Fine Tuning": "0%"}

    # Each chart is an image with a name for screen readers.
    for name in ("Cards by latest rating", "Reviews per day, last 90 days", "Mastery per category"):
        expect(page.get_by_role("img", name=name)).to_be_visible()

    # The card table: the rated cards carry their chips; each row studies its card.
    table = page.locator("table.cards-table")
    for card, rating in zip(cards, RATINGS, strict=False):
        row = table.locator("tbody tr", has_text=card.question)
        expect(row.locator(".rating-chip")).to_have_text(str(rating))
    row = table.locator("tbody tr", has_text=cards[1].question)
    row.get_by_role("link", name="Study this card").click()
    expect(page.locator("#card .card-question")).to_have_text(cards[1].question)

    page.goto(live_server.url + PROGRESS)
    page.screenshot(path=screenshot_dir / "progress-desktop.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    assert console.errors == []


@pytest.fixture
def phone(browser: Browser, console: ConsoleLog, live_server) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    console.attach(page)
    yield page
    context.close()


def test_the_progress_page_fits_a_phone(
    page: Page, phone: Page, live_server, deck, console: ConsoleLog, screenshot_dir: Path
):
    cards = list(Card.objects.filter(deck=deck).order_by("position")[:5])
    sign_up(page, live_server.url, "lee")
    study_four_cards(page, live_server.url, cards)

    phone.goto(live_server.url + "/accounts/login/")
    phone.get_by_label("Username").fill("lee")
    phone.get_by_label("Password").fill(PASSWORD)
    phone.get_by_role("button", name="Log in").click()
    phone.wait_for_url(live_server.url + "/")
    phone.goto(live_server.url + PROGRESS)
    expect(figure(phone, "Total reviews")).to_have_text("4")

    phone.screenshot(path=screenshot_dir / "progress-phone.png", full_page=True)

    # The year calendar keeps cells a thumb can see and opens on the latest weeks.
    today = phone.locator(".heatmap rect").last.bounding_box()
    assert today["width"] >= 8, today
    assert 0 <= today["x"] and today["x"] + today["width"] <= PHONE["width"], today

    # Nothing wider than the screen: the card table scrolls inside its own box.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    figures_box = phone.locator("dl.figures").bounding_box()
    assert figures_box["x"] >= 0 and figures_box["x"] + figures_box["width"] <= PHONE["width"]
    for chart in phone.locator("figure.chart").all():
        box = chart.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert console.errors == []
