"""A saved search in words: its short name, and the notes on filters that no longer exist."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_countries import countries

from alerts.models import SavedSearch

# The filters whose terms an editor may delete (SET_NULL on the saved search).
TERMS = ("category", "event", "language")


@dataclass(frozen=True)
class Described:
    name: str
    missing: list[str]


def describe(search: SavedSearch) -> Described:
    """In the active language: call inside `translation.override` for an email."""
    bits = []
    if search.query:
        bits.append(f"“{search.query}”")
    for term in TERMS:
        value = getattr(search, term)
        if value is not None:
            bits.append(str(value))
    if search.country:
        bits.append(str(countries.name(search.country)) or search.country)
    if search.date_from:
        bits.append(_("from %(date)s") % {"date": date_format(search.date_from)})
    if search.date_to:
        bits.append(_("until %(date)s") % {"date": date_format(search.date_to)})
    if search.min_height:
        bits.append(_("%(height)dp or better") % {"height": search.min_height})
    name = " · ".join(bits) or _("Every new video")
    return Described(name=name, missing=missing_filters(search))


def missing_filters(search: SavedSearch) -> list[str]:
    notes = []
    messages = {
        "category": _(
            "The category “%(name)s” no longer exists: this alert matches on the rest of "
            "its search."
        ),
        "event": _(
            "The event “%(name)s” no longer exists: this alert matches on the rest of its search."
        ),
        "language": _(
            "The language “%(name)s” no longer exists: this alert matches on the rest of "
            "its search."
        ),
    }
    for term in TERMS:
        name = (search.wanted or {}).get(term)
        if name and getattr(search, f"{term}_id") is None:
            notes.append(messages[term] % {"name": name})
    return notes


def catalogue_querystring(search: SavedSearch) -> str:
    """The catalogue's address parameters for this search, as its filter form reads them."""
    params = {
        "q": search.query,
        "category": search.category.slug if search.category else "",
        "event": search.event.slug if search.event else "",
        "language": search.language.code if search.language else "",
        "country": search.country,
        "date_from": search.date_from.isoformat() if search.date_from else "",
        "date_to": search.date_to.isoformat() if search.date_to else "",
        "min_height": search.min_height or "",
    }
    return urlencode({key: value for key, value in params.items() if value})
