from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from alerts.models import SavedSearch


class AlertSettingsForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=SavedSearch.Frequency.choices,
        initial=SavedSearch.Frequency.INSTANT,
        widget=forms.RadioSelect,
    )
    email_language = forms.ChoiceField(label=_("Language of the emails"), choices=[])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email_language"].choices = [
            (code, _(name)) for code, name in settings.LANGUAGES
        ]


class AlertEditForm(AlertSettingsForm):
    active = forms.BooleanField(label=_("Send me the emails of this alert"), required=False)
