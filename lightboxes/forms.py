from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lightboxes.archive import CHOICES, DEFAULT_CHOICE
from lightboxes.models import Collection
from lightboxes.services import NOTE_MAX_LENGTH


class CollectionForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=Collection._meta.get_field("name").max_length
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AddForm(forms.Form):
    """Add a video (by its slug) or a clip (by its id) to a collection of the reader's: one
    chosen from the list, or one named (made if the reader has none of that name)."""

    video = forms.SlugField(required=False, widget=forms.HiddenInput, max_length=255)
    clip = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    collection = forms.TypedChoiceField(
        label=_("Collection"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("Choose one of your own collections.")},
    )
    new_name = forms.CharField(
        label=_("Or a new collection"),
        required=False,
        max_length=Collection._meta.get_field("name").max_length,
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, collections=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collection"].choices = [("", _("—"))] + [
            (collection.pk, collection.name) for collection in collections
        ]

    def clean(self):
        data = super().clean()
        if not data.get("video") and not data.get("clip"):
            raise forms.ValidationError(_("Choose a video or a clip to add."))
        if data.get("collection") is None and not (data.get("new_name") or "").strip():
            raise forms.ValidationError(_("Choose one of your collections or name a new one."))
        return data


class DownloadForm(forms.Form):
    version = forms.ChoiceField(
        label=_("Version of each video"), choices=list(CHOICES.items()), initial=DEFAULT_CHOICE
    )
