"""The catalogue's filter choices, cached: they change when editors edit, not per request.

Every catalogue request used to read categories, events, languages and the countries in use
(four queries, the last one a scan of all published videos). Any save or delete of those
models drops the cached lists, so editors' changes show at once.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django_countries import countries

CACHE_KEY = "media_library:filter-choices:v1"
CACHE_SECONDS = 600


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    from media_library.models import Category, Event, Language, Video

    choices = cache.get(CACHE_KEY)
    if choices is None:
        used_countries = set(
            Video.objects.published()
            .exclude(country="")
            .order_by()
            .values_list("country", flat=True)
            .distinct()
        )
        choices = {
            "category": list(Category.objects.values_list("slug", "name")),
            "event": list(Event.objects.values_list("slug", "name")),
            "language": list(Language.objects.values_list("code", "name")),
            # Only countries that published videos come from: a list of 250 helps nobody.
            "country": [(code, str(name)) for code, name in countries if code in used_countries],
        }
        cache.set(CACHE_KEY, choices, CACHE_SECONDS)
    return choices


def forget_filter_choices(**kwargs) -> None:
    cache.delete(CACHE_KEY)


def connect() -> None:
    from media_library.models import Category, Event, Language, Video

    for model in (Category, Event, Language, Video):
        for signal in (post_save, post_delete):
            signal.connect(
                forget_filter_choices,
                sender=model,
                dispatch_uid=f"media_library.filter_choices.{model.__name__}.{signal}",
            )
