from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate, pre_migrate


def drop_triggers(using: str, **kwargs) -> None:
    from . import triggers

    triggers.drop(connections[using])


def install_triggers(using: str, **kwargs) -> None:
    from . import triggers

    triggers.install(connections[using])


class ReviewsConfig(AppConfig):
    name = "reviews"

    def ready(self) -> None:
        # reviews/triggers.py says why the triggers are made afresh at every migrate.
        pre_migrate.connect(drop_triggers, sender=self)
        post_migrate.connect(install_triggers, sender=self)
