from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .models import Deck


@require_GET
def deck_list(request: HttpRequest) -> HttpResponse:
    decks = Deck.objects.published()
    return render(request, "decks/deck_list.html", {"decks": decks})
