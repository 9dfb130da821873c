from django.contrib import admin

from .models import CardState, Review


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("reviewed_at", "user", "card", "rating", "duration_ms")
    list_filter = ("rating",)
    list_select_related = ("user", "card")
    search_fields = ("user__username", "card__question")
    date_hierarchy = "reviewed_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CardState)
class CardStateAdmin(admin.ModelAdmin):
    list_display = ("user", "card", "state", "due", "reps", "lapses", "last_rating")
    list_filter = ("state",)
    list_select_related = ("user", "card")
    search_fields = ("user__username", "card__question")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
