"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Playwright never downloads a browser of its own: it launches /usr/bin/chromium
(CI installs it; locally `apt-get install chromium`).
"""

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

# Playwright's sync API runs an asyncio event loop in this thread, and Django
# refuses ORM calls from a thread with a running loop unless told it is safe.
# Here it is: the test talks to the database only between browser actions.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# A password Django's validators accept: 12+ characters, not a common one.
PASSWORD = "violet-anchor-tram-42"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class ConsoleLog:
    """What the page reported as broken: console errors and uncaught exceptions.

    A CSP violation (an inline script or style) shows up here too.
    """

    def __init__(self) -> None:
        self.errors: list[str] = []

    def attach(self, page: Page) -> None:
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} ({message.location.get('url', '')})")


def _open_page(context: BrowserContext, log: ConsoleLog) -> Page:
    page = context.new_page()
    page.set_default_timeout(10_000)
    log.attach(page)
    return page


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def page(browser: Browser, console: ConsoleLog, live_server) -> Iterator[Page]:
    """A fresh browser context (no cookies) and page, with JavaScript on."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield _open_page(context, console)
    context.close()


@pytest.fixture
def page_without_js(browser: Browser, console: ConsoleLog, live_server) -> Iterator[Page]:
    """A fresh browser context with JavaScript switched off: links, forms and redirects only."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, java_script_enabled=False
    )
    yield _open_page(context, console)
    context.close()


def sign_up(page: Page, base_url: str, username: str) -> None:
    """Create an account through the real sign-up form, as a visitor would."""
    page.goto(f"{base_url}/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{base_url}/")
