from django.urls import path

from . import views

app_name = "reviews"

# Django tries the patterns in order: the answer and rating of a card, which
# learners ask for every few seconds, come first.
urlpatterns = [
    path("decks/<slug:slug>/study/<int:card_id>/answer/", views.answer, name="answer"),
    path("decks/<slug:slug>/study/<int:card_id>/rate/", views.rate_card, name="rate_card"),
    path("", views.home, name="home"),
    path("progress/", views.progress_overview, name="progress"),
    path("progress/<slug:slug>/", views.progress_deck, name="progress_deck"),
    path("decks/<slug:slug>/", views.deck_detail, name="deck_detail"),
    path("decks/<slug:slug>/study/", views.study, name="study"),
    path("decks/<slug:slug>/study/undo/", views.undo_review, name="undo_review"),
]
