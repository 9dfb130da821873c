from reviews.models import CardState, Review


def test_it_requires_login(client, deck):
    response = client.get("/decks/fine-tuning-flashcards/study/")
    assert response.status_code == 302
    assert response["Location"] == (
        "/accounts/login/?next=/decks/fine-tuning-flashcards/study/"
    )


def test_it_shows_the_first_question_with_its_category(alice_client, deck):
    response = alice_client.get("/decks/fine-tuning-flashcards/study/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert "What is Model Distillation?" in html
    assert "Distillation" in html
    assert "Show answer" in html
    assert "<strong>20</strong> left today" in html


def test_it_writes_nothing(alice_client, deck):
    alice_client.get("/decks/fine-tuning-flashcards/study/")
    assert not Review.objects.exists()
    assert not CardState.objects.exists()
