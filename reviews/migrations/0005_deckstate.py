"""DeckState: per person and deck, the cards seen, where new cards begin and
the cards first rated on the latest day. The triggers that keep it, and the
count of what is already there, come after every `migrate`
(reviews/triggers.py). "New cards today" is read from it, so the partial index
of first ratings that counted them goes.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("decks", "0002_deck_card_count"),
        ("reviews", "0004_cardstate_user_deck_state_due"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DeckState",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seen", models.PositiveIntegerField(default=0)),
                ("new_from", models.PositiveIntegerField(default=0)),
                ("new_day", models.DateField(null=True)),
                ("new_count", models.PositiveIntegerField(default=0)),
                (
                    "deck",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="decks.deck",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(fields=["deck", "new_from"], name="deckstate_deck_new_from")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("user", "deck"), name="deckstate_one_per_user_deck"
                    )
                ],
            },
        ),
        migrations.RemoveIndex(model_name="review", name="review_user_first_time"),
    ]
