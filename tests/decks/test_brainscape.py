"""The Brainscape text format: the bundled deck, tricky files, malformed files, round trips."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from decks.formats import DeckFormatError, ParsedCard, ParsedDeck, brainscape
from decks.formats.base import clean_line, clean_text
from tests.conftest import BUNDLED_DECK, DATA

BUNDLED_CARDS = [
    (
        "Distillation",
        "What is Model Distillation?",
        "Reduce a whole LLM to a much smaller, scoped-down model",
    ),
    ("Distillation", "Advantage to distilled models?", "Smaller, faster, cheaper"),
    ("Distillation", "How fast are distilled models?", "In Amazon Bedrock are up to 500% faster"),
    (
        "Distillation",
        "Accuracy loss with distilled models?",
        "Less than 2% accuracy loss for use cases like RAG",
    ),
    (
        "Fine Tuning",
        "What is Fine-Tuning?",
        "Changes the weights of base foundation model based on input data you give it.",
    ),
    (
        "Fine Tuning",
        "What format is input files to fine-tuning?",
        "S3 JSON objects with keys like “prompt” and “completion”.",
    ),
    (
        "Fine Tuning",
        "Starting requirement of a model to use fine-tuning?",
        "Must use Provisioned Throughput",
    ),
    (
        "Fine Tuning",
        "What is Instruction-based Fine Tuning?",
        "Pass in prompts and expected completions",
    ),
    (
        "Fine Tuning",
        "Category of data passed into instruction-based fine-tuning?",
        "Labeled data: has the expected completion included",
    ),
    (
        "Fine Tuning",
        "Why use instruction-based fine-tuning?",
        "Domain-specific tasks where you supply the missing domain of data",
    ),
    (
        "Fine Tuning",
        "What is Continued Pre-training?",
        "Pass large amt of unlabeled data, model trains on the whole thing",
    ),
    (
        "Fine Tuning",
        "What’s another name for Continued Pre-training?",
        "Domain Adaptation Fine Tuning",
    ),
    (
        "Fine Tuning",
        "Example of continued pre-training?",
        "Give a LLM the whole AWS documentation catalog",
    ),
    (
        "Fine Tuning",
        "What is Single-turn Messaging?",
        "Type of instruction-based fine-tuning that mimics a chat bot",
    ),
    (
        "Fine Tuning",
        "Format for input to Single-turn Messaging?",
        "Supply “user” (human question) and “assistant” (chatbot response), JSON",
    ),
    (
        "Fine Tuning",
        "What is Multi-turn Messaging?",
        "Single-turn, but you supply lots of back-and-forth between human and chatbot",
    ),
    (
        "Fine Tuning",
        "Which is cheaper, instruction-based or continued pre-training?",
        "Instruction-based: data is targeted and usually smaller",
    ),
    (
        "Fine Tuning",
        "Why is running a fine-tuned model is more expensive?",
        "Have to use Provisioned Throughput",
    ),
    (
        "Fine Tuning",
        "What is Transfer Learning?",
        "start with LLM or pre-trained model adapt it to a new related task",
    ),
    (
        "Fine Tuning",
        "how is transfer learning and fine-tuning related?",
        "Fine Tuning is how you do it, Transfer Learning is the concept.",
    ),
]


def cards_of(deck: ParsedDeck) -> list[tuple[str, str, str]]:
    return [(card.category, card.question, card.answer) for card in deck.cards]


def test_the_bundled_deck_has_its_20_cards_exactly():
    deck = brainscape.parse(BUNDLED_DECK.read_bytes())
    assert deck.title == "Fine Tuning Flashcards"
    assert cards_of(deck) == BUNDLED_CARDS


def test_cards_without_a_rating_block_end_at_the_next_card():
    # Cards 16–20 have no "How well did you know this?" block.
    deck = brainscape.parse(BUNDLED_DECK.read_bytes())
    assert deck.cards[15].answer == (
        "Single-turn, but you supply lots of back-and-forth between human and chatbot"
    )
    assert [card.line for card in deck.cards[15:]] == [290, 301, 312, 323, 334]


def test_tricky_but_valid_file():
    deck = brainscape.parse((DATA / "brainscape_tricky.txt").read_bytes())
    assert deck.title == "Tricky Deck"
    assert cards_of(deck) == [
        # The answer "2" is followed by card 2's number: it stays an answer.
        ("Numbers", "How many wheels has a bicycle?", "2"),
        # Lines that are only numbers, not followed by "Q", belong to the answer.
        ("Numbers", "How many days has a week?\n(Count them.)", "7\n2\n3"),
        (
            "Quotes",
            "What did she say about “fine‑tuning”?",
            "‘It’s cheaper’ — she said.\n\nThen she left.",
        ),
        # A lone line between Q and A is a question without category.
        ("", "Which number comes after 3?", "4"),
    ]


def test_crlf_and_byte_order_mark():
    data = (DATA / "brainscape_crlf_bom.txt").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    deck = brainscape.parse(data)
    assert deck.title == "Windows Deck"
    assert cards_of(deck) == [
        ("Platform", "Which line ending\ndoes Windows use?", "CR LF"),
        ("Platform", "And the BOM?", "U+FEFF"),
    ]


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("brainscape_count_mismatch.txt", 3, "the file says (3 cards) but holds 2"),
        ("brainscape_no_answer.txt", 16, 'card 2 has a question but no answer (no "A" line)'),
        (
            "brainscape_out_of_order.txt",
            16,
            "cards are numbered out of order: expected card 2, found 3",
        ),
    ],
)
def test_malformed_files_name_the_line(name, line, message):
    with pytest.raises(DeckFormatError) as error:
        brainscape.parse((DATA / name).read_bytes())
    assert error.value.line == line
    assert error.value.message == message
    assert f"line {line}: {message}" in str(error.value)


def test_every_problem_is_listed():
    deck = brainscape.read((DATA / "brainscape_out_of_order.txt").read_bytes())
    assert [str(problem) for problem in deck.problems] == [
        "line 16: cards are numbered out of order: expected card 2, found 3",
        "line 27: cards are numbered out of order: expected card 4, found 2",
    ]


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        (b"", None, "the file is empty"),
        (b"Deck\n(1 card)\n1\nQ\nC\nQuestion\nA\n\xff\n", 8, "the file is not valid UTF-8 text"),
        (b"Deck\n(1 card)\n1\nQ\nC\x00\n", 5, "the file contains NUL bytes; is it a text file?"),
        (b"Deck\n1 card\n", 2, "expected the card count, e.g. \"(20 cards)\", found '1 card'"),
        (b"Deck\n(1 card)\nQ\nC\nQuestion\nA\nAnswer\n", 3, "expected card number 1, found 'Q'"),
        (b"Deck\n(1 card)\n1\nQ\nA\nAnswer\n", 3, "card 1 has an empty question"),
        (b"Deck\n(1 card)\n1\nQ\nC\nQuestion\nA\n", 3, "card 1 has an empty answer"),
        (b"Deck\n(0 cards)\n", None, "the file holds no cards"),
        (
            b"Deck\n(2 cards)\n1\nQ\nC\nSame?\nA\nx\n2\nQ\nC\nSame?\nA\ny\n",
            9,
            "card 2 repeats the question of the card at line 3",
        ),
    ],
)
def test_bad_files(data, line, message):
    with pytest.raises(DeckFormatError) as error:
        brainscape.parse(data)
    assert (error.value.line, error.value.message) == (line, message)


def test_export_reproduces_the_bundled_file():
    data = BUNDLED_DECK.read_bytes()
    exported = brainscape.export(brainscape.parse(data))
    assert brainscape.parse(exported.encode()).cards == brainscape.parse(data).cards
    # Cards 1–15 come out byte for byte as Brainscape wrote them.
    assert exported.startswith(data.decode().split("\n16\n")[0])


def test_export_gives_a_multiline_question_without_category_the_decks_title():
    deck = ParsedDeck(title="Deck", cards=[ParsedCard("Line one\nline two", "Answer")])
    (card,) = brainscape.parse(brainscape.export(deck).encode()).cards
    assert (card.category, card.question, card.answer) == ("Deck", "Line one\nline two", "Answer")


# Round trips. The format cannot hold a line that is exactly "Q" (after a
# number it starts a card), a question line "A" (it ends the question), an
# answer line that is the rating prompt (it starts the rating block), NUL
# (no database stores it), or spaces around text (clean_text removes them in
# every format). Lines made only of numbers, "A" in answers, quotes and any
# other Unicode are all fair game.
MARKERS = {"Q", "A", brainscape.RATING_PROMPT}
line_text = st.one_of(
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n\x00")),
    st.integers(min_value=0, max_value=25).map(str),
    st.sampled_from(["", " ", "A", "“curly”", '"straight"', "‘single’", "Not at all", "Perfectly"]),
)


def card_text(forbidden: set[str]) -> st.SearchStrategy[str]:
    return (
        st.lists(line_text, min_size=1, max_size=5)
        .filter(lambda lines: all(line.strip() not in forbidden for line in lines))
        .map("\n".join)
        .filter(lambda text: clean_text(text) != "")
    )


one_line = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\n\x00"), max_size=30
)


@st.composite
def cards(draw) -> ParsedCard:
    question = draw(card_text(MARKERS))
    answer = draw(card_text({"Q", brainscape.RATING_PROMPT}))
    category = draw(one_line.filter(lambda text: clean_line(text) not in MARKERS))
    if "\n" in clean_text(question):
        # A multi-line question needs its category line (see the module's docstring).
        category = draw(one_line.filter(lambda text: clean_line(text) not in MARKERS | {""}))
    return ParsedCard(question, answer, category)


decks = st.builds(
    ParsedDeck,
    title=one_line.filter(lambda text: clean_line(text) != ""),
    cards=st.lists(cards(), min_size=1, max_size=6, unique_by=lambda c: clean_text(c.question)),
)


@given(decks)
@example(
    ParsedDeck(
        "Numbers", [ParsedCard("Q1", "2"), ParsedCard("2", "3\nQ1\n4"), ParsedCard("3", "A")]
    )
)
def test_export_then_parse_gives_back_the_same_cards(deck):
    parsed = brainscape.parse(brainscape.export(deck).encode())
    assert parsed.title == clean_line(deck.title)
    assert parsed.cards == [
        ParsedCard(clean_text(c.question), clean_text(c.answer), clean_line(c.category))
        for c in deck.cards
    ]


@given(st.binary(max_size=300))
def test_any_bytes_parse_or_fail_with_a_deck_format_error(data):
    try:
        brainscape.parse(data)
    except DeckFormatError as error:
        assert str(error)
