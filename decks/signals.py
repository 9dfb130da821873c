"""Keep each deck's `card_count` right as cards are added, moved and deleted.

Bulk writes send no signals: `import_deck` recounts its deck itself.
"""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .models import Card, Deck


@receiver(pre_save, sender=Card)
def card_saving(sender, instance: Card, raw: bool, **kwargs) -> None:
    # The deck the card is in before this save, so that a move recounts both.
    instance._deck_before = (
        None
        if raw or instance._state.adding
        else Card.objects.filter(pk=instance.pk).values_list("deck_id", flat=True).first()
    )


@receiver(post_save, sender=Card)
def card_saved(sender, instance: Card, created: bool, raw: bool, **kwargs) -> None:
    before = getattr(instance, "_deck_before", None)
    if raw or (not created and before == instance.deck_id):
        return
    Deck.objects.filter(pk__in={instance.deck_id, before} - {None}).count_cards()


@receiver(post_delete, sender=Card)
def card_deleted(sender, instance: Card, **kwargs) -> None:
    Deck.objects.filter(pk=instance.deck_id).count_cards()
