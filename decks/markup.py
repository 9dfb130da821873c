"""Card text: Markdown written by staff or imported, shown as sanitised HTML.

A card's question and answer are stored as Markdown (which allows inline
HTML, as Anki cards carry it). Whatever the text holds, what reaches a page
has been through nh3 with an allow-list: no script, no event handler, no
`javascript:` link, no `hx-*` attribute (which htmx would obey), no `style`
(the CSP forbids inline styles anyway), no images (an imported deck's media
is not imported, and remote images would track readers).
"""

import functools
import html
import re

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = nh3.ALLOWED_TAGS - {"img", "area", "map"}
ALLOWED_ATTRIBUTES = {
    tag: attrs for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items() if tag in ALLOWED_TAGS
}
URL_SCHEMES = {"http", "https", "mailto"}

# `breaks`: a single newline is a line break, so a plain-text card keeps its
# lines as written, as it did before cards were Markdown.
_markdown = MarkdownIt("commonmark", {"breaks": True, "html": True}).enable(
    ["table", "strikethrough"]
)


def sanitize(fragment: str) -> str:
    """An HTML fragment with only the allowed tags, attributes and link schemes."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


# Every flip renders the same few cards again and again: the HTML of recent
# card texts is kept (per process; 2,048 texts of at most 2,000 characters,
# some 10 MB at the very worst). Longer texts, rare, are rendered each time.
CACHED_TEXT_LENGTH = 2000


def render(text: str) -> str:
    """Card text as safe HTML: block elements, each paragraph in a `<p>`."""
    if len(text) <= CACHED_TEXT_LENGTH:
        return _render_cached(text)
    return _render(text)


def _render(text: str) -> str:
    return sanitize(_markdown.render(text)).strip()


_render_cached = functools.lru_cache(maxsize=2048)(_render)


_LONE_PARAGRAPH = re.compile(r"\A<p>((?:(?!</?p>).)*)</p>\Z", re.DOTALL)


def render_inline(text: str) -> str:
    """Card text for a place that holds phrasing content (a heading): a lone
    paragraph loses its `<p>`, so a plain question renders as it always has."""
    rendered = render(text)
    match = _LONE_PARAGRAPH.match(rendered)
    return match.group(1) if match else rendered


_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_DIV_OPEN = re.compile(r"<div>", re.IGNORECASE)
_DIV_CLOSE = re.compile(r"</div>", re.IGNORECASE)


def html_to_text(fragment: str) -> str:
    """An Anki field (HTML) as card text.

    Anki's editor writes line breaks as `<br>` and `<div>` lines; those become
    newlines. A field with no other markup left is plain text, so its
    entities are decoded (`&lt;` → `<`) and the card reads as it did in Anki;
    otherwise the sanitised HTML is kept, which Markdown passes through.
    """
    cleaned = sanitize(fragment)
    cleaned = _BREAK.sub("\n", cleaned)
    cleaned = _DIV_CLOSE.sub("", _DIV_OPEN.sub("\n", cleaned))
    cleaned = cleaned.strip("\n")
    if "<" not in cleaned:
        cleaned = html.unescape(cleaned)
    return cleaned


def text_to_html(text: str) -> str:
    """Card text as an Anki field that shows exactly this text: the inverse of
    `html_to_text` for text without markup."""
    return html.escape(text, quote=False).replace("\n", "<br>")
