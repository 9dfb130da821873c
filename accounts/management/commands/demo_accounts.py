import secrets

from django.core.management.base import BaseCommand

from accounts.models import User

ACCOUNTS = [
    ("demo", False, "a learner, to study the bundled deck"),
    ("admin", True, "staff, for the admin at /admin/"),
]


class Command(BaseCommand):
    help = (
        "Create a demo learner and a staff account on first run, printing their "
        "generated passwords once; later runs only say who they are."
    )

    def handle(self, *args, **options) -> None:
        for username, staff, role in ACCOUNTS:
            if User.objects.filter(username=username).exists():
                self.stdout.write(f"  {username:<6} {role} (password printed on first run)")
                continue
            password = secrets.token_urlsafe(12)
            User.objects.create_user(
                username, password=password, is_staff=staff, is_superuser=staff
            )
            self.stdout.write(f"  {username:<6} password {password}  — {role}")
