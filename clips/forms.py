from __future__ import annotations

from collections.abc import Mapping, Sequence

from django import forms
from django.utils.translation import gettext_lazy as _

from clips.models import Clip
from clips.services import frame_rate, mode_problem, range_problems, to_ms
from core import timecode
from media_library.models import Rendition

TIMECODE_HELP = _("HH:MM:SS, HH:MM:SS:FF (frames) or HH:MM:SS.mmm")


class ClipForm(forms.Form):
    """A range of one of the video's renditions, typed as timecodes, and the cutting mode.

    Query parameters prefill it (`?in=00:01:12&out=00:01:30&rendition=3&mode=exact`), so a
    shot or soundbite can link to its clip.
    """

    rendition = forms.TypedChoiceField(label=_("Version"), coerce=int)
    start = forms.CharField(label=_("In"), max_length=20, help_text=TIMECODE_HELP)
    end = forms.CharField(label=_("Out"), max_length=20, help_text=TIMECODE_HELP)
    mode = forms.ChoiceField(
        label=_("Cut"),
        choices=[
            (
                Clip.Mode.FAST,
                _(
                    "Fast: copied without re-encoding, from the keyframe at or before the in "
                    "point, so it may start up to a few seconds early"
                ),
            ),
            (
                Clip.Mode.EXACT,
                _("Frame-accurate: re-encoded with the version's codec, slower"),
            ),
        ],
        initial=Clip.Mode.FAST,
        widget=forms.RadioSelect,
    )

    def __init__(self, data=None, *, renditions: Sequence[Rendition], **kwargs) -> None:
        super().__init__(data, **kwargs)
        self.renditions = {rendition.pk: rendition for rendition in renditions}
        self.fields["rendition"].choices = [
            (rendition.pk, _label(rendition)) for rendition in renditions
        ]

    @classmethod
    def initial_from_query(cls, query: Mapping[str, str]) -> dict[str, str]:
        """What a link asks for: `in`, `out`, `rendition`, `mode` (as text; the form checks)."""
        names = {"in": "start", "out": "end", "rendition": "rendition", "mode": "mode"}
        return {field: query[key][:20] for key, field in names.items() if query.get(key)}

    def clean(self) -> dict:
        data = super().clean()
        rendition = self.renditions.get(data.get("rendition"))
        if rendition is None:
            return data
        fps = frame_rate(rendition)
        moments = {}
        for field in ("start", "end"):
            if field in data:
                try:
                    moments[field] = to_ms(timecode.parse(data[field], fps=fps))
                except timecode.TimecodeError as exc:
                    self.add_error(field, str(exc))
        if len(moments) == 2:
            for field, message in range_problems(
                rendition=rendition, start_ms=moments["start"], end_ms=moments["end"]
            ).items():
                self.add_error(field if field in self.fields else None, message)
        problem = mode_problem(rendition=rendition, mode=data.get("mode", ""))
        if problem:
            self.add_error("mode", problem)
        data["rendition_object"] = rendition
        data["start_ms"], data["end_ms"] = moments.get("start"), moments.get("end")
        return data


def _label(rendition: Rendition) -> str:
    parts = [rendition.label or rendition.original_filename]
    if rendition.resolution:
        parts.append(rendition.resolution)
    if rendition.duration_display:
        parts.append(rendition.duration_display)
    return " · ".join(parts)
