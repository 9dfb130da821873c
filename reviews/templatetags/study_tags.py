import html
from functools import lru_cache

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from reviews.scheduling import RATING_LABELS

register = template.Library()

# Each button but for its interval, the same at every flip: written once.
BUTTON_HEADS = {
    value: format_html(
        '<button type="submit" name="rating" value="{0}" class="rate rate-{0}">\n'
        '<span class="rate-label"><span class="rate-value">{0}</span>{1}</span>\n'
        '<span class="rate-interval"><span class="visually-hidden">, comes back in </span>',
        value,
        format_html(' <span class="rate-word">{}</span>', label) if label else "",
    )
    for value, label in RATING_LABELS.items()
}
BUTTON_TAIL = "</span>\n</button>"


@register.simple_tag
def rating_buttons(intervals: list[str]) -> SafeString:
    """The answer side's five rating buttons, 1 to 5, each with its label and
    when the card would come back (`intervals`, in that order).

    Written here rather than with a {% for %} in the template: every card flip
    renders them, and the loop's two dozen variable lookups made a flip run
    4 % more instructions; only the intervals change from one flip to the next.
    """
    return mark_safe(  # noqa: S308 (the heads are built with format_html; each interval is escaped)
        "\n".join(
            f"{head}{html.escape(interval)}{BUTTON_TAIL}"
            for head, interval in zip(BUTTON_HEADS.values(), intervals, strict=True)
        )
    )


@register.simple_tag
def card_url(name: str, slug: str, card_id: int) -> str:
    """`{% url name slug card_id %}` for a card's answer and rate links, which
    every flip and rating renders; a card's address never changes, so recent
    ones are kept per process (reverse() took 2 % of a flip)."""
    return _card_url(get_script_prefix(), name, slug, card_id)


@lru_cache(maxsize=4096)
def _card_url(prefix: str, name: str, slug: str, card_id: int) -> str:
    # `prefix` (where the site is mounted) is only part of the key: reverse() reads it itself.
    return reverse(name, args=[slug, card_id])
