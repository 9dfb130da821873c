from datetime import datetime

from django import template

from reviews.scheduling import format_interval

register = template.Library()


@register.filter
def duration_ms(value: int | None) -> str:
    """Milliseconds of study as "2 h 5 min", "12 min" or "40 s"."""
    seconds = round((value or 0) / 1000)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


@register.filter
def until(moment: datetime, now: datetime) -> str:
    """How long until `moment`, in the short form of the rating buttons ("3 d")."""
    return format_interval(moment - now)
