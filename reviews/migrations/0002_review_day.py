import zoneinfo

from django.db import migrations, models


def fill_days(apps, schema_editor) -> None:
    """Reviews made before the column existed get their date in the person's time zone."""
    Review = apps.get_model("reviews", "Review")
    for review in Review.objects.select_related("user").iterator(chunk_size=2000):
        try:
            tz = zoneinfo.ZoneInfo(review.user.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            tz = zoneinfo.ZoneInfo("UTC")
        review.day = review.reviewed_at.astimezone(tz).date()
        review.save(update_fields=["day"])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0001_initial"),
        ("accounts", "0002_user_theme"),
    ]

    operations = [
        migrations.AddField(
            model_name="review",
            name="day",
            field=models.DateField(null=True),
        ),
        migrations.RunPython(fill_days, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="review",
            name="day",
            field=models.DateField(
                help_text="The person's own date when they rated, in their time zone then: "
                "streaks and reviews per day count these days."
            ),
        ),
    ]
