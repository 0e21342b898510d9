"""The catalogue's filter choices, cached per content version: they change when editors edit.

Every catalogue request used to read categories, events, languages and the countries in use
(four queries, the last one a scan of all published videos). Any edit moves the content
version, so editors' changes show at once.
"""

from __future__ import annotations

import unicodedata

from django.utils.translation import get_language
from django_countries import countries

from core import content_version
from media_library.models import Category, Event, Language, Video

CACHE_SECONDS = 600


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    # Per language: the names of terms, languages and countries are translated.
    return content_version.remembered(
        f"media_library:filter-choices:{get_language()}", _read_choices, timeout=CACHE_SECONDS
    )


def _sort_key(name: str) -> str:
    """Accents aside, as a French reader looks for "Éthiopie" among the E's."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


def _read_choices() -> dict[str, list[tuple[str, str]]]:
    used_countries = set(
        Video.objects.published()
        .exclude(country="")
        .order_by()
        .values_list("country", flat=True)
        .distinct()
    )
    return {
        # Names in the page's language (media_library/translation.py), as on the video page.
        "category": list(Category.objects.values_list("slug", "name")),
        "event": list(Event.objects.values_list("slug", "name")),
        "language": sorted(
            ((language.code, language.label) for language in Language.objects.all()),
            key=lambda choice: _sort_key(choice[1]),
        ),
        # Only countries that published videos come from: a list of 250 helps nobody. Their
        # names are django-countries', as on the video page, sorted in the page's language.
        "country": [(code, str(name)) for code, name in countries if code in used_countries],
    }
