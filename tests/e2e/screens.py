"""The two screens the site is checked on, and the steps the look-and-feel tests share."""

from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from decks.models import Card, Deck

from .conftest import PASSWORD, ConsoleLog

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SCREENS = {"phone": PHONE, "desktop": DESKTOP}
# The narrowest phone still sold (an iPhone SE): checked for sideways scrolling too.
SMALL_PHONE = {"width": 320, "height": 568}
VIEWPORTS = {**SCREENS, "small-phone": SMALL_PHONE}

DECK = "/decks/fine-tuning-flashcards/"
STUDY = DECK + "study/"


@contextmanager
def screen_page(
    browser: Browser, console: ConsoleLog, screen: str, *, scheme: str = "light"
) -> Iterator[Page]:
    """A fresh page on a phone (touch, 2× pixels) or a desktop, in the system's light or dark."""
    phone = screen.endswith("phone")
    context = browser.new_context(
        viewport=VIEWPORTS[screen],
        device_scale_factor=2 if phone else 1,
        is_mobile=phone,
        has_touch=phone,
        color_scheme=scheme,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    console.attach(page)
    try:
        yield page
    finally:
        context.close()


def make_learner(username: str, *, new_cards_per_day: int = 20) -> User:
    return User.objects.create_user(
        username, password=PASSWORD, new_cards_per_day=new_cards_per_day
    )


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")


def choose_theme(page: Page, base_url: str, theme: str) -> None:
    """Pick "Light" or "Dark" on the settings page, as a person would."""
    page.goto(f"{base_url}/accounts/settings/")
    page.get_by_label("Theme").select_option(label=theme)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your settings are saved.")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("data-theme", theme.lower())


def settle(page: Page) -> None:
    """Wait until the flip animation (and any other) has played: measure the page at rest."""
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")


def flip(page: Page, card: Card) -> None:
    page.keyboard.press("Space")
    expect(page.locator("#card-answer")).to_contain_text(card.answer)
    settle(page)


def question_shown(page: Page, card: Card) -> None:
    expect(page.locator("#card [role=heading]")).to_have_text(card.question)
    settle(page)


def deck_cards(deck: Deck) -> list[Card]:
    return list(deck.cards.order_by("position", "id"))
