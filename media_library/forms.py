"""Forms of the catalogue page and of the admin: file uploads, shot lists."""

from __future__ import annotations

import tempfile
from fractions import Fraction
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AdminFileWidget
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.forms.models import BaseInlineFormSet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import timecode
from media_library import images, ingest, shot_entries, shotlist
from media_library.choices import filter_choices
from media_library.models import Category, Event, Language, Rendition, ShotEntry, Video

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


# --- Shot lists ---------------------------------------------------------------------------------

# The most errors listed under the shot list at once: enough to see the pattern of a mistake.
MAX_LINE_ERRORS = 50

TIMECODE_RATE_CHOICES = [
    ("", _("The video's frame rate (read from its files)")),
    ("25", _("25 fps (PAL, SECAM)")),
    ("30000/1001", _("29.97 fps (NTSC; “;” before the frames for drop-frame)")),
    ("50", _("50 fps")),
    ("60000/1001", _("59.94 fps")),
    ("24", _("24 fps")),
    ("30", _("30 fps")),
]


class ShotListField(forms.CharField):
    """The pasted shot list: its line ends and outer blank lines do not count as a change, so
    saving a video without touching the text leaves its entries as they are."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 12, "cols": 100}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return "\n".join(line.rstrip() for line in value.replace("\r\n", "\n").split("\n"))

    def has_changed(self, initial, data) -> bool:
        return self.to_python(initial or "").strip() != self.to_python(data or "").strip()


def line_errors(errors: list[shotlist.LineError]) -> list[str]:
    shown = [str(error) for error in errors[:MAX_LINE_ERRORS]]
    if len(errors) > MAX_LINE_ERRORS:
        rest = len(errors) - MAX_LINE_ERRORS
        shown.append(
            ngettext("… and %(count)d more line.", "… and %(count)d more lines.", rest)
            % {"count": rest}
        )
    return shown


class VideoAdminForm(forms.ModelForm):
    """A thumbnail upload must be a picture (checked by content, `images`); a pasted shot list
    must read line by line (`shotlist.parse`), else every line it cannot read is listed and
    nothing is saved."""

    timecode_rate = forms.ChoiceField(
        label=_("Frame rate of the timecodes"),
        choices=TIMECODE_RATE_CHOICES,
        required=False,
        help_text=_("For timecodes with frames (HH:MM:SS:FF) in the pasted shot list."),
    )

    class Meta:
        model = Video
        fields = ["thumbnail", "shot_list"]  # the admin adds the others of its fieldsets
        field_classes = {"shot_list": ShotListField}
        widgets = {
            "thumbnail": AdminFileWidget(attrs={"accept": "image/jpeg,image/png,image/webp"})
        }

    # Set by clean() when the shot list text was changed and reads: the entries to save.
    pasted_entries: list[shotlist.Entry] | None = None

    def clean_thumbnail(self):
        upload = self.cleaned_data.get("thumbnail")
        if isinstance(upload, UploadedFile):
            return checked_thumbnail(upload)
        return upload

    def frame_rate(self) -> Fraction | None:
        chosen = self.cleaned_data.get("timecode_rate") if hasattr(self, "cleaned_data") else ""
        if chosen:
            return Fraction(chosen)
        return shot_entries.video_frame_rate(self.instance) if self.instance.pk else None

    def clean(self) -> dict:
        cleaned = super().clean()
        self.pasted_entries = None
        if "shot_list" not in self.changed_data or "shot_list" not in cleaned:
            return cleaned
        parsed = shotlist.parse(
            cleaned["shot_list"],
            fps=self.frame_rate(),
            duration_ms=shot_entries.duration_ms(self.instance),
        )
        if parsed.errors:
            self.add_error("shot_list", line_errors(parsed.errors))
        else:
            self.pasted_entries = parsed.entries
        return cleaned


class ShotEntryAdminForm(forms.ModelForm):
    """One entry edited in place: in and out points typed as timecodes, the language as a
    code or a name ("fr", "French")."""

    start = forms.CharField(label=_("in"), max_length=20)
    end = forms.CharField(label=_("out"), max_length=20, required=False)

    class Meta:
        model = ShotEntry
        fields = ["kind", "description", "speaker_name", "speaker_role", "language", "quote"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2, "cols": 30}),
            "quote": forms.Textarea(attrs={"rows": 2, "cols": 30}),
            "speaker_name": forms.TextInput(attrs={"size": 16}),
            "speaker_role": forms.TextInput(attrs={"size": 16}),
            "language": forms.TextInput(attrs={"size": 6}),
        }

    def __init__(self, *args, fps: Fraction | None = None, duration_ms: int | None = None, **kw):
        super().__init__(*args, **kw)
        self.fps, self.duration_ms = fps, duration_ms
        for name in ("start", "end"):
            self.fields[name].widget.attrs["size"] = 11
        if self.instance.pk:
            self.initial["start"] = shotlist.clock(self.instance.start_ms)
            if self.instance.end_ms is not None:
                self.initial["end"] = shotlist.clock(self.instance.end_ms)

    def _moment(self, name: str) -> int | None:
        text = self.cleaned_data.get(name, "").strip()
        if not text:
            return None
        try:
            return shotlist.to_ms(timecode.parse(text, fps=self.fps))
        except timecode.TimecodeError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_start(self) -> int | None:
        return self._moment("start")

    def clean_end(self) -> int | None:
        return self._moment("end")

    def clean_language(self) -> str:
        value = self.cleaned_data.get("language", "").strip()
        if not value:
            return ""
        code = shotlist.language_code(value)
        if code is None:
            raise forms.ValidationError(
                _("Unknown language “%(name)s”: write its code or English name (fr, French).")
                % {"name": value}
            )
        return code

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None:
            return cleaned
        if end is not None and end <= start:
            self.add_error("end", _("The out point must come after the in point."))
        if self.duration_ms is not None and (
            start >= self.duration_ms or (end or start) > self.duration_ms
        ):
            self.add_error(
                "start" if start >= self.duration_ms else "end",
                _("Past the end of the video (%(duration)s).")
                % {"duration": shotlist.clock(self.duration_ms)},
            )
        kind = cleaned.get("kind")
        if kind == ShotEntry.Kind.SOUNDBITE and not cleaned.get("speaker_name"):
            self.add_error("speaker_name", _("A soundbite names its speaker."))
        elif kind == ShotEntry.Kind.SHOT and not cleaned.get("description"):
            self.add_error("description", _("Say what the shot shows."))
        return cleaned

    def save(self, commit: bool = True) -> ShotEntry:
        self.instance.start_ms = self.cleaned_data["start"]
        self.instance.end_ms = self.cleaned_data.get("end")
        if self.instance.pk is None:
            # After the others; shot_entries.entries_edited numbers them by their in points.
            self.instance.position = 10_000
        return super().save(commit=commit)


class ShotEntryFormSet(BaseInlineFormSet):
    """The entries of one video. Either they or the pasted text change in one save: both at
    once would be two versions of the same shot list.

    The admin validates the video's form first and leaves on the video what it read there
    (`VideoAdmin.save_form`): the frame rate picked and the pasted entries, if any. The forms
    of this formset are made after that (on first use), so they read them then.
    """

    def __init__(
        self, *args, fps: Fraction | None = None, duration_ms: int | None = None, **kwargs
    ) -> None:
        self.fps, self.duration_ms = fps, duration_ms
        super().__init__(*args, **kwargs)

    @property
    def pasted(self) -> bool:
        return getattr(self.instance, "_pasted_entries", None) is not None

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        fps = getattr(self.instance, "_frame_rate", None) or self.fps
        return {**kwargs, "fps": fps, "duration_ms": self.duration_ms}

    def clean(self) -> None:
        super().clean()
        if self.pasted and any(form.has_changed() for form in self.forms):
            raise forms.ValidationError(
                _(
                    "You changed both the shot list text and its entries: keep one. The text "
                    "replaces all the entries; the entries rewrite the text."
                )
            )
