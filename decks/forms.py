from django import forms

from .formats import DeckFormatError, Limits, check_size, megabytes

FORMAT_CHOICES = [
    ("", "Detect from the file"),
    ("brainscape", "Brainscape text"),
    ("csv", "CSV: question, answer, category"),
    ("tsv", "TSV (tab-separated), or Anki's text export"),
    ("apkg", "Anki package (.apkg)"),
    ("pasted", "Pasted text, e.g. from Quizlet (separators below)"),
]
# Names, not the characters: a browser sends a newline in a form value as CR LF.
SEPARATORS = {"tab": "\t", "comma": ",", "dash": " - "}
SEPARATOR_CHOICES = [
    ("tab", "Tab"),
    ("comma", "Comma"),
    ("dash", "Dash ( - )"),
    ("custom", "Custom"),
]
CARD_SEPARATORS = {"newline": "\n", "semicolon": ";", "blank-line": "\n\n"}
CARD_SEPARATOR_CHOICES = [
    ("newline", "New line"),
    ("semicolon", "Semicolon"),
    ("blank-line", "Blank line"),
    ("custom", "Custom"),
]


class ImportDeckForm(forms.Form):
    """A deck file or pasted text, and how to read it. `cleaned_data["data"]`
    holds the bytes and `["filename"]` the name to detect the format from."""

    file = forms.FileField(required=False, help_text="Brainscape .txt, .csv, .tsv or Anki .apkg.")
    text = forms.CharField(
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 80}),
        label="Or paste the cards",
    )
    format = forms.ChoiceField(choices=FORMAT_CHOICES, required=False)
    title = forms.CharField(
        required=False,
        max_length=200,
        help_text="A Brainscape file names its deck; otherwise the file name gives the title. "
        "Pasted text needs one. Importing into a deck of the same title updates it.",
    )
    separator = forms.ChoiceField(
        choices=SEPARATOR_CHOICES,
        initial="tab",
        required=False,
        label="Between question and answer",
        help_text="For pasted text.",
    )
    custom_separator = forms.CharField(required=False, strip=False, max_length=20)
    card_separator = forms.ChoiceField(
        choices=CARD_SEPARATOR_CHOICES,
        initial="newline",
        required=False,
        label="Between cards",
        help_text="For pasted text.",
    )
    custom_card_separator = forms.CharField(required=False, strip=False, max_length=20)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            # Before anything reads it: an oversized upload is refused unread.
            try:
                check_size(upload.size)
            except DeckFormatError as exc:
                raise forms.ValidationError(str(exc)) from None
        return upload

    def clean(self) -> dict:
        data = super().clean()
        upload, text = data.get("file"), data.get("text") or ""
        if self.errors:
            return data
        if upload and text.strip():
            raise forms.ValidationError("Upload a file or paste text, not both.")
        if not upload and not text.strip():
            raise forms.ValidationError("Upload a file or paste the cards.")
        if upload:
            data["data"], data["filename"] = upload.read(), upload.name
        else:
            data["data"], data["filename"] = text.encode(), ""
            limit = Limits.from_settings().max_bytes
            if len(data["data"]) > limit:
                raise forms.ValidationError(f"The text is longer than {megabytes(limit)}.")
            if data.get("format") == "apkg":
                self.add_error("format", "An Anki package is a file: upload it.")
        for field, names, default in (
            ("separator", SEPARATORS, "tab"),
            ("card_separator", CARD_SEPARATORS, "newline"),
        ):
            if data.get(field) == "custom":
                data[field] = data.get(f"custom_{field}") or ""
                if not data[field]:
                    self.add_error(f"custom_{field}", "Type the custom separator.")
            else:
                data[field] = names[data.get(field) or default]
        return data


class ConfirmImportForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=100)
