"""Reading and importing a deck step by step, as the admin's progress page does:
the steps count every card, and end in what the plain functions return."""

import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from decks.formats import ParsedCard, ParsedDeck, export_parsed, read_deck, read_deck_in_steps
from decks.models import STORE_BATCH, Card, Deck, import_deck, import_deck_in_steps


def deck_of(count: int) -> ParsedDeck:
    return ParsedDeck(
        title="Counted",
        cards=[ParsedCard(f"Question {n}?", f"Answer {n}.", f"Part {n % 3}") for n in range(count)],
    )


def run(steps) -> tuple[list, object]:
    """Every step, and what the steps return."""
    seen = []
    while True:
        try:
            seen.append(next(steps))
        except StopIteration as done:
            return seen, done.value


@pytest.mark.parametrize("format", ["brainscape", "csv", "tsv", "apkg"])
def test_reading_counts_each_card_and_gives_what_read_deck_gives(format):
    data = export_parsed(deck_of(25), format, key="counted")
    name = f"counted.{'txt' if format == 'brainscape' else format}"
    counts, deck = run(read_deck_in_steps(data, filename=name))
    assert counts == list(range(1, 26))
    assert deck == read_deck(data, filename=name)


def test_reading_pasted_text_counts_each_card():
    text = ";".join(f"term {n} - definition {n}" for n in range(7)).encode()
    steps = read_deck_in_steps(
        text, format="pasted", title="Pasted", separator=" - ", card_separator=";"
    )
    counts, deck = run(steps)
    assert counts == list(range(1, 8))
    assert deck.cards[6].answer == "definition 6"


def test_a_brainscape_card_that_cannot_be_read_is_not_counted():
    text = "Deck\n\n(2 cards)\n\n1\nQ\n\nNo answer line\n\n2\nQ\n\nTwo?\n\nA\n\nYes\n"
    counts, deck = run(read_deck_in_steps(text.encode(), filename="deck.txt"))
    assert counts == [1]
    assert [card.question for card in deck.cards] == ["Two?"]
    assert "no answer" in str(deck.problems[0])


def test_a_large_paste_is_read_in_linear_time():
    # Each card's line used to be counted from the top of the text: 8 MB
    # pasted took two minutes. Now it takes well under a second.
    text = "".join(f"term {n} {'x' * 200}\tdefinition {n} {'y' * 200}\n" for n in range(20_000))
    start = time.monotonic()
    deck = read_deck(text.encode(), format="pasted", title="Big")
    assert time.monotonic() - start < 10
    assert [card.line for card in deck.cards[-2:]] == [19_999, 20_000]


@pytest.mark.django_db
def test_importing_counts_each_batch_and_gives_what_import_deck_gives():
    parsed = deck_of(2 * STORE_BATCH + 500)
    total = len(parsed.cards)
    counts, result = run(import_deck_in_steps(parsed=parsed))
    assert counts == [(STORE_BATCH, total), (2 * STORE_BATCH, total), (total, total)]
    assert (result.added, result.updated, result.unchanged) == (total, 0, 0)
    assert Card.objects.count() == total

    for n in (0, 1500, total - 1):
        card = parsed.cards[n]
        parsed.cards[n] = ParsedCard(card.question, card.answer + " Changed.", "New part")
    counts, result = run(import_deck_in_steps(parsed=parsed))
    assert counts == [(3, 3)]
    assert (result.added, result.updated, result.unchanged) == (0, 3, total - 3)
    changed = Card.objects.filter(answer__endswith=" Changed.").order_by("position")
    assert [(c.position, c.answer, c.category) for c in changed] == [
        (1, "Answer 0. Changed.", "New part"),
        (1501, "Answer 1500. Changed.", "New part"),
        (total, f"Answer {total - 1}. Changed.", "New part"),
    ]
    assert all(c.updated > c.created for c in changed)
    assert str(import_deck(parsed=parsed)).endswith(f"0 added, 0 updated, {total} unchanged")


@pytest.mark.django_db(transaction=True)
def test_closing_the_steps_midway_rolls_all_of_it_back():
    steps = import_deck_in_steps(parsed=deck_of(3 * STORE_BATCH))
    assert next(steps) == (STORE_BATCH, 3 * STORE_BATCH)
    assert connection.in_atomic_block
    steps.close()
    assert not connection.in_atomic_block
    assert not Deck.objects.exists() and not Card.objects.exists()


def test_the_command_says_where_the_database_refused_a_card(tmp_path, a_full_disk_at):
    path = tmp_path / "cards.csv"
    path.write_text("question,answer\nOne?,Yes\nTwo?,Yes\nThree?,Yes\n")
    a_full_disk_at("Two?")
    with pytest.raises(CommandError) as error:
        call_command("import_deck", str(path))
    assert "cards.csv: line 2: the database refused cards 1–3:" in str(error.value)
    assert "the disk is full" in str(error.value)
    assert not Deck.objects.exists() and not Card.objects.exists()
