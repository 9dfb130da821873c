"""Screenshots of the site on a desktop and a phone, light and dark: the study
page (question and answer side), the home page and the progress page.

    .venv/bin/python docs/screenshots.py

Starts the site on its own (a throwaway SQLite database in a temporary
directory, migrated, the bundled deck imported), drives Debian's Chromium
through Playwright and writes docs/screenshots/*.png. Two learners: sam, new,
for the study page; ria, for the home and progress pages, with three weeks of
reviews replayed through the real scheduler (record_review, as if she had
studied each morning) and then a few cards studied in the browser today.

It also prints what a person would trip over: a page wider than the screen,
or a control smaller than a 44 × 44 px tap target.
"""

import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PYTHON = sys.executable
DECK = ROOT / "decks" / "data" / "fine-tuning-flashcards.txt"
STUDY = "/decks/fine-tuning-flashcards/study/"
PROGRESS = "/progress/fine-tuning-flashcards/"
USERNAME = "sam"
LEARNER = "ria"
PASSWORD = "violet-anchor-tram-42"

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

# name: (viewport, device scale, phone?, colour scheme)
SCREENS = {
    "desktop": ({"width": 1280, "height": 800}, 1, False, "light"),
    "phone": ({"width": 390, "height": 844}, 2, True, "light"),
    "desktop-dark": ({"width": 1280, "height": 800}, 1, False, "dark"),
    "phone-dark": ({"width": 390, "height": 844}, 2, True, "dark"),
}

# Controls inside the page's main area that a thumb or a mouse must hit.
SMALL_TARGETS_JS = """() => [...document.querySelectorAll("main a, main button")]
  .filter((el) => el.offsetParent !== null)
  .map((el) => ({text: el.innerText.trim().replace(/\\s+/g, " "), box: el.getBoundingClientRect()}))
  .filter(({box}) => box.width < 44 || box.height < 44)
  .map(({text, box}) => `${text} (${Math.round(box.width)}×${Math.round(box.height)})`)"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def add_learners() -> None:
    """sam, who has never studied; ria, with three weeks of mornings of study behind her.

    Her reviews go through record_review, so every schedule in them is FSRS's
    own. Runs before Playwright starts: Django refuses ORM calls from a thread
    running an event loop.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "flashsite.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from accounts.models import User
    from decks.models import Card
    from reviews.models import CardState, record_review

    User.objects.create_user(USERNAME, password=PASSWORD)
    ria = User.objects.create_user(LEARNER, password=PASSWORD, new_cards_per_day=4)
    cards = list(Card.objects.filter(deck__slug="fine-tuning-flashcards").order_by("position"))
    rng = random.Random(7)
    today = datetime.now(UTC).date()
    # Most mornings for three weeks, with a break: streaks and a calendar with gaps.
    for days_ago in [21, 20, 19, 18, 16, 15, 14, 13, 12, 9, 8, 7, 6, 5, 4, 3, 2, 1]:
        now = datetime.combine(today - timedelta(days=days_ago), clock(7, 30), UTC)
        states = {state.card_id: state for state in CardState.objects.filter(user=ria)}
        due = [card for card in cards if card.pk in states and states[card.pk].due <= now]
        new = [card for card in cards if card.pk not in states][:4]
        for card in due + new:
            state = states.get(card.pk)
            now += timedelta(seconds=rng.randint(4, 20))
            record_review(
                user=ria,
                card=card,
                rating=rng.choice([1, 2, 3, 3, 4, 4, 4, 5, 5]),
                now=now,
                shown_reps=state.reps if state else 0,
                duration_ms=rng.randint(2500, 14000),
            )


def start_site(workdir: Path) -> tuple[subprocess.Popen, str]:
    """Set up a fresh database and serve the site with runserver, as `make run` does."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "DJANGO_DEBUG": "1",
        "PYTHONUNBUFFERED": "1",
    }
    manage(env, "migrate", "--noinput")
    manage(env, "import_deck", str(DECK))
    os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    add_learners()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (workdir / "server.log").open("w")
    server = subprocess.Popen(  # noqa: S603
        [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            with urlopen(f"{url}/healthz", timeout=1):  # noqa: S310 (our own local server)
                return server, url
        except (URLError, ConnectionError):
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise SystemExit(f"the site did not start:\n{(workdir / 'server.log').read_text()}")
            time.sleep(0.2)


def log_in(page: Page, url: str, username: str = USERNAME) -> None:
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}/")


def check_layout(page: Page, name: str) -> list[str]:
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    if width > viewport:
        problems.append(f"{name}: the page is {width}px wide on a {viewport}px screen")
    for target in page.evaluate(SMALL_TARGETS_JS):
        problems.append(f"{name}: small tap target {target}")
    return problems


def new_page(browser: Browser, screen: str) -> tuple[Page, list[str]]:
    viewport, scale, phone, scheme = SCREENS[screen]
    context = browser.new_context(
        viewport=viewport,
        device_scale_factor=scale,
        is_mobile=phone,
        has_touch=phone,
        color_scheme=scheme,
        reduced_motion="reduce",
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return page, errors


def study_today(browser: Browser, url: str) -> None:
    """ria studies what is due this morning, a few cards, by keyboard."""
    page, errors = new_page(browser, "desktop")
    log_in(page, url, LEARNER)
    page.goto(url + STUDY)
    for rating in "4354":
        page.locator("#card [data-flip]").wait_for()
        page.keyboard.press("Space")
        page.locator("#card .rating").wait_for()
        page.keyboard.press(rating)
    page.locator("#card [data-flip], #card.card-done").wait_for()
    page.context.close()
    if errors:
        raise SystemExit(f"studying broke the page: {errors}")


def shoot_pages(browser: Browser, url: str, screen: str) -> list[str]:
    """The home page signed out and in, and ria's progress page."""
    viewport = SCREENS[screen][0]
    page, errors = new_page(browser, screen)
    problems = []
    if not screen.endswith("dark"):
        page.goto(url + "/")
        problems += check_layout(page, f"{screen} welcome")
        page.screenshot(path=OUT / f"welcome-{screen}.png", full_page=True)
    log_in(page, url, LEARNER)
    problems += check_layout(page, f"{screen} home")
    page.screenshot(path=OUT / f"home-{screen}.png", full_page=True)
    page.goto(url + PROGRESS)
    page.locator(".heatmap").wait_for()
    problems += check_layout(page, f"{screen} progress")
    page.screenshot(path=OUT / f"progress-{screen}.png", full_page=True)
    if not screen.endswith("dark"):
        # The first screenful as a person sees it: a README-sized picture.
        page.screenshot(path=OUT / f"progress-top-{screen}.png", clip={"x": 0, "y": 0, **viewport})
    page.context.close()
    return problems + [f"{screen}: console error {error}" for error in errors]


def shoot(browser: Browser, url: str, screen: str) -> list[str]:
    viewport = SCREENS[screen][0]
    page, errors = new_page(browser, screen)
    log_in(page, url)

    page.goto(url + STUDY)
    page.locator("#card [data-flip]").wait_for()
    problems = check_layout(page, f"{screen} question")
    page.screenshot(path=OUT / f"study-question-{screen}.png", animations="disabled")

    page.get_by_role("link", name="Show answer").click()
    page.locator("#card .rating").wait_for()
    problems += check_layout(page, f"{screen} answer")
    page.screenshot(path=OUT / f"study-answer-{screen}.png", animations="disabled")
    if (
        page.evaluate("document.querySelector('.rating-buttons').getBoundingClientRect().bottom")
        > viewport["height"]
    ):
        problems.append(f"{screen} answer: the rating buttons are below the fold")

    page.context.close()
    return problems + [f"{screen}: console error {error}" for error in errors]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="flashsite-shots-") as tmp:
        server, url = start_site(Path(tmp))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
                )
                problems = []
                for screen in SCREENS:
                    problems += shoot(browser, url, screen)
                study_today(browser, url)
                for screen in SCREENS:
                    problems += shoot_pages(browser, url, screen)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    for path in sorted(OUT.glob("*.png")):
        print(path.relative_to(ROOT))
    for problem in problems:
        print("problem:", problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
