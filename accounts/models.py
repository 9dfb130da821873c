import zoneinfo
from datetime import datetime, time, timedelta

from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone.")


class User(AbstractUser):
    """A learner. Scheduling and every "today" on the site follow these settings."""

    new_cards_per_day = models.PositiveSmallIntegerField(
        default=20,
        validators=[MaxValueValidator(9999)],
        help_text="How many cards you have never seen to bring in each day, per deck.",
    )
    desired_retention = models.FloatField(
        default=0.90,
        validators=[MinValueValidator(0.70), MaxValueValidator(0.97)],
        help_text="The chance of remembering a card when it comes back (0.70–0.97). "
        "Higher means more reviews.",
    )
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="Days, streaks and daily limits start at midnight here.",
    )

    THEME_CHOICES = [("auto", "Same as my device"), ("light", "Light"), ("dark", "Dark")]
    theme = models.CharField(max_length=5, choices=THEME_CHOICES, default="auto")

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(desired_retention__gte=0.70, desired_retention__lte=0.97),
                name="user_desired_retention_range",
            ),
        ]

    def tzinfo(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def start_of_day(self, now: datetime) -> datetime:
        """The last local midnight before `now`, for daily limits and "today"."""
        local = now.astimezone(self.tzinfo())
        midnight = datetime.combine(local.date(), time(), tzinfo=local.tzinfo)
        return midnight

    def start_of_next_day(self, now: datetime) -> datetime:
        local = now.astimezone(self.tzinfo())
        return datetime.combine(local.date() + timedelta(days=1), time(), tzinfo=local.tzinfo)


class Session(AbstractBaseSession):
    """A session, with the id of the person signed in to it beside its data, so
    that a request reads both in one query (accounts/sessions.py). Deleting a
    person deletes their sessions."""

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore
