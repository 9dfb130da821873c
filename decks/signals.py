"""Keep each deck's `card_count` right as cards are added, moved and deleted.

Bulk writes send no signals: `import_deck` recounts its deck itself.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Card, Deck


@receiver(post_save, sender=Card)
def card_saved(sender, instance: Card, created: bool, raw: bool, **kwargs) -> None:
    loaded = getattr(instance, "_loaded_deck_id", None)
    if raw or (not created and loaded == instance.deck_id):
        return
    Deck.objects.filter(pk__in={instance.deck_id, loaded} - {None}).count_cards()
    instance._loaded_deck_id = instance.deck_id


@receiver(post_delete, sender=Card)
def card_deleted(sender, instance: Card, **kwargs) -> None:
    Deck.objects.filter(pk=instance.deck_id).count_cards()
