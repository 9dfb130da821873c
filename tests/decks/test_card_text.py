"""Card text is Markdown shown as sanitised HTML, wherever it appears."""

import pytest
from django.utils import timezone

from decks import markup
from decks.models import Card, Deck
from reviews.models import record_review

EVIL_QUESTION = (
    "Evil <script>alert('q')</script>"
    '<img src=x onerror="alert(1)">'
    '<a href="javascript:alert(2)">click</a> '
    '<span hx-get="/accounts/logout/" hx-trigger="load" onmouseover="alert(3)">hover</span>'
)
EVIL_ANSWER = (
    '<div style="position:fixed" hx-post="/x" data-x="1">Answer</div>\n\n'
    "<iframe src=https://example.org></iframe><svg onload=alert(5)></svg>"
    "<form action=/x><button>b</button></form>"
)


REL = 'rel="noopener noreferrer nofollow"'


def assert_harmless(html: str) -> None:
    """Nothing in the card's part of the page could run or act."""
    for forbidden in ("alert(", "onerror", "onmouseover", "onload", "javascript:", "hx-get",
                      "hx-post", "hx-trigger", "<iframe", "<svg", "<form", "position:fixed",
                      "data-x"):  # fmt: skip
        assert forbidden not in html, forbidden


def test_plain_text_keeps_its_line_breaks():
    assert markup.render("Line one\nline two") == "<p>Line one<br>\nline two</p>"
    assert markup.render("Para one\n\nPara two") == "<p>Para one</p>\n<p>Para two</p>"


def test_markdown_code_blocks_lists_and_emphasis():
    html = markup.render("Use **bold** and *this*:\n\n- one\n- two\n\n```\nx = 1 < 2\n```")
    assert "<strong>bold</strong>" in html and "<em>this</em>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<pre><code>x = 1 &lt; 2\n</code></pre>" in html


def test_inline_rendering_drops_a_lone_paragraph():
    assert markup.render_inline("What is *FSRS*?") == "What is <em>FSRS</em>?"
    assert markup.render_inline("One\n\nTwo") == "<p>One</p>\n<p>Two</p>"


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("<script>alert(1)</script>x", "x"),
        ('<b onclick="alert(1)">b</b>', "<p><b>b</b></p>"),
        ('<a href="javascript:alert(1)">a</a>', f"<p><a {REL}>a</a></p>"),
        ("[a](javascript:alert(1))", "<p>[a](javascript:alert(1))</p>"),
        ('<p hx-get="/x" hx-swap="outerHTML">p</p>', "<p>p</p>"),
        ('<img src="/x.png" alt="pic">', ""),
        ("[ok](https://example.org)", f'<p><a href="https://example.org" {REL}>ok</a></p>'),
    ],
)  # fmt: skip
def test_it_sanitises(text, html):
    assert markup.render(text) == html


@pytest.fixture
def evil_card(db) -> Card:
    deck = Deck.objects.create(title="Evil deck", slug="evil-deck")
    return Card.objects.create(
        deck=deck, question=EVIL_QUESTION, answer=EVIL_ANSWER, category="<b>Cat</b>", position=1
    )


def card_section(html: str) -> str:
    """The card's text on the page: the card's body, before the site's own controls."""
    start = html.index('<div class="card-body">')
    ends = [html.find(marker, start) for marker in ('class="card-actions"', '<form class="rating"')]
    return html[start : min(end for end in ends if end != -1)]


def test_the_study_page_shows_the_question_harmlessly(alice_client, evil_card):
    response = alice_client.get("/decks/evil-deck/study/")
    assert response.status_code == 200
    card = card_section(response.content.decode())
    assert "Evil " in card and ">click</a>" in card and "hover</span>" in card
    assert "&lt;b&gt;Cat&lt;/b&gt;" in card  # a category is plain text
    assert_harmless(card)


def test_the_answer_page_shows_both_sides_harmlessly(alice_client, evil_card):
    response = alice_client.get(f"/decks/evil-deck/study/{evil_card.pk}/answer/")
    assert response.status_code == 200
    card = card_section(response.content.decode())
    assert "<div>Answer</div>" in card and "Evil " in card
    assert_harmless(card)


def test_the_htmx_partial_is_harmless_too(alice_client, evil_card):
    response = alice_client.get(
        f"/decks/evil-deck/study/{evil_card.pk}/answer/", headers={"HX-Request": "true"}
    )
    assert "<html" not in response.content.decode()
    assert_harmless(card_section(response.content.decode()))


def test_the_progress_page_shows_card_text_harmlessly(alice, alice_client, evil_card):
    record_review(user=alice, card=evil_card, rating=1, now=timezone.now(), shown_reps=0)
    response = alice_client.get("/progress/evil-deck/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Evil &lt;script&gt;" in html  # shown as the text it is
    assert "<script>alert" not in html
    assert '<img src=x onerror="alert(1)">' not in html


def test_the_admin_shows_card_text_as_text(staff_client, evil_card):
    for url in (
        "/admin/decks/card/",
        f"/admin/decks/card/{evil_card.pk}/change/",
        f"/admin/decks/deck/{evil_card.deck_id}/change/",
    ):
        html = staff_client.get(url).content.decode()
        assert "Evil &lt;script&gt;alert(&#x27;q&#x27;)&lt;/script&gt;" in html, url
        assert "<script>alert" not in html, url
        assert '<img src=x onerror="alert(1)">' not in html, url
