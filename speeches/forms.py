from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from speeches.models import SpeechQuerySet


class SpeechFilterForm(forms.Form):
    """The public list's search and filters. Choices come from what is published."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    speaker = forms.ChoiceField(label=_("Speaker"), required=False)
    event = forms.ChoiceField(label=_("Event"), required=False)
    year = forms.TypedChoiceField(label=_("Year"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, speeches: SpeechQuerySet, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        anything = [("", _("All"))]
        speakers = speeches.order_by("speaker_name").values_list("speaker_name", flat=True)
        events = speeches.exclude(event="").order_by("event").values_list("event", flat=True)
        years = speeches.dates("date_delivered", "year", order="DESC")
        self.fields["speaker"].choices = anything + [(s, s) for s in speakers.distinct()]
        self.fields["event"].choices = anything + [(e, e) for e in events.distinct()]
        self.fields["year"].choices = anything + [(str(d.year), str(d.year)) for d in years]

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
