"""CSV, TSV, Anki's text export and Quizlet-style pasted text."""

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from decks.formats import DeckFormatError, ParsedCard, ParsedDeck, parse_deck, read_deck
from decks.formats.base import clean_line, clean_text
from decks.formats.delimited import export
from tests.conftest import DATA


def cards_of(deck: ParsedDeck) -> list[tuple[str, str, str, int]]:
    return [(card.question, card.answer, card.category, card.line) for card in deck.cards]


def test_csv_with_a_header_quoted_commas_quotes_and_newlines():
    deck = parse_deck((DATA / "cards.csv").read_bytes(), filename="cards.csv")
    assert deck.title == "Cards"
    assert deck.format == "csv"
    assert cards_of(deck) == [
        ("What is 1+1?", "2", "Arithmetic", 2),
        ("Name three primes, smallest first", "2, 3 and 5", "Arithmetic", 3),
        ('What does "LLM" stand for?', "Large language model", "Terms", 4),
        ("A question\nover two lines", "An answer\n\nwith a paragraph", "", 5),
    ]


def test_csv_without_a_header_and_with_spaces_after_commas():
    deck = parse_deck((DATA / "cards_no_header.csv").read_bytes(), filename="cards_no_header.csv")
    assert deck.title == "Cards no header"
    assert cards_of(deck) == [
        ("Capital of France?", "Paris", "", 1),
        ("Capital of Italy?", "Rome", "Geography", 2),
        ("Capital of Spain?", "Madrid", "", 4),
    ]


def test_tsv_with_anki_and_quizlet_column_names():
    deck = parse_deck((DATA / "cards.tsv").read_bytes(), filename="cards.tsv")
    assert deck.format == "tsv"
    assert cards_of(deck) == [
        ("bonjour", "hello", "French", 2),
        ("merci", "thank you", "French", 3),
    ]


def test_a_header_may_put_the_columns_in_any_order():
    data = b"Category,Answer,Question\nGeography,Paris,Capital of France?\n"
    deck = parse_deck(data, format="csv", title="Capitals")
    assert cards_of(deck) == [("Capital of France?", "Paris", "Geography", 2)]


def test_anki_text_export_headers_are_honoured():
    # #separator:tab, #html:true, a guid column to skip and a tags column.
    deck = parse_deck((DATA / "anki_notes.txt").read_bytes(), filename="anki_notes.txt")
    assert deck.format == "tsv"
    assert cards_of(deck) == [
        # HTML is kept where it means something, <br> and <div> lines become newlines.
        ("What is <b>HTML</b>?", "Hyper\nText\nMarkup", "web basics", 5),
        # Plain text is decoded; Anki's own "leech" tag is not a category.
        ("2 < 3?", "yes & no", "maths", 6),
        # Sanitised: no event handler, no script.
        ("<span>Click</span>", "ok", "", 7),
    ]


def test_anki_columns_header_names_the_fields():
    data = "#separator:semicolon\n#columns:Back;Front\nParis;Capital of France?\n"
    deck = parse_deck(data.encode(), format="csv", title="Capitals")
    assert cards_of(deck) == [("Capital of France?", "Paris", "", 3)]


def test_anki_global_tags_give_the_category():
    data = b"#separator:comma\n#tags:Geography\nCapital of France?,Paris\n"
    deck = parse_deck(data, format="csv", title="Capitals")
    assert cards_of(deck) == [("Capital of France?", "Paris", "Geography", 3)]


def test_without_html_header_text_is_kept_as_written():
    deck = parse_deck(b"a &lt; b,<b>bold</b>\n", format="csv", title="T")
    assert cards_of(deck) == [("a &lt; b", "<b>bold</b>", "", 1)]


def test_quizlet_style_pasted_text_with_chosen_separators():
    deck = parse_deck(
        (DATA / "quizlet.txt").read_bytes(),
        format="pasted",
        title="Biology",
        separator=" - ",
        card_separator=";",
    )
    assert deck.title == "Biology"
    assert [(card.question, card.answer) for card in deck.cards] == [
        ("photosynthesis", "how plants make food"),
        ("osmosis", "water through a membrane"),
        # The question ends at the first separator; the answer keeps the rest.
        ("mitochondria", "the powerhouse - of the cell"),
    ]


def test_pasted_text_one_card_a_line_with_tabs():
    data = b"bonjour\thello\n\nmerci\tthank you\nau revoir goodbye\n"
    deck = read_deck(data, format="pasted", title="French")
    assert [(card.question, card.line) for card in deck.cards] == [("bonjour", 1), ("merci", 3)]
    assert [str(problem) for problem in deck.problems] == [
        "line 4: a question without an answer (no tab after it)",
    ]


@pytest.mark.parametrize(
    ("name", "problems"),
    [
        ("broken_quote.csv", ['line 3: a quoted field is never closed (a " is missing)']),
        (
            "extra_fields.csv",
            [
                "line 2: 5 fields where a question, an answer and a category were expected; "
                "put a field holding a comma in double quotes"
            ],
        ),
    ],
)
def test_malformed_files_name_the_line(name, problems):
    with pytest.raises(DeckFormatError) as error:
        parse_deck((DATA / name).read_bytes(), filename=name)
    assert [str(problem) for problem in error.value.problems] == problems


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (
            b"question,answer\nonly a question\n",
            "line 2: a question without an answer (no comma after it)",
        ),
        (b"question,answer\n,no question\n", "line 2: card 1 has an empty question"),
        (b'q,a\n"x"y,z\n', 'line 2: a " inside a quoted field must be doubled ("")'),
        (b"same,1\nsame,2\n", "line 2: card 2 repeats the question of the card at line 1"),
        (b"question,answer\n", "the file holds no cards"),
        (b"#separator:xyz\nq,a\n", "line 1: unknown separator 'xyz'"),
        (b"q,\xe9\n", "line 1: the file is not valid UTF-8 text"),
        (b"q,a\x00\n", "line 1: the file contains NUL bytes; is it a text file?"),
    ],
)
def test_bad_rows(data, problem):
    with pytest.raises(DeckFormatError) as error:
        parse_deck(data, format="csv", title="T")
    assert str(error.value).startswith(problem)


def test_export_writes_a_header_and_quotes_what_needs_quoting():
    deck = ParsedDeck(
        "T", [ParsedCard('Say "hi", then\nleave', "ok", "Manners"), ParsedCard("2", "3")]
    )
    assert export(deck) == (
        'question,answer,category\r\n"Say ""hi"", then\nleave",ok,Manners\r\n2,3,\r\n'
    )


# Round trips for arbitrary text. CSV quotes whatever needs it, so only what
# no format keeps is left out: NUL, carriage returns (read as line ends) and
# spaces around text (clean_text removes them everywhere).
text = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\r\x00"))
fields = st.one_of(
    text,
    st.integers(min_value=-5, max_value=100).map(str),
    st.sampled_from(["question", "answer", ",", '"', '""', "\n", "#separator:tab", "“”"]),
    st.lists(text | st.integers(0, 9).map(str), min_size=2, max_size=4).map("\n".join),
)
cards = st.builds(ParsedCard, fields, fields, fields).filter(
    lambda card: (
        clean_text(card.question)
        and clean_text(card.answer)
        and len(clean_line(card.category)) <= 200
    )  # the database's limit
)
decks = st.builds(
    ParsedDeck,
    title=st.just("Round trip"),
    cards=st.lists(cards, min_size=1, max_size=6, unique_by=lambda c: clean_text(c.question)),
)


@pytest.mark.parametrize("format", ["csv", "tsv"])
@given(deck=decks)
@example(deck=ParsedDeck("Round trip", [ParsedCard("question", "answer", "category")]))
@example(deck=ParsedDeck("Round trip", [ParsedCard("#html:true", "<b>x</b>", "a\nb")]))
def test_export_then_parse_gives_back_the_same_cards(format, deck):
    data = export(deck, separator="," if format == "csv" else "\t").encode()
    parsed = parse_deck(data, format=format, title="Round trip")
    assert parsed.cards == [
        ParsedCard(clean_text(c.question), clean_text(c.answer), clean_line(c.category))
        for c in deck.cards
    ]


@given(st.binary(max_size=300))
def test_any_bytes_read_or_fail_with_a_deck_format_error(data):
    for format in ("csv", "tsv", "pasted"):
        try:
            parse_deck(data, format=format, title="T")
        except DeckFormatError as error:
            assert str(error)
