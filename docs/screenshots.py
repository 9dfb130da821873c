"""Screenshots of the study page, question and answer side, on a desktop and a phone.

    .venv/bin/python docs/screenshots.py

Starts the site on its own (a throwaway SQLite database in a temporary
directory, migrated, the bundled deck imported, one user), drives Debian's
Chromium through Playwright and writes docs/screenshots/*.png. It also
prints what a person would trip over: a page wider than the screen, or a
control smaller than a 44 × 44 px tap target.
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
PYTHON = sys.executable
DECK = ROOT / "decks" / "data" / "fine-tuning-flashcards.txt"
STUDY = "/decks/fine-tuning-flashcards/study/"
USERNAME = "sam"
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
    manage(
        env,
        "shell",
        "-c",
        "from accounts.models import User; "
        f"User.objects.create_user({USERNAME!r}, password={PASSWORD!r})",
    )
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


def log_in(page: Page, url: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill(USERNAME)
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


def shoot(browser: Browser, url: str, screen: str) -> list[str]:
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

    context.close()
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
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    for path in sorted(OUT.glob("study-*.png")):
        print(path.relative_to(ROOT))
    for problem in problems:
        print("problem:", problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
