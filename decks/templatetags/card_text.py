"""`{{ card.answer|card_text }}`: card text (Markdown) as sanitised HTML.

`{{ card.question|card_text:"inline" }}` is for a heading: a question of one
paragraph comes without its `<p>`.
"""

from django import template
from django.utils.safestring import SafeString, mark_safe

from decks import markup

register = template.Library()


@register.filter(is_safe=True)
def card_text(text: str, mode: str = "") -> SafeString:
    rendered = markup.render_inline(str(text)) if mode == "inline" else markup.render(str(text))
    # Safe because markup.render passes everything through nh3's allow-list.
    return mark_safe(rendered)  # noqa: S308
