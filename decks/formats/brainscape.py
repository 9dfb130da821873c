"""Brainscape's text export, the format the bundled deck came in.

    Fine Tuning Flashcards
    (20 cards)
    1
    Q
    Distillation            <- category
    What is ...?            <- question, any number of lines
    A
    Reduce a whole LLM ...  <- answer, any number of lines
    How well did you know this?
    1
    Not at all
    2
    3
    4
    5
    Perfectly               <- the rating block is optional
    2
    Q
    ...

Blank lines may stand between any two of these. A line holding only a number
starts a card only when a `Q` line follows it, so an answer that is itself a
number stays an answer.

Between `Q` and `A`, the first line is the category when more lines follow
it; a lone line is the question of a card without category. Brainscape's
exports always name a category (it is the deck within a class), and so does
`export` whenever the question has more than one line, using the deck's title
for a card that has none.

What the format cannot hold, and so `export` cannot write back exactly:
a question line that is exactly `A` (it ends the question), a line that is
exactly `Q` after a number (it starts a card), a line that is exactly the
rating prompt followed by the rating block, a title or category of more than
one line, and spaces at the ends of lines.
"""

import re
from collections.abc import Generator

from .base import DeckFormatError, ParsedDeck, clean_line, decode_text, finish

COUNT_RE = re.compile(r"^\((\d+) cards?\)$")
NUMBER_RE = re.compile(r"^[0-9]+$")
RATING_PROMPT = "How well did you know this?"
RATING_BLOCK = ["1", "Not at all", "2", "3", "4", "5", "Perfectly"]


class _Lines:
    """The file's lines; indexes are 0-based, line numbers in messages 1-based."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")

    def __len__(self) -> int:
        return len(self.lines)

    def text(self, i: int) -> str:
        return self.lines[i].strip()

    def next_nonblank(self, i: int) -> int | None:
        while i < len(self.lines) and not self.lines[i].strip():
            i += 1
        return i if i < len(self.lines) else None

    def card_number_at(self, i: int) -> int | None:
        """The card number on line i, if a card starts there: a number, then `Q`."""
        if not NUMBER_RE.match(self.text(i)):
            return None
        j = self.next_nonblank(i + 1)
        return int(self.text(i)) if j is not None and self.text(j) == "Q" else None

    def next_card(self, i: int) -> int | None:
        while i < len(self.lines):
            if self.card_number_at(i) is not None:
                return i
            i += 1
        return None

    def rating_block_end(self, i: int) -> int | None:
        """If the rating block starts at line i, the index just past it."""
        if self.text(i) != RATING_PROMPT:
            return None
        j: int | None = i + 1
        for expected in RATING_BLOCK:
            j = self.next_nonblank(j)
            if j is None or self.text(j) != expected:
                return None
            j += 1
        return j


def read(data: bytes) -> ParsedDeck:
    """The deck and every problem found in it; DeckFormatError only when the
    file is not text or has no title at all."""
    return finish(read_in_steps(data))


def read_in_steps(data: bytes) -> Generator[int, None, ParsedDeck]:
    """`read`, yielding the number of cards read so far after each card."""
    lines = _Lines(decode_text(data))
    title_at = lines.next_nonblank(0)
    if title_at is None:
        raise DeckFormatError("the file is empty")
    deck = ParsedDeck(title=clean_line(lines.lines[title_at]), format="brainscape")

    declared: int | None = None
    count_at = lines.next_nonblank(title_at + 1)
    pos = len(lines) if count_at is None else count_at
    if count_at is not None:
        match = COUNT_RE.match(lines.text(count_at))
        if match:
            declared = int(match.group(1))
            pos = count_at + 1
        else:
            deck.problem(
                f'expected the card count, e.g. "(20 cards)", found {lines.text(count_at)!r}',
                count_at + 1,
            )

    number = 1
    while (start := lines.next_nonblank(pos)) is not None:
        found = lines.card_number_at(start)
        if found is None:
            deck.problem(f"expected card number {number}, found {lines.text(start)!r}", start + 1)
            pos = lines.next_card(start + 1) or len(lines)
            continue
        if found != number:
            deck.problem(
                f"cards are numbered out of order: expected card {number}, found {found}",
                start + 1,
            )
            number = found
        before = len(deck.cards)
        pos = _read_card(lines, deck, number, start)
        number += 1
        if len(deck.cards) > before:
            yield len(deck.cards)

    if declared is not None and declared != len(deck.cards):
        deck.problem(
            f"the file says ({declared} cards) but holds {len(deck.cards)}", (count_at or 0) + 1
        )
    return deck


def _read_card(lines: _Lines, deck: ParsedDeck, number: int, start: int) -> int:
    """Read the card whose number is on line `start`; return where the next begins."""
    q_at = lines.next_nonblank(start + 1)
    assert q_at is not None  # card_number_at saw the Q line
    body: list[int] = []
    i = q_at + 1
    while i < len(lines) and lines.text(i) != "A":
        if lines.card_number_at(i) is not None:
            break
        body.append(i)
        i += 1
    if i >= len(lines) or lines.text(i) != "A":
        deck.problem(f'card {number} has a question but no answer (no "A" line)', start + 1)
        return i

    nonblank = [j for j in body if lines.text(j)]
    if len(nonblank) > 1:
        category = lines.text(nonblank[0])
        question = [lines.lines[j] for j in body if j > nonblank[0]]
    else:
        category, question = "", [lines.lines[j] for j in body]

    answer: list[str] = []
    i += 1
    while i < len(lines):
        block_end = lines.rating_block_end(i)
        if block_end is not None:
            i = block_end
            break
        if lines.card_number_at(i) is not None:
            break
        answer.append(lines.lines[i])
        i += 1
    deck.add_card("\n".join(question), "\n".join(answer), category, line=start + 1)
    return i


def parse(data: bytes) -> ParsedDeck:
    """The deck, or DeckFormatError naming the line of every problem."""
    return read(data).validate().check()


def export(deck: ParsedDeck) -> str:
    """The text Brainscape writes, so that parse(export(deck)) gives back the same cards."""
    out = [deck.title, "", f"({len(deck.cards)} cards)", ""]
    for number, card in enumerate(deck.cards, start=1):
        out += [str(number), "Q", ""]
        category = card.category
        if not category and "\n" in card.question.strip():
            category = deck.title
        if category:
            out += [category, ""]
        out += [card.question, "", "A", "", card.answer, "", RATING_PROMPT, *RATING_BLOCK]
    return "\n".join(out) + "\n"
