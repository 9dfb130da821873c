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
ends an answer only when it is the next card's number and a `Q` line follows,
so an answer that is itself a number stays an answer.
"""

import re

from . import DeckFormatError, ParsedCard, ParsedDeck, decode_text

COUNT_RE = re.compile(r"^\((\d+) cards?\)$")
RATING_PROMPT = "How well did you know this?"
RATING_BLOCK = ["1", "Not at all", "2", "3", "4", "5", "Perfectly"]


class _Lines:
    """The file's lines with a cursor; line numbers are 1-based for messages."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.pos = 0

    def at_end(self) -> bool:
        return self.next_nonblank() is None

    def next_nonblank(self, start: int | None = None) -> int | None:
        i = self.pos if start is None else start
        while i < len(self.lines) and not self.lines[i].strip():
            i += 1
        return i if i < len(self.lines) else None

    def take_nonblank(self, what: str) -> tuple[str, int]:
        i = self.next_nonblank()
        if i is None:
            raise DeckFormatError(f"the file ends where {what} was expected", len(self.lines))
        self.pos = i + 1
        return self.lines[i].strip(), i + 1

    def card_starts_at(self, i: int, number: int) -> bool:
        """Line i is `number` and the next non-blank line is `Q`."""
        if self.lines[i].strip() != str(number):
            return False
        j = self.next_nonblank(i + 1)
        return j is not None and self.lines[j].strip() == "Q"

    def any_card_starts_at(self, i: int) -> bool:
        text = self.lines[i].strip()
        return text.isdigit() and self.card_starts_at(i, int(text))

    def rating_block_at(self, i: int) -> int | None:
        """If the rating block starts at line i, the index just past it."""
        if self.lines[i].strip() != RATING_PROMPT:
            return None
        j = i + 1
        for expected in RATING_BLOCK:
            j = self.next_nonblank(j)
            if j is None or self.lines[j].strip() != expected:
                return None
            j += 1
        return j


def _join(lines: list[str]) -> str:
    """Lines as written, without the blank lines around them."""
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return "\n".join(line.rstrip() for line in lines)


def parse(data: bytes) -> ParsedDeck:
    lines = _Lines(decode_text(data))
    title, _ = lines.take_nonblank("the deck's title")
    count_text, count_line = lines.take_nonblank('the card count, e.g. "(20 cards)"')
    match = COUNT_RE.match(count_text)
    if not match:
        raise DeckFormatError(
            f'expected the card count, e.g. "(20 cards)", found {count_text!r}', count_line
        )
    declared = int(match.group(1))

    deck = ParsedDeck(title=title)
    number = 1
    while not lines.at_end():
        start = lines.next_nonblank()
        assert start is not None
        found = lines.lines[start].strip()
        if not lines.card_starts_at(start, number):
            if lines.any_card_starts_at(start):
                raise DeckFormatError(
                    f"cards are numbered out of order: expected card {number}, found {found}",
                    start + 1,
                )
            raise DeckFormatError(f"expected card number {number}, found {found!r}", start + 1)
        lines.pos = start + 1
        lines.take_nonblank('"Q"')
        category, category_line = lines.take_nonblank(f"card {number}'s category")
        if category == "A":
            raise DeckFormatError(f"card {number} has no category and no question", category_line)

        question: list[str] = []
        while True:
            if lines.pos >= len(lines.lines):
                raise DeckFormatError(
                    f'card {number} has a question but no answer (no "A" line)', start + 1
                )
            i = lines.pos
            text = lines.lines[i].strip()
            if text == "A":
                lines.pos = i + 1
                break
            if lines.any_card_starts_at(i):
                raise DeckFormatError(
                    f'card {number} has a question but no answer (no "A" line)', start + 1
                )
            question.append(lines.lines[i])
            lines.pos = i + 1

        answer: list[str] = []
        while lines.pos < len(lines.lines):
            i = lines.pos
            after_block = lines.rating_block_at(i)
            if after_block is not None:
                lines.pos = after_block
                break
            if lines.card_starts_at(i, number + 1):
                break
            answer.append(lines.lines[i])
            lines.pos = i + 1

        card = ParsedCard(
            question=_join(question), answer=_join(answer), category=category, line=start + 1
        )
        if not card.question:
            raise DeckFormatError(f"card {number} has an empty question", start + 1)
        if not card.answer:
            raise DeckFormatError(f"card {number} has an empty answer", start + 1)
        deck.cards.append(card)
        number += 1

    if len(deck.cards) != declared:
        raise DeckFormatError(
            f"the file says ({declared} cards) but holds {len(deck.cards)}", count_line
        )
    return deck


def export(deck: ParsedDeck) -> str:
    """The same text Brainscape writes, so export(parse(file)) reads back the same cards."""
    out = [deck.title, "", f"({len(deck.cards)} cards)", ""]
    for number, card in enumerate(deck.cards, start=1):
        out += [str(number), "Q", "", card.category, "", card.question, "", "A", "", card.answer]
        out += ["", RATING_PROMPT, *RATING_BLOCK]
    return "\n".join(out) + "\n"
