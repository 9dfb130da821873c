"""The study loop in Chromium: sign up, flip, rate, undo, with JavaScript on and off."""

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from decks.models import Card
from reviews.models import CardState, Review

from .conftest import ConsoleLog, sign_up

pytestmark = pytest.mark.e2e

STUDY = "/decks/fine-tuning-flashcards/study/"
FIRST_QUESTION = "What is Model Distillation?"
FIRST_ANSWER = "Reduce a whole LLM to a much smaller, scoped-down model"
SECOND_QUESTION = "Advantage to distilled models?"


def card_heading(page: Page):
    return page.locator("#card .card-question")


def count_loads(page: Page) -> list[str]:
    """Every full page load of the main frame, as it happens."""
    loads: list[str] = []
    page.on("load", lambda p: loads.append(p.url))
    return loads


def test_sign_up_flip_rate_and_undo_without_page_loads(
    page: Page, live_server, deck, console: ConsoleLog
):
    sign_up(page, live_server.url, "dana")
    expect(page.get_by_text("Welcome, dana!")).to_be_visible()
    dana = User.objects.get(username="dana")

    page.goto(live_server.url + STUDY)
    expect(card_heading(page)).to_have_text(FIRST_QUESTION)
    expect(page.locator("#card .card-category")).to_have_text("Distillation")
    expect(page.locator("#queue-progress")).to_contain_text("20 left today")
    expect(page.get_by_text(FIRST_ANSWER)).to_have_count(0)

    # A full page load would wipe this variable and fire "load" again.
    page.evaluate("window.studyMarker = 'same page'")
    loads = count_loads(page)

    page.keyboard.press("Space")
    expect(page.get_by_text(FIRST_ANSWER)).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^4 "))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^1 Not at all"))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^5 Perfectly"))).to_be_visible()
    assert not Review.objects.exists()

    page.keyboard.press("4")
    expect(card_heading(page)).to_have_text(SECOND_QUESTION)
    expect(page.locator("#queue-progress")).to_contain_text("19 left today")
    assert page.evaluate("window.studyMarker") == "same page"
    assert loads == []
    assert page.url == live_server.url + STUDY

    review = Review.objects.get()
    assert (review.user, review.card.question, review.rating) == (dana, FIRST_QUESTION, 4)
    assert CardState.objects.get(user=dana).card == review.card

    page.keyboard.press("u")
    expect(card_heading(page)).to_have_text(FIRST_QUESTION)
    expect(page.locator("#queue-progress")).to_contain_text("20 left today")
    assert page.evaluate("window.studyMarker") == "same page"
    assert loads == []
    assert Review.objects.count() == 0
    assert CardState.objects.count() == 0

    assert console.errors == []


def test_enter_flips_the_card_and_each_key_1_to_5_records_its_rating(
    page: Page, live_server, deck, console: ConsoleLog
):
    sign_up(page, live_server.url, "erin")
    page.goto(live_server.url + STUDY)
    page.evaluate("window.studyMarker = 'same page'")
    cards = list(Card.objects.filter(deck=deck).order_by("position")[:6])

    # New cards come in deck order, and a rated one is not due again for at
    # least a minute, so each key rates the next card of the deck.
    for rating, card in enumerate(cards[:5], start=1):
        expect(card_heading(page)).to_have_text(card.question)
        page.keyboard.press("Enter")
        expect(page.locator("#card-answer p")).to_have_text(card.answer)
        page.keyboard.press(str(rating))
        expect(card_heading(page)).to_have_text(cards[rating].question)

    assert page.evaluate("window.studyMarker") == "same page"
    recorded = list(Review.objects.order_by("id").values_list("card__position", "rating"))
    assert recorded == [(card.position, rating) for rating, card in enumerate(cards[:5], 1)]
    assert console.errors == []


def test_keys_6_and_0_do_not_rate(page: Page, live_server, deck, console: ConsoleLog):
    sign_up(page, live_server.url, "faye")
    page.goto(live_server.url + STUDY)
    page.keyboard.press("Space")
    expect(page.get_by_text(FIRST_ANSWER)).to_be_visible()

    page.keyboard.press("6")
    page.keyboard.press("0")
    # A real rating afterwards proves the keys above had their chance to act.
    page.keyboard.press("2")
    expect(card_heading(page)).to_have_text(SECOND_QUESTION)
    assert list(Review.objects.values_list("rating", flat=True)) == [2]
    assert console.errors == []


def test_the_same_flow_works_with_javascript_off(
    page_without_js: Page, live_server, deck, console: ConsoleLog
):
    page = page_without_js
    sign_up(page, live_server.url, "gus")
    gus = User.objects.get(username="gus")
    first = Card.objects.get(deck=deck, question=FIRST_QUESTION)

    page.goto(live_server.url + STUDY)
    expect(card_heading(page)).to_have_text(FIRST_QUESTION)

    with page.expect_navigation() as flip:
        page.get_by_role("link", name="Show answer").click()
    assert flip.value.status == 200
    assert page.url.startswith(
        f"{live_server.url}/decks/fine-tuning-flashcards/study/{first.pk}/answer/"
    )
    expect(page.get_by_text(FIRST_ANSWER)).to_be_visible()

    with page.expect_navigation() as rated:
        page.get_by_role("button", name=re.compile(r"^4 ")).click()
    redirect = rated.value.request.redirected_from
    assert redirect is not None
    assert redirect.method == "POST"
    assert redirect.url.endswith(f"/study/{first.pk}/rate/")
    assert redirect.response().status == 303
    assert page.url == live_server.url + STUDY
    expect(card_heading(page)).to_have_text(SECOND_QUESTION)
    expect(page.locator("#queue-progress")).to_contain_text("19 left today")

    review = Review.objects.get()
    assert (review.user, review.card, review.rating) == (gus, first, 4)

    with page.expect_navigation() as undone:
        page.get_by_role("button", name="Undo last rating").click()
    assert undone.value.request.redirected_from.response().status == 303
    expect(card_heading(page)).to_have_text(FIRST_QUESTION)
    assert Review.objects.count() == 0
    assert CardState.objects.count() == 0
    assert console.errors == []


def test_a_key_pressed_the_moment_a_card_arrives_stays_on_the_page(
    page: Page, live_server, deck, console: ConsoleLog
):
    """A fast "4 then Space" must not find the new card's link before htmx has wired it
    up: that click would be a plain link, a full page load."""
    sign_up(page, live_server.url, "hana")
    page.goto(live_server.url + STUDY)
    page.keyboard.press("Space")
    expect(page.get_by_text(FIRST_ANSWER)).to_be_visible()
    page.evaluate("window.studyMarker = 'same page'")
    loads = count_loads(page)

    # Press Space in the first task after the new card is swapped in: the
    # earliest moment a key from a person could arrive.
    page.evaluate(
        """() => document.addEventListener("htmx:afterSwap", () => setTimeout(() => {
            document.body.dispatchEvent(new KeyboardEvent("keydown", {key: " ", bubbles: true}));
        }), {once: true})"""
    )
    page.keyboard.press("4")
    expect(page.get_by_text("Smaller, faster, cheaper")).to_be_visible()
    expect(card_heading(page)).to_have_text(SECOND_QUESTION)
    assert page.evaluate("window.studyMarker") == "same page"
    assert loads == []
    assert page.url == live_server.url + STUDY
    assert console.errors == []


def test_the_study_page_refuses_an_injected_inline_script(
    page: Page, live_server, deck, console: ConsoleLog
):
    """The CSP (default-src 'self') stops an inline script that got into the page,
    and the browser reports it: the console check in the tests above would see one."""
    sign_up(page, live_server.url, "ivan")
    page.goto(live_server.url + STUDY)
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text) as refusal:
        page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.injected = true";
                document.body.append(script);
            }"""
        )
    assert refusal.value.type == "error"
    assert page.evaluate("window.injected") is None
    assert any("Content Security Policy" in error for error in console.errors)
