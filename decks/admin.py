from django.contrib import admin

from .models import Card, Deck


class CardInline(admin.TabularInline):
    model = Card
    fields = ("position", "category", "question", "answer")
    ordering = ("position", "id")
    extra = 1


@admin.register(Deck)
class DeckAdmin(admin.ModelAdmin):
    list_display = ("title", "slug", "published", "updated")
    list_filter = ("published",)
    search_fields = ("title", "description")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [CardInline]


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    list_display = ("question_excerpt", "deck", "category", "position", "updated")
    list_filter = ("deck", "category")
    list_select_related = ("deck",)
    search_fields = ("question", "answer", "category")
    autocomplete_fields = ("deck",)
    ordering = ("deck", "position", "id")

    @admin.display(description="Question", ordering="question")
    def question_excerpt(self, card: Card) -> str:
        return card.question if len(card.question) <= 80 else card.question[:79] + "…"

    def get_readonly_fields(self, request, obj=None):
        # A card's reviews and schedules are kept per deck: it stays where it was made.
        return ("deck",) if obj else ()
