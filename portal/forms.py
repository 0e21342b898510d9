"""Forms of the site layer's own pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class QuoteSearchForm(forms.Form):
    q = forms.CharField(label=_("Words said"), max_length=200, required=False)
