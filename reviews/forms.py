from django import forms


class RatingForm(forms.Form):
    """A rating of the card shown; `reps` says which showing of it was rated."""

    rating = forms.IntegerField(min_value=1, max_value=5)
    reps = forms.IntegerField(min_value=0, max_value=2**31 - 1)
    shown = forms.IntegerField(required=False, min_value=0, max_value=2**53)
    more = forms.BooleanField(required=False)
