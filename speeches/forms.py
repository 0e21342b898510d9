from __future__ import annotations

from fractions import Fraction

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from media_library.models import Video
from media_library.shot_entries import video_frame_rate
from speeches import timecodes
from speeches.models import Speech, SpeechQuerySet
from speeches.services import plain_text


class SpeechFilterForm(forms.Form):
    """The public list's search and filters. Choices come from what is published."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    speaker = forms.ChoiceField(label=_("Speaker"), required=False)
    event = forms.ChoiceField(label=_("Event"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, speeches: SpeechQuerySet, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        speakers = speeches.order_by("speaker_name").values_list("speaker_name", flat=True)
        events = speeches.exclude(event="").order_by("event").values_list("event", flat=True)
        years = speeches.dates("date_delivered", "year", order="DESC")
        # "All" agrees with what it stands for in French: "Tous" (intervenants, événements),
        # "Toutes" (années); a context per filter lets the translator choose.
        self.fields["speaker"].choices = [
            ("", pgettext_lazy("speech filter: every speaker", "All")),
            *((s, s) for s in speakers.distinct()),
        ]
        self.fields["event"].choices = [
            ("", pgettext_lazy("speech filter: every event", "All")),
            *((e, e) for e in events.distinct()),
        ]
        self.fields["year"].choices = [
            ("", pgettext_lazy("speech filter: every year", "All")),
            *((str(d.year), str(d.year)) for d in years),
        ]

    def filter(self, speeches: SpeechQuerySet) -> SpeechQuerySet:
        """`speeches` narrowed by the valid filters (an invalid one is simply ignored)."""
        if not self.is_bound:
            return speeches
        self.is_valid()
        data = self.cleaned_data
        if data.get("q"):
            speeches = speeches.search(data["q"])
        if data.get("speaker"):
            speeches = speeches.filter(speaker_name=data["speaker"])
        if data.get("event"):
            speeches = speeches.filter(event=data["event"])
        if data.get("year"):
            speeches = speeches.filter(date_delivered__year=data["year"])
        return speeches


class SpeechAdminForm(forms.ModelForm):
    """The admin's speech form: the transcript shows its timecodes at the start of the
    timecoded paragraphs, and reads them back; pasted captions set them too.

    After validation, `timecodes` holds paragraph position -> seconds of the clean `body`, and
    `unmatched` the lines of paragraphs the pasted captions did not find.
    """

    captions = forms.CharField(
        label=_("Timecodes from captions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text=_(
            "Paste an SRT or WebVTT file of this speech to timecode its paragraphs. Each "
            "paragraph, in order, takes the start of the cue in which its first words (up to "
            "six) are spoken; case and punctuation do not matter. A paragraph the captions do "
            "not contain keeps the timecode written at its start. The captions themselves are "
            "not kept."
        ),
    )

    class Meta:
        model = Speech
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose them
        help_texts = {
            "body": _(
                "Markdown: leave a blank line between paragraphs; *emphasis*, **strong**, "
                "> quotation, [link text](https://example.org). HTML is cleaned on output. "
                "Timecodes: write the moment a paragraph is spoken in the video at its start, "
                "as [00:01:12] or [00:01:12:05] (frames at the video's rate); they must go "
                "forward and stay within the video."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timecodes: dict[int, Fraction] = {}
        self.unmatched: list[int] = []
        if self.instance.pk and "body" in self.fields:
            rows = self.instance.timecoded_paragraphs.values_list("position", "start_ms")
            if rows:
                self.initial["body"] = timecodes.with_timecodes(
                    self.instance.body, {p: Fraction(ms, 1000) for p, ms in rows}
                )

    def clean(self) -> dict:
        data = super().clean()
        if "body" not in data:
            return data
        video = self._video(data)
        fps = video_frame_rate(video) if video is not None else None
        try:
            transcript = timecodes.read_transcript(data["body"], fps=fps)
        except timecodes.TranscriptError as error:
            self.add_error("body", error.messages)
            return data
        found = dict(transcript.timecodes)
        if data.get("captions", "").strip():
            try:
                cues = timecodes.read_captions(data["captions"], fps=fps)
            except timecodes.TranscriptError as error:
                self.add_error("captions", error.messages)
                return data
            texts = [plain_text(p.source) for p in transcript.paragraphs]
            matched = timecodes.match_captions(cues, texts)
            if not matched:
                self.add_error(
                    "captions", _("No paragraph of the transcript starts with words of these cues.")
                )
                return data
            self.unmatched = [p.line for p in transcript.paragraphs if p.position not in matched]
            found.update(matched)
        if found and video is None:
            self.add_error(
                "timecode_video",
                _("Choose the related video in which the timecodes are spoken."),
            )
            return data
        lines = {p.position: p.line for p in transcript.paragraphs}
        errors = timecodes.check_order_and_duration(
            found, duration=video.duration_seconds if video else None, lines=lines
        )
        if found and video is not None and video.duration_seconds is None:
            errors.append(
                _(
                    "The video's duration is not known yet (its files are still being read): "
                    "save the timecodes once it is."
                )
            )
        if errors:
            self.add_error("captions" if data.get("captions", "").strip() else "body", errors)
            return data
        data["body"] = transcript.body
        data["timecode_video"] = video if found else data.get("timecode_video")
        self.timecodes = found
        return data

    def _video(self, data: dict) -> Video | None:
        """The video of the timecodes: the one chosen, or the only related one."""
        chosen = data.get("timecode_video")
        related = list(data.get("related_videos") or [])
        if chosen is not None:
            if chosen not in related:
                self.add_error("timecode_video", _("Choose one of the speech's related videos."))
            return chosen
        return related[0] if len(related) == 1 else None
