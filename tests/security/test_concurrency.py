"""No rating lost or counted twice when one person rates from eight places at once.

gunicorn (4 sync worker processes, DEBUG off) serves a SQLite file in WAL
mode with IMMEDIATE transactions, or a PostgreSQL database when the run is
on PostgreSQL; eight threads of one learner rate cards through it.
Afterwards the database must hold exactly the ratings the server accepted,
and every card state must equal the replay of that person's review log.
"""

import random
import threading
from collections import defaultdict

from .live import Form, Visitor, check
from .load import DECK, Tally, deck_card_ids, own_cards_loop, run_threads, shared_queue_loop

THREADS = 8
SECONDS = 4


def test_eight_threads_on_their_own_cards_lose_and_double_nothing(live_site):
    visitor = Visitor(live_site.port)
    visitor.log_in("racer")
    cards = deck_card_ids(visitor)
    tally = Tally.new()

    run_threads(THREADS, SECONDS, own_cards_loop(visitor, cards, tally, threads=THREADS))

    assert tally.failed_gets == []
    assert tally.broken() == []
    accepted = tally.accepted()
    # Enough to race (two per thread); throughput on a shared machine is the bench's business.
    assert len(accepted) >= 2 * THREADS, f"only {len(accepted)} ratings in {SECONDS} s"
    result = check(live_site.env, "racer")
    # One review per accepted rating, with the rating as given: none lost, none doubled.
    assert result["reviews"] == sorted(post.row for post in accepted)
    assert result["problems"] == []
    assert result["states"] == len({post.card for post in accepted})
    assert live_site.server.errors() == []
    print(f"\n{live_site.database.kind}: {len(accepted)} concurrent ratings, 0 lost, 0 doubled")


def test_eight_tabs_on_one_queue_store_each_showing_once(live_site):
    """Tabs of one person are shown the same card and rate it at once: each
    showing (card, reps) is stored once, with one of the ratings posted for it."""
    visitor = Visitor(live_site.port)
    visitor.log_in("queue")
    tally = Tally.new()

    run_threads(THREADS, SECONDS, shared_queue_loop(visitor, tally))

    assert tally.failed_gets == []
    assert tally.broken() == []
    accepted = tally.accepted()
    posted: dict[tuple[int, int], set[int]] = defaultdict(set)
    for post in accepted:
        posted[post.key].add(post.rating)
    result = check(live_site.env, "queue")
    stored = {(card, seq): rating for card, seq, rating in result["reviews"]}
    assert len(stored) == len(result["reviews"]), "a showing was stored twice"
    assert set(stored) == set(posted)
    assert all(stored[key] in posted[key] for key in stored)
    assert result["problems"] == []
    # The tabs did collide; otherwise this test proves nothing about races.
    assert len(accepted) > len(stored)
    assert live_site.server.errors() == []
    print(
        f"\n{live_site.database.kind}: {len(accepted)} ratings from 8 tabs, "
        f"{len(stored)} showings stored, {len(accepted) - len(stored)} duplicates refused"
    )


def test_the_same_rating_posted_twice_at_once_is_one_review(live_site):
    """Two tabs show the same card and post at the same instant, for 20 cards
    (a new card with no state yet, then again with one): one review each time."""
    tabs = [Visitor(live_site.port), Visitor(live_site.port)]
    tabs[0].log_in("racer2")
    tabs[1].cookies = dict(tabs[0].cookies)
    cards = deck_card_ids(tabs[0])
    rounds = [(card, turn) for turn in range(2) for card in cards]
    statuses: list[int] = []
    lock = threading.Lock()

    for card, _ in rounds:
        forms = [
            Form.first(tab.get(f"/decks/{DECK}/study/{card}/answer/").body, "/rate/")
            for tab in tabs
        ]
        assert forms[0].fields["reps"] == forms[1].fields["reps"]
        together = threading.Barrier(2)

        def post(index: int, forms=forms, together=together) -> None:
            rating = random.Random(index).choice(forms[index].buttons["rating"])
            together.wait()
            response = tabs[index].post(
                forms[index].action, {**forms[index].fields, "rating": rating}
            )
            with lock:
                statuses.append(response.status)

        threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

    assert statuses == [303] * 2 * len(rounds)
    result = check(live_site.env, "racer2")
    assert sorted((card, seq) for card, seq, _ in result["reviews"]) == sorted(
        (card, turn) for card, turn in rounds
    )
    assert result["problems"] == []
    assert live_site.server.errors() == []
