"""Learners rating cards through a live server, as fast as they can, from several threads.

Every rating goes the way a browser sends it: open the card's answer side,
read the rating form (its CSRF token and the `reps` it was shown with), post
one of its buttons. Each outcome is kept, so the database can be compared
with what the server answered.
"""

import http.client
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from .live import Form, Visitor

DECK = "fine-tuning-flashcards"
ANSWER_LINK = re.compile(r'href="(/decks/[\w-]+/study/(\d+)/answer/[^"]*)"')


@dataclass(frozen=True)
class Outcome:
    """One rating posted: which showing of which card, the rating, and the answer's status
    (0 when the connection broke before any answer came)."""

    card: int
    reps: int
    rating: int
    status: int
    error: str = ""

    @property
    def key(self) -> tuple[int, int]:
        return (self.card, self.reps)

    @property
    def row(self) -> list[int]:
        return [self.card, self.reps, self.rating]


@dataclass
class Tally:
    """What all threads saw, under a lock."""

    posts: list[Outcome]
    failed_gets: list[str]
    lock: threading.Lock

    @classmethod
    def new(cls) -> "Tally":
        return cls([], [], threading.Lock())

    def accepted(self) -> list[Outcome]:
        """Ratings the server answered as a browser expects: 303 (no JS) or 200 (htmx)."""
        return [post for post in self.posts if post.status in (200, 303)]

    def broken(self) -> list[Outcome]:
        return [post for post in self.posts if post.status not in (200, 303)]


def deck_card_ids(visitor: Visitor) -> list[int]:
    """The deck's cards, read from the "Study" links of the progress page's card table."""
    page = visitor.get(f"/progress/{DECK}/")
    assert page.status == 200
    ids = sorted({int(i) for i in re.findall(r"/study/\?card=(\d+)", page.body)})
    assert len(ids) == 20
    return ids


# A request whose answer never came whole: a reset connection, or one a killed
# worker cut short mid-answer (IncompleteRead, an HTTPException, not an OSError).
LOST = (OSError, http.client.HTTPException)


def rate_once(
    visitor: Visitor, answer_path: str, rng: random.Random, tally: Tally, *, htmx: bool
) -> None:
    """Open a card's answer side and press one of its rating buttons."""
    try:
        page = visitor.get(answer_path)
    except LOST as exc:
        with tally.lock:
            tally.failed_gets.append(f"{answer_path}: {exc!r}")
        return
    if page.status != 200:
        with tally.lock:
            tally.failed_gets.append(f"{answer_path}: {page.status}")
        return
    form = Form.first(page.body, "/rate/")
    rating = rng.choice(form.buttons["rating"])
    card = int(re.search(r"/study/(\d+)/rate/", form.action)[1])
    data = {**form.fields, "rating": rating}
    try:
        response = visitor.post(form.action, data, headers={"HX-Request": "true"} if htmx else None)
        status, error = response.status, ""
    except LOST as exc:
        status, error = 0, repr(exc)
    with tally.lock:
        tally.posts.append(Outcome(card, int(data["reps"]), int(rating), status, error))


def run_threads(count: int, seconds: float, work: Callable[[int, float], None]) -> None:
    """`work(index, deadline)` in `count` threads that start together; re-raises any error."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def target(index: int) -> None:
        try:
            start.wait()
            work(index, time.monotonic() + seconds)
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    assert not any(thread.is_alive() for thread in threads), "a load thread hung"
    if errors:
        raise errors[0]


def own_cards_loop(
    visitor: Visitor, cards: list[int], tally: Tally, *, threads: int
) -> Callable[[int, float], None]:
    """Thread i rates cards i, i+threads, …: no two threads share a card, so every
    accepted rating must be exactly one review."""

    def work(index: int, deadline: float) -> None:
        rng = random.Random(index)
        mine = cards[index::threads]
        turn = 0
        while time.monotonic() < deadline:
            card = mine[turn % len(mine)]
            turn += 1
            rate_once(
                visitor,
                f"/decks/{DECK}/study/{card}/answer/",
                rng,
                tally,
                htmx=turn % 2 == 0,
            )

    return work


def shared_queue_loop(visitor: Visitor, tally: Tally) -> Callable[[int, float], None]:
    """Every thread follows the one study queue of the same person, like eight open tabs."""

    def work(index: int, deadline: float) -> None:
        rng = random.Random(100 + index)
        while time.monotonic() < deadline:
            page = visitor.get(f"/decks/{DECK}/study/?more=1")
            assert page.status == 200, page.status
            link = ANSWER_LINK.search(page.body)
            assert link, "the study page shows no card"
            rate_once(visitor, link[1].replace("&amp;", "&"), rng, tally, htmx=index % 2 == 0)

    return work
