"""The keyboard alone: log in, pick a deck, flip, rate and undo, with a focus ring
one can see on every stop; and the flipped answer announced to screen readers."""

import re

import pytest
from playwright.sync_api import Page, expect

from reviews.models import Review

from .conftest import PASSWORD, ConsoleLog
from .screens import STUDY, deck_cards, make_learner, screen_page

pytestmark = pytest.mark.e2e

# What a person sees of the focused element: its name, whether the browser
# draws its focus ring (:focus-visible) and how, and the colour the ring is
# drawn on: outline-offset puts it over the nearest painted ancestor.
FOCUS_JS = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
    let behind = "rgba(0, 0, 0, 0)";
    for (let up = el.parentElement; up; up = up.parentElement) {
        const colour = getComputedStyle(up).backgroundColor;
        if (colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent") { behind = colour; break; }
    }
    return {
        name: (el.getAttribute("aria-label") || label || el.innerText || el.id || el.tagName)
            .trim().replace(/\\s+/g, " "),
        tag: el.tagName.toLowerCase(),
        visible: el.matches(":focus-visible"),
        outlineStyle: style.outlineStyle,
        outlineWidth: parseFloat(style.outlineWidth),
        outlineColor: style.outlineColor,
        behind: behind,
    };
}"""

FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, summary"
# Where the focused element comes in the page's visible controls (-1: none of them).
FOCUS_INDEX_JS = f"""() => [...document.querySelectorAll("{FOCUSABLE}")]
    .filter((el) => el.checkVisibility() && !el.disabled)
    .indexOf(document.activeElement)"""
CONTROLS_JS = f"""() => [...document.querySelectorAll("{FOCUSABLE}")]
    .filter((el) => el.checkVisibility() && !el.disabled).length"""


def luminance(colour: str) -> float:
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", colour)[:3])

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(first: str, second: str) -> float:
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def ring_problem(stop: dict) -> str | None:
    """Why this focus ring would be hard to see, or None: WCAG's 3:1 for a focus indicator."""
    if not stop["visible"]:
        return f"{stop['name']!r}: not :focus-visible after a Tab"
    if stop["outlineStyle"] == "none" or stop["outlineWidth"] < 2:
        return f"{stop['name']!r}: no focus ring ({stop['outlineStyle']} {stop['outlineWidth']}px)"
    ratio = contrast(stop["outlineColor"], stop["behind"])
    if ratio < 3:
        return (
            f"{stop['name']!r}: ring {stop['outlineColor']} on {stop['behind']} "
            f"is only {ratio:.1f}:1"
        )
    return None


def matches(stop: dict, name: str | re.Pattern) -> bool:
    if isinstance(name, re.Pattern):
        return bool(name.search(stop["name"]))
    return stop["name"] == name


def tab_to(page: Page, name: str | re.Pattern, *, most: int = 60) -> list[dict]:
    """Press Tab until the named control has focus; every stop on the way, in order."""
    stops = []
    if matches(page.evaluate(FOCUS_JS), name):  # a field with autofocus
        return stops
    for _ in range(most):
        page.keyboard.press("Tab")
        stop = page.evaluate(FOCUS_JS)
        if stop["tag"] == "body":  # past the last control, before the first
            continue
        stops.append(stop)
        if matches(stop, name):
            return stops
    raise AssertionError(f"{most} Tabs never reached {name!r}: {[s['name'] for s in stops]}")


def assert_rings(stops: list[dict]) -> None:
    problems = [problem for stop in stops if (problem := ring_problem(stop))]
    assert problems == [], "\n".join(problems)


def live_region_text(page: Page) -> str:
    """The text of the aria-live region around the card (the closest one)."""
    return page.locator("#card").evaluate(
        """(card) => {
            const region = card.parentElement.closest("[aria-live]");
            return region ? region.getAttribute("aria-live") + ": " + region.innerText : "";
        }"""
    )


def test_a_whole_study_session_by_keyboard_alone(
    page: Page, live_server, deck, console: ConsoleLog
):
    cards = deck_cards(deck)
    make_learner("kay")
    base = live_server.url

    page.goto(base + "/accounts/login/")
    stops = tab_to(page, "Username")
    page.keyboard.type("kay")
    stops += tab_to(page, "Password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")
    assert_rings(stops)

    stops = tab_to(page, "Study Fine Tuning Flashcards")
    assert_rings(stops)
    page.keyboard.press("Enter")
    page.wait_for_url(base + STUDY)
    expect(page.locator("#card [role=heading]")).to_have_text(cards[0].question)

    # Tab + Enter on "Show answer": the answer arrives inside the live region.
    stops = tab_to(page, "Show answer")
    assert [stop["name"] for stop in stops][:2] == ["Skip to content", "Flashsite"]
    assert "Fine Tuning Flashcards" in [stop["name"] for stop in stops]
    assert_rings(stops)
    assert not live_region_text(page).count(cards[0].answer)
    page.keyboard.press("Enter")
    expect(page.locator("#card-answer")).to_contain_text(cards[0].answer)
    assert live_region_text(page).startswith("polite: ")
    assert cards[0].answer in live_region_text(page)
    # Focus waits on the card, not on a button a stray Enter would press.
    expect(page.locator("#card")).to_be_focused()

    # Tab + Enter on a rating button records that rating.
    stops = tab_to(page, re.compile(r"^4\b"))
    assert [stop["name"][:1] for stop in stops] == ["1", "2", "3", "4"]
    assert_rings(stops)
    page.keyboard.press("Enter")
    expect(page.locator("#card [role=heading]")).to_have_text(cards[1].question)
    assert list(Review.objects.values_list("card", "rating")) == [(cards[0].pk, 4)]

    # Space flips, 1-5 rate, each straight from the card.
    for card, key in zip(cards[1:6], "12355", strict=True):
        expect(page.locator("#card [role=heading]")).to_have_text(card.question)
        page.keyboard.press("Space")
        expect(page.locator("#card-answer")).to_contain_text(card.answer)
        assert card.answer in live_region_text(page)
        page.keyboard.press(key)
    expect(page.locator("#card [role=heading]")).to_have_text(cards[6].question)

    # U undoes the last rating: that card's question is back, and its review gone.
    page.keyboard.press("u")
    expect(page.locator("#card [role=heading]")).to_have_text(cards[5].question)
    recorded = list(Review.objects.order_by("id").values_list("card", "rating"))
    assert recorded == [(cards[0].pk, 4)] + [
        (card.pk, int(key)) for card, key in zip(cards[1:5], "1235", strict=True)
    ]

    # And Tab reaches Undo too, with its ring; Enter presses it.
    stops = tab_to(page, "Undo last rating")
    assert_rings(stops)
    page.keyboard.press("Enter")
    expect(page.locator("#card [role=heading]")).to_have_text(cards[4].question)
    assert Review.objects.count() == 4
    assert console.errors == []


def test_keep_studying_is_reached_by_keyboard_when_all_is_caught_up(
    page: Page, live_server, deck, console: ConsoleLog
):
    cards = deck_cards(deck)
    make_learner("kay", new_cards_per_day=1)
    page.goto(live_server.url + "/accounts/login/")
    tab_to(page, "Username")
    page.keyboard.type("kay")
    tab_to(page, "Password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + "/")
    page.goto(live_server.url + STUDY)
    page.keyboard.press("Enter")
    expect(page.locator("#card-answer")).to_contain_text(cards[0].answer)
    page.keyboard.press("5")
    expect(page.get_by_role("heading", name="All caught up")).to_be_visible()
    assert "All caught up" in live_region_text(page)

    stops = tab_to(page, "Keep studying")
    assert_rings(stops)
    page.keyboard.press("Enter")
    expect(page.locator("#queue-progress")).to_have_text("Extra practice")
    expect(page.locator("#card [data-flip]")).to_be_visible()
    assert console.errors == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    ("path", "signed_in"),
    [
        ("/", False),
        ("/accounts/login/", False),
        ("/accounts/signup/", False),
        ("/", True),
        ("/decks/fine-tuning-flashcards/", True),
        ("/accounts/settings/", True),
        ("/progress/fine-tuning-flashcards/", True),
    ],
)
def test_tab_reaches_every_control_of_a_page_with_a_visible_ring(
    browser, console: ConsoleLog, live_server, deck, path: str, signed_in: bool, scheme: str
):
    with screen_page(browser, console, "desktop", scheme=scheme) as page:
        if signed_in:
            make_learner("kay")
            page.goto(live_server.url + "/accounts/login/")
            page.get_by_label("Username").fill("kay")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(live_server.url + "/")
            if path.startswith("/progress/"):
                page.goto(live_server.url + STUDY)
                page.keyboard.press("Space")
                expect(page.locator("#card .rating")).to_be_visible()
                page.keyboard.press("4")
                expect(page.locator("#card [data-flip]")).to_be_visible()
        page.goto(live_server.url + path)
        controls = page.evaluate(CONTROLS_JS)
        assert controls > 3
        # Round the whole page and once more: a field with autofocus starts mid-way.
        stops, reached = [], set()
        for _ in range(controls + 2):
            page.keyboard.press("Tab")
            index = page.evaluate(FOCUS_INDEX_JS)
            if index >= 0:
                reached.add(index)
                stops.append(page.evaluate(FOCUS_JS))
        assert reached == set(range(controls)), f"{len(reached)} of {controls} reached by Tab"
        assert "Skip to content" in [stop["name"] for stop in stops]
        assert_rings(stops)
    assert console.errors == []
