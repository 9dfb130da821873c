import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_sessions(apps, schema_editor):
    """Bring the sessions still open in Django's own table over, each with its
    person's id, so that nobody is signed out by the upgrade."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore as DjangoStore
    from django.utils import timezone

    Old = apps.get_model("sessions", "Session")
    New = apps.get_model("accounts", "Session")
    people = set(apps.get_model("accounts", "User").objects.values_list("pk", flat=True))
    decode = DjangoStore().decode
    moved = []
    for old in Old.objects.filter(expire_date__gt=timezone.now()).iterator():
        try:
            user_id = int(decode(old.session_data).get(SESSION_KEY))
        except (TypeError, ValueError):
            user_id = None
        moved.append(
            New(
                session_key=old.session_key,
                session_data=old.session_data,
                expire_date=old.expire_date,
                user_id=user_id if user_id in people else None,
            )
        )
    New.objects.bulk_create(moved, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_user_theme"),
        ("sessions", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Session",
            fields=[
                (
                    "session_key",
                    models.CharField(
                        max_length=40, primary_key=True, serialize=False, verbose_name="session key"
                    ),
                ),
                ("session_data", models.TextField(verbose_name="session data")),
                ("expire_date", models.DateTimeField(db_index=True, verbose_name="expire date")),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "session",
                "verbose_name_plural": "sessions",
                "abstract": False,
            },
        ),
        migrations.RunPython(move_sessions, migrations.RunPython.noop),
    ]
