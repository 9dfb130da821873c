import zoneinfo

from django import forms
from django.contrib.auth.forms import UserCreationForm

from .models import User


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        required=False, help_text="Optional: only used to reset a forgotten password."
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class SettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        choices=[(name, name) for name in sorted(zoneinfo.available_timezones())],
        help_text="Days, streaks and daily limits start at midnight here.",
    )

    class Meta:
        model = User
        fields = ("new_cards_per_day", "desired_retention", "time_zone")
        widgets = {"desired_retention": forms.NumberInput(attrs={"step": "0.01"})}
