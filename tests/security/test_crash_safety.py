"""A worker killed mid-request loses that request only; the database stays whole.

gunicorn's sync workers handle one request each, so SIGKILL (what the
kernel's out-of-memory killer sends) takes at most the one request in flight.
Its transaction never commits half-way: PostgreSQL rolls back when the
connection drops, SQLite when the next writer finds the unfinished WAL frames.
"""

import time

from .live import Visitor, check
from .load import DECK, Tally, deck_card_ids, own_cards_loop, run_threads

THREADS = 8
SECONDS = 6
KILLS = 3


def test_sigkill_of_a_worker_during_load_loses_only_its_request(live_site):
    visitor = Visitor(live_site.port, timeout=20)
    visitor.log_in("crasher")
    cards = deck_card_ids(visitor)
    tally = Tally.new()
    killed: list[int] = []
    load = own_cards_loop(visitor, cards, tally, threads=THREADS)

    def work(index: int, deadline: float) -> None:
        if index == THREADS:
            # The killer: three workers, one second apart, while the others rate.
            for _ in range(KILLS):
                time.sleep(1.5)
                killed.append(live_site.server.kill_worker())
            return
        load(index, deadline)

    run_threads(THREADS + 1, SECONDS, work)

    assert len(killed) == KILLS
    accepted = tally.accepted()
    lost = tally.broken() + [None] * len(tally.failed_gets)
    # Only requests in flight on a killed worker fail: one at most per kill.
    assert len(lost) <= KILLS
    assert all(post.status == 0 for post in tally.broken())
    result = check(live_site.env, "crasher")
    stored = [tuple(row) for row in result["reviews"]]
    # Every accepted rating is stored once; a rating whose answer never came
    # (killed mid-request) is stored once or not at all; nothing else is.
    for post in accepted:
        assert stored.count(tuple(post.row)) == 1
    extra = set(stored) - {tuple(post.row) for post in accepted}
    assert extra <= {tuple(post.row) for post in tally.broken()}
    assert len(stored) == len(set(stored))
    assert result["problems"] == []

    # The server replaced its workers and goes on serving, writes included.
    deadline = time.monotonic() + 20
    while len(live_site.server.worker_pids()) < live_site.server.workers:
        assert time.monotonic() < deadline, "gunicorn did not replace the killed workers"
        time.sleep(0.2)
    assert not set(killed) & set(live_site.server.worker_pids())
    before = len(stored)
    after = Tally.new()
    run_threads(1, 1, own_cards_loop(visitor, cards, after, threads=1))
    assert after.broken() == [] and after.failed_gets == [] and after.accepted()
    assert len(check(live_site.env, "crasher")["reviews"]) == before + len(after.accepted())
    assert visitor.get(f"/progress/{DECK}/").status == 200
    assert [line for line in live_site.server.errors() if "SIGKILL" not in line] == []
    print(
        f"\n{live_site.database.kind}: {len(accepted)} ratings, {KILLS} workers killed, "
        f"{len(lost)} in-flight requests lost, {len(extra)} of them committed, replay consistent"
    )
