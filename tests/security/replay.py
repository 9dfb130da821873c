"""The check behind "no rating is lost or counted twice": replay a person's review log.

Each card's reviews, ordered by `seq`, must number 0, 1, 2, …; each must
record as "before" what the previous one recorded as "after"; and feeding
them through the scheduler from scratch must give exactly the stored
CardState. Used in-process and, through `serverdb check`, against the
database of a live test server.
"""

from itertools import groupby

from accounts.models import User
from reviews.models import CardState, Review
from reviews.scheduling import next_schedule, review_seed


def replay_problems(user: User) -> list[str]:
    """Everything in this person's reviews and card states that replaying contradicts."""
    problems: list[str] = []
    states = {state.card_id: state for state in CardState.objects.filter(user=user)}
    reviews = Review.objects.filter(user=user).order_by("card_id", "seq")
    for card_id, card_reviews in groupby(reviews, key=lambda review: review.card_id):
        schedule = None
        for expected_seq, review in enumerate(card_reviews):
            where = f"card {card_id} review seq {review.seq}"
            if review.seq != expected_seq:
                problems.append(f"{where}: expected seq {expected_seq}")
            if review.before != (schedule.to_json() if schedule else None):
                problems.append(f"{where}: 'before' is not the previous review's 'after'")
            schedule = next_schedule(
                schedule,
                review.rating,
                review.reviewed_at,
                desired_retention=user.desired_retention,
                seed=review_seed(user.pk, card_id, review.seq),
            )
            if review.after != schedule.to_json():
                problems.append(f"{where}: 'after' differs from the replayed schedule")
        state = states.pop(card_id, None)
        if state is None:
            problems.append(f"card {card_id}: reviews but no card state")
        elif state.schedule != schedule:
            problems.append(f"card {card_id}: stored state {state.schedule} != replayed {schedule}")
    for card_id in states:
        problems.append(f"card {card_id}: a card state but no review")
    return problems
