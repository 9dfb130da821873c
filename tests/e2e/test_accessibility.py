"""axe-core on every page a learner sees: no serious or critical violation, on a
390-px phone and a 1280-px desktop, in light, in the system's dark, and in the
dark theme chosen in settings.

axe-core comes from npm (package.json, `make` runs `npm ci`). The page's CSP
(default-src 'self') refuses it as an inline <script>, so it is evaluated
through the DevTools protocol instead: the pages are checked under their real
CSP, and a violation of it still shows in the console log.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from reviews.models import Review

from .conftest import ConsoleLog
from .screens import (
    DECK,
    STUDY,
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

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"

# The three looks: (system colour scheme, theme chosen in settings).
MODES = {
    "light": ("light", None),
    "dark": ("dark", None),
    "dark-theme": ("light", "Dark"),
}

RUN_AXE_JS = """async () => {
    const result = await axe.run(document, {resultTypes: ["violations"]});
    return result.violations.map((v) => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
    }));
}"""


@pytest.fixture(scope="module")
def axe_source() -> str:
    assert AXE.exists(), "axe-core is missing: run `npm ci` (make does it)"
    return AXE.read_text()


class Audit:
    """Runs axe-core on each page it is shown and keeps its serious and critical findings."""

    def __init__(self, page: Page, source: str, label: str) -> None:
        self.page, self.source, self.label = page, source, label
        self.checked: list[str] = []
        self.problems: list[str] = []

    def check(self, name: str) -> None:
        settle(self.page)
        if not self.page.evaluate("typeof window.axe === 'object'"):
            self.page.evaluate(self.source)
        for violation in self.page.evaluate(RUN_AXE_JS):
            if violation["impact"] in ("serious", "critical"):
                nodes = "\n      ".join(violation["nodes"][:5])
                self.problems.append(
                    f"{self.label} {name}: {violation['id']} ({violation['impact']}): "
                    f"{violation['help']}\n      {nodes}"
                )
        self.checked.append(name)


def open_all_details(page: Page) -> None:
    """Unfold every chart's "Show the numbers", so its table is checked too."""
    page.locator("details summary").evaluate_all("(all) => all.forEach((s) => s.click())")
    expect(page.locator("details:not([open])")).to_have_count(0)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("screen", ["phone", "desktop"])
def test_every_page_has_no_serious_or_critical_violation(
    browser, console: ConsoleLog, live_server, deck, axe_source: str, screen: str, mode: str
):
    scheme, theme = MODES[mode]
    base = live_server.url
    cards = deck_cards(deck)
    # Three new cards a day: after three ratings the study page is "All caught up".
    make_learner("lee", new_cards_per_day=3)

    with screen_page(browser, console, screen, scheme=scheme) as page:
        audit = Audit(page, axe_source, f"{screen}/{mode}")
        if theme is None:  # without an account there is no theme to choose
            page.goto(base + "/")
            expect(page.get_by_role("link", name="Sign up free")).to_be_visible()
            audit.check("home, anonymous")
            page.goto(base + DECK)
            expect(page.get_by_role("link", name="Log in to study")).to_be_visible()
            audit.check("deck, anonymous")
            page.goto(base + "/accounts/login/")
            audit.check("log in")
            page.goto(base + "/accounts/signup/")
            audit.check("sign up")
            # A form sent back with its errors shows them in colour: check them too.
            page.get_by_label("Username").fill("lee")
            page.get_by_label("Password", exact=True).fill("short")
            page.get_by_label("Password confirmation").fill("other")
            page.get_by_role("button", name="Sign up").click()
            expect(page.locator(".field-errors").first).to_be_visible()
            audit.check("sign up, with errors")

        log_in(page, base, "lee")
        if theme:
            choose_theme(page, base, theme)
        audit.check("settings")

        page.goto(base + "/")
        expect(page.get_by_role("heading", name="My decks")).to_be_visible()
        audit.check("home")
        page.goto(base + DECK)
        expect(page.get_by_role("link", name="Study", exact=True)).to_be_visible()
        audit.check("deck")

        page.goto(base + STUDY)
        for number, (card, rating) in enumerate(zip(cards, [5, 4, 3], strict=False)):
            question_shown(page, card)
            if number == 0:
                audit.check("study, question side")
            flip(page, card)
            if number == 0:
                audit.check("study, answer side")
            page.keyboard.press(str(rating))
        expect(page.get_by_role("heading", name="All caught up")).to_be_visible()
        audit.check("study, all caught up")
        assert Review.objects.count() == 3

        page.goto(base + "/progress/")
        expect(page.locator(".chart").first).to_be_visible()
        open_all_details(page)
        audit.check("progress")
        page.goto(base + "/progress/fine-tuning-flashcards/")
        expect(page.get_by_role("heading", name="Cards, weakest first")).to_be_visible()
        open_all_details(page)
        audit.check("progress of a deck")

        if theme:
            expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert audit.problems == [], "\n" + "\n".join(audit.problems)
    assert len(audit.checked) == (13 if theme is None else 8)
    assert console.errors == []
