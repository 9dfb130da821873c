"""The study page on a 390-px phone: everything on one screen, five equal buttons, big targets."""

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from reviews.models import Review

from .conftest import ConsoleLog, sign_up

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}

BOXES_JS = """(selector) => [...document.querySelectorAll(selector)].map((el) => {
    const box = el.getBoundingClientRect();
    return {left: box.left, right: box.right, top: box.top, bottom: box.bottom,
            width: box.width, height: box.height};
})"""


@pytest.fixture
def phone(browser: Browser, console: ConsoleLog, live_server) -> Iterator[Page]:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    console.attach(page)
    yield page
    context.close()


def test_the_answer_side_fits_a_phone_with_five_equal_buttons(
    phone: Page, live_server, deck, console: ConsoleLog
):
    sign_up(phone, live_server.url, "jo")
    phone.goto(live_server.url + "/decks/fine-tuning-flashcards/study/")
    phone.get_by_role("link", name="Show answer").tap()
    expect(
        phone.get_by_text("Reduce a whole LLM to a much smaller, scoped-down model")
    ).to_be_visible()

    # Measure the card at rest, once the flip animation has played.
    phone.wait_for_function("() => document.getAnimations().length === 0")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    buttons = phone.evaluate(BOXES_JS, "button.rate")
    assert len(buttons) == 5
    widths = [box["width"] for box in buttons]
    assert max(widths) - min(widths) < 1, widths
    for box in buttons:
        assert box["width"] >= 44 and box["height"] >= 44, box
        assert 0 <= box["left"] and box["right"] <= PHONE["width"], box
        assert box["bottom"] <= PHONE["height"], "a rating button is below the fold"
    undo = phone.evaluate(BOXES_JS, "[data-undo]")[0]
    assert undo["bottom"] <= PHONE["height"], "Undo is below the fold"
    nav_links = phone.evaluate(BOXES_JS, ".nav a, .nav button")
    assert len({round(box["top"]) for box in nav_links}) == 1, "the menu wraps onto two rows"

    # The words leave the buttons for a scale under them, and are still read aloud.
    expect(phone.locator(".rating-scale")).to_have_text(re.compile(r"^Not at all\s*Perfectly$"))
    expect(phone.get_by_role("button", name=re.compile(r"^1 Not at all"))).to_be_visible()
    expect(phone.get_by_role("button", name=re.compile(r"^5 Perfectly"))).to_be_visible()
    expect(phone.get_by_text("Keys 1–5")).to_be_hidden()

    phone.get_by_role("button", name=re.compile(r"^3 ")).tap()
    expect(phone.locator("#card .card-question")).to_have_text("Advantage to distilled models?")
    assert list(Review.objects.values_list("rating", flat=True)) == [3]
    assert console.errors == []
