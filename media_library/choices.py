"""The catalogue's filter choices, cached per content version: they change when editors edit.

Every catalogue request used to read categories, events, languages and the countries in use
(four queries, the last one a scan of all published videos). Any edit moves the content
version, so editors' changes show at once.
"""

from __future__ import annotations

from django.utils.translation import get_language
from django_countries import countries

from core import content_version
from media_library.models import Category, Event, Language, Video

CACHE_SECONDS = 600


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    # Per language: the countries' names are translated.
    return content_version.remembered(
        f"media_library:filter-choices:{get_language()}", _read_choices, timeout=CACHE_SECONDS
    )


def _read_choices() -> dict[str, list[tuple[str, str]]]:
    used_countries = set(
        Video.objects.published()
        .exclude(country="")
        .order_by()
        .values_list("country", flat=True)
        .distinct()
    )
    return {
        "category": list(Category.objects.values_list("slug", "name")),
        "event": list(Event.objects.values_list("slug", "name")),
        "language": list(Language.objects.values_list("code", "name")),
        # Only countries that published videos come from: a list of 250 helps nobody.
        "country": [(code, str(name)) for code, name in countries if code in used_countries],
    }
