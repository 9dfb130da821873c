"""Layout in Chromium: no sideways scrolling on any page, big tap targets and
rating buttons under the thumb on a phone, and dark mode from the system or
from the settings page."""

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import ConsoleLog
from .screens import (
    DECK,
    SCREENS,
    STUDY,
    VIEWPORTS,
    choose_theme,
    deck_cards,
    flip,
    log_in,
    make_learner,
    question_shown,
    screen_page,
    settle,
)

pytestmark = pytest.mark.e2e

ANONYMOUS_PAGES = ["/", DECK, "/decks/", "/accounts/login/", "/accounts/signup/"]
SIGNED_IN_PAGES = [
    "/",
    DECK,
    "/decks/",
    "/accounts/settings/",
    "/progress/",
    "/progress/fine-tuning-flashcards/",
]

# Every link and button a person can see, with the box a tap or click lands in.
TARGETS_JS = """() => [...document.querySelectorAll("a[href], button, summary, select, input")]
  .filter((el) => el.type !== "hidden")
  .filter((el) => el.checkVisibility())
  .map((el) => {
    const box = el.getBoundingClientRect();
    return {name: el.innerText.trim().replace(/\\s+/g, " ") || el.outerHTML.slice(0, 60),
            width: box.width, height: box.height, left: box.left, right: box.right};
  })
  .filter((target) => target.right > 0)"""

BOX_JS = """(el) => {
    const box = el.getBoundingClientRect();
    return {top: box.top, bottom: box.bottom, left: box.left, right: box.right};
}"""


def page_width(page: Page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def overflow(page: Page, path: str) -> list[str]:
    scroll_width, inner_width = page_width(page)
    if scroll_width > inner_width:
        return [f"{path}: {scroll_width}px wide in a {inner_width}px window"]
    return []


def small_targets(page: Page, side: str) -> list[str]:
    return [
        f"{side}: {t['name']!r} is {t['width']:.0f}×{t['height']:.0f}px"
        for t in page.evaluate(TARGETS_JS)
        if t["width"] < 44 or t["height"] < 44
    ]


def study_a_card(page: Page, base_url: str) -> None:
    """One rating, so the progress pages have figures, charts and a card table."""
    page.goto(base_url + STUDY)
    page.keyboard.press("Space")
    expect(page.locator("#card .rating")).to_be_visible()
    page.keyboard.press("4")
    expect(page.locator("#card [data-flip]")).to_be_visible()


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_no_page_scrolls_sideways(
    browser: Browser, console: ConsoleLog, live_server, deck, screen: str
):
    cards = deck_cards(deck)
    make_learner("lee", new_cards_per_day=1)
    problems = []
    with screen_page(browser, console, screen) as page:
        for path in ANONYMOUS_PAGES:
            page.goto(live_server.url + path)
            problems += overflow(page, f"{path} (anonymous)")

        log_in(page, live_server.url, "lee")
        for path in SIGNED_IN_PAGES:
            page.goto(live_server.url + path)
            problems += overflow(page, path)

        page.goto(live_server.url + STUDY)
        question_shown(page, cards[0])
        problems += overflow(page, "study, question")
        flip(page, cards[0])
        problems += overflow(page, "study, answer")
        page.keyboard.press("5")
        expect(page.get_by_role("heading", name="All caught up")).to_be_visible()
        problems += overflow(page, "study, all caught up")

        for path in ["/progress/", "/progress/fine-tuning-flashcards/"]:
            page.goto(live_server.url + path)
            expect(page.locator(".chart").first).to_be_visible()
            problems += overflow(page, f"{path} with a review")
    assert problems == [], "\n".join(problems)
    assert console.errors == []


def test_a_wide_table_scrolls_inside_itself_not_the_page(
    browser: Browser, console: ConsoleLog, live_server, deck
):
    """The check above can fail: the per-deck card table is wider than a phone, and only
    its own scroll box keeps the page from scrolling sideways."""
    make_learner("lee")
    with screen_page(browser, console, "phone") as page:
        log_in(page, live_server.url, "lee")
        study_a_card(page, live_server.url)
        page.goto(live_server.url + "/progress/fine-tuning-flashcards/")
        table = page.locator(".table-scroll")
        assert table.evaluate("(el) => el.scrollWidth > el.clientWidth")
        assert page_width(page)[0] <= SCREENS["phone"]["width"]
        table.evaluate("(el) => el.classList.remove('table-scroll')")
        assert page_width(page)[0] > SCREENS["phone"]["width"]


def test_every_link_and_button_of_the_study_page_is_a_44px_target_on_a_phone(
    browser: Browser, console: ConsoleLog, live_server, deck
):
    cards = deck_cards(deck)
    make_learner("lee", new_cards_per_day=1)
    with screen_page(browser, console, "phone") as page:
        log_in(page, live_server.url, "lee")
        page.goto(live_server.url + STUDY)
        question_shown(page, cards[0])
        problems = small_targets(page, "question")
        names = [t["name"] for t in page.evaluate(TARGETS_JS)]
        assert {"Show answer", "Undo last rating", "Fine Tuning Flashcards", "Log out lee"} <= set(
            names
        )

        flip(page, cards[0])
        problems += small_targets(page, "answer")
        assert len([name for name in page.evaluate(TARGETS_JS) if name["name"][:1] in "12345"]) == 5

        page.keyboard.press("5")
        expect(page.get_by_role("heading", name="All caught up")).to_be_visible()
        settle(page)
        problems += small_targets(page, "all caught up")
        assert "Keep studying" in [t["name"] for t in page.evaluate(TARGETS_JS)]
    assert problems == [], "\n".join(problems)
    assert console.errors == []


def test_every_link_and_button_of_every_page_is_a_44px_target_on_a_phone(
    browser: Browser, console: ConsoleLog, live_server, deck
):
    make_learner("lee")
    problems = []
    with screen_page(browser, console, "phone") as page:
        for path in ANONYMOUS_PAGES:
            page.goto(live_server.url + path)
            problems += small_targets(page, f"{path} (anonymous)")
        log_in(page, live_server.url, "lee")
        study_a_card(page, live_server.url)
        for path in [*SIGNED_IN_PAGES, "/accounts/delete/", "/accounts/password_change/"]:
            page.goto(live_server.url + path)
            problems += small_targets(page, path)
            names = [t["name"] for t in page.evaluate(TARGETS_JS)]
            if path == "/progress/fine-tuning-flashcards/":
                # The card table was measured: its sort links and Study links.
                assert {"Question", "Study this card"} <= set(names), names
    assert problems == [], "\n".join(problems)
    assert console.errors == []


def test_the_rating_buttons_sit_in_the_bottom_half_of_a_phone(
    browser: Browser, console: ConsoleLog, live_server, deck
):
    cards = deck_cards(deck)
    height = SCREENS["phone"]["height"]
    make_learner("lee")
    with screen_page(browser, console, "phone") as page:
        log_in(page, live_server.url, "lee")
        page.goto(live_server.url + STUDY)
        for card in cards[:5]:
            question_shown(page, card)
            show = page.evaluate(
                BOX_JS, page.get_by_role("link", name="Show answer").element_handle()
            )
            assert height / 2 <= show["top"] and show["bottom"] <= height, (card.question, show)
            flip(page, card)
            buttons = [
                page.evaluate(BOX_JS, button)
                for button in page.locator("button.rate").element_handles()
            ]
            assert len(buttons) == 5
            for box in buttons:
                assert height / 2 <= box["top"] and box["bottom"] <= height, (card.question, box)
            page.keyboard.press("3")
        # Let the last rating finish before the test's database is flushed under it.
        question_shown(page, cards[5])
    assert console.errors == []


def background(page: Page) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def text_colour(page: Page) -> str:
    return page.evaluate("getComputedStyle(document.body).color")


@pytest.mark.parametrize("screen", SCREENS)
def test_dark_mode_follows_the_system_and_the_settings_override_it(
    browser: Browser, console: ConsoleLog, live_server, deck, screen: str
):
    make_learner("lee")
    looks = {}
    for scheme in ("light", "dark"):
        with screen_page(browser, console, screen, scheme=scheme) as page:
            page.goto(live_server.url + "/accounts/login/")
            looks[scheme] = (background(page), text_colour(page))
    assert looks["light"] != looks["dark"]
    assert looks["light"][0] == "rgb(245, 246, 248)"
    assert looks["dark"][0] == "rgb(18, 20, 24)"

    # A dark system, the light theme chosen: light everywhere, card included.
    with screen_page(browser, console, "desktop", scheme="dark") as page:
        log_in(page, live_server.url, "lee")
        assert (background(page), text_colour(page)) == looks["dark"]
        choose_theme(page, live_server.url, "Light")
        assert (background(page), text_colour(page)) == looks["light"]
        page.goto(live_server.url + STUDY)
        assert (background(page), text_colour(page)) == looks["light"]
        assert page.locator("#card").evaluate("(el) => getComputedStyle(el).backgroundColor") == (
            "rgb(255, 255, 255)"
        )

    # A light system, the dark theme chosen: dark.
    with screen_page(browser, console, screen, scheme="light") as page:
        log_in(page, live_server.url, "lee")
        assert (background(page), text_colour(page)) == looks["light"]
        choose_theme(page, live_server.url, "Dark")
        assert (background(page), text_colour(page)) == looks["dark"]

        # "Same as my device" hands the choice back to the system.
        choose_auto = page.get_by_label("Theme")
        choose_auto.select_option(label="Same as my device")
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_text("Your settings are saved.")).to_be_visible()
        expect(page.locator("html")).not_to_have_attribute("data-theme", "dark")
        assert (background(page), text_colour(page)) == looks["light"]
    assert console.errors == []
