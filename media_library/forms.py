"""Forms of the catalogue page and of the admin's file upload."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AdminFileWidget
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from media_library import images, ingest
from media_library.choices import filter_choices
from media_library.models import Category, Event, Language, Rendition, Video

RESOLUTION_CHOICES = [
    ("", _("Any resolution")),
    ("720", _("HD 720p or better")),
    ("1080", _("HD 1080p or better")),
    ("2160", _("4K UHD")),
]

SORT_CHOICES = [
    ("", _("Relevance (when searching), else newest")),
    ("newest", _("Newest first")),
    ("oldest", _("Oldest first")),
    ("recorded", _("Date recorded")),
    ("title", _("Title (A–Z)")),  # noqa: RUF001
    ("duration", _("Shortest first")),
]


class VideoFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
        help_text=_("Words from the title, summary, shot list or tags."),
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    event = forms.ChoiceField(label=_("Event"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    date_from = forms.DateField(
        label=_("Recorded from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Recorded until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    min_height = forms.TypedChoiceField(
        label=_("Minimum resolution"),
        choices=RESOLUTION_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
    )
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORT_CHOICES, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = filter_choices()
        for name, empty_label in (
            ("category", _("All categories")),
            ("event", _("All events")),
            ("language", _("All languages")),
            ("country", _("All countries")),
        ):
            self.fields[name].choices = [("", empty_label), *choices[name]]

    def clean_category(self) -> Category | None:
        slug = self.cleaned_data["category"]
        return Category.objects.filter(slug=slug).first() if slug else None

    def clean_event(self) -> Event | None:
        slug = self.cleaned_data["event"]
        return Event.objects.filter(slug=slug).first() if slug else None

    def clean_language(self) -> Language | None:
        code = self.cleaned_data["language"]
        return Language.objects.filter(code=code).first() if code else None

    def clean(self) -> dict:
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", _("The end date must not be before the start date."))
        return cleaned


def check_video_upload(upload: UploadedFile) -> None:
    """The quick look of `ingest.probe` at an upload, by its content, before it is stored:
    a playlist, a still image, a format not accepted or a picture too large is refused here
    (the ingest task then reads every packet)."""
    if hasattr(upload, "temporary_file_path"):
        ingest.probe(upload.temporary_file_path(), check_complete=False)
        return
    with tempfile.NamedTemporaryFile(suffix=Path(upload.name or "").suffix[:16]) as copy:
        for chunk in upload.chunks():
            copy.write(chunk)
        copy.flush()
        ingest.probe(copy.name, check_complete=False)
    upload.seek(0)


class RenditionAdminForm(forms.ModelForm):
    """Refuses empty, oversized and non-video uploads before anything is stored."""

    class Meta:
        model = Rendition
        fields = ["label", "file", "make_preview", "position"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):
            if upload.size == 0:
                raise forms.ValidationError(_("The file is empty."))
            if upload.size > settings.MAX_UPLOAD_SIZE:
                raise forms.ValidationError(
                    _("The file is larger than %(limit)s; use the ingest_video command.")
                    % {"limit": filesizeformat(settings.MAX_UPLOAD_SIZE)}
                )
            try:
                check_video_upload(upload)
            except ingest.IngestError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return upload


def checked_thumbnail(upload: UploadedFile) -> ContentFile:
    """The uploaded picture decoded with Pillow and re-encoded by us, under a name of ours:
    the upload's own bytes and name are never stored."""
    try:
        picture = images.reencoded_thumbnail(upload)
    except images.ImageRefused as exc:
        raise forms.ValidationError(str(exc)) from exc
    return ContentFile(picture.content, name=picture.name)


class VideoAdminForm(forms.ModelForm):
    """A thumbnail upload must be a picture (checked by content, `images`)."""

    class Meta:
        model = Video
        fields = ["thumbnail"]  # the admin adds the others of its fieldsets
        widgets = {
            "thumbnail": AdminFileWidget(attrs={"accept": "image/jpeg,image/png,image/webp"})
        }

    def clean_thumbnail(self):
        upload = self.cleaned_data.get("thumbnail")
        if isinstance(upload, UploadedFile):
            return checked_thumbnail(upload)
        return upload
