"""Parts of catalogue pages rendered once per content version and language, for every page
they are on: the video cards, and the search and filter form.

The long tail of distinct pages (docs/PERFORMANCE.md, P1m) misses the whole-page cache, but
its parts repeat from page to page.

Cards:
a video's card is the same on every catalogue page, filter, search and home page it appears
on, so a page nobody has asked for yet (most of the long tail: docs/PERFORMANCE.md, P1m) is
mostly cards already rendered for other pages. Each card is kept under the content version
(any edit of public content moves it, as for whole pages) with whether its media are public,
which decides its thumbnail's URL; the cards a list lacks are rendered in one pass and stored
in one round trip.

The form: what it shows depends on the filters chosen and on the words searched. It is kept
per content version (its choices), language and filters, with a placeholder for the words,
which each page puts in: every search with the same filters shares it, and every page of
the catalogue in the same order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.core.cache import cache
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from core import content_version
from media_library.forms import VideoFilterForm
from media_library.models import Video

CARD_TEMPLATE = "media_library/_video_card.html"
# Bounds how long a card of a scheduled video can outlive its minute without a version move.
CARD_CACHE_SECONDS = 600


def card_key(video: Video, *, version: int, language: str) -> str:
    return f"media_library:card:{version}:{language}:{video.pk}:{int(video.has_public_media)}"


def render_cards(videos: Iterable[Video], *, shared: bool = True) -> SafeString:
    """The `<li>` cards of `videos`, in their order: from the cache where rendered before,
    unless not `shared` (an editor's page: every card afresh)."""
    videos = list(videos)
    if not videos:
        return mark_safe("")
    if not shared:
        template = get_template(CARD_TEMPLATE)
        return mark_safe("".join(template.render({"video": video}) for video in videos))  # noqa: S308
    version, language = content_version.current(), get_language()
    keys = [card_key(video, version=version, language=language) for video in videos]
    found = cache.get_many(keys)
    missing = {key: video for key, video in zip(keys, videos, strict=True) if key not in found}
    if missing:
        template = get_template(CARD_TEMPLATE)
        rendered = {key: template.render({"video": video}) for key, video in missing.items()}
        cache.set_many(rendered, CARD_CACHE_SECONDS)
        found.update(rendered)
    # Each card was rendered by the template engine, which escaped what it had to.
    return mark_safe("".join(found[key] for key in keys))  # noqa: S308


FORM_TEMPLATE = "media_library/_filter_form.html"
FORM_CACHE_SECONDS = 600
# Stands for the searched words in a stored form; letters only, so escaping leaves it be.
WORDS_PLACEHOLDER = "catalogueSearchWordsPlaceholder"
# The search field as the widget renders it when the words are the placeholder.
_WORDS_ATTRIBUTE = f' value="{WORDS_PLACEHOLDER}"'


def render_filter_form(form: VideoFilterForm, *, shared: bool = True) -> SafeString:
    """The catalogue's form for `form`'s data, byte for byte what its template renders; from
    the cache unless not `shared` (an editor's page)."""
    if not shared or (form.is_bound and form.errors):
        # Rare, and its messages name what was typed: not worth a cache entry.
        return mark_safe(get_template(FORM_TEMPLATE).render({"form": form}))  # noqa: S308
    words = form.data.get("q", "") if form.is_bound else ""
    chosen = sorted(
        (name, tuple(form.data.getlist(name)))
        for name in form.fields
        if name != "q" and form.is_bound and name in form.data
    )
    digest = hashlib.sha256(repr((form.is_bound, chosen)).encode()).hexdigest()[:32]
    key = f"media_library:filter-form:{content_version.current()}:{get_language()}:{digest}"
    stored = cache.get(key)
    if stored is None:
        stored = _render_with_placeholder(form)
        cache.set(key, stored, FORM_CACHE_SECONDS)
    # The widget writes no value attribute for empty words, and the escaped words otherwise.
    value = f' value="{escape(words)}"' if words else ""
    return mark_safe(stored.replace(_WORDS_ATTRIBUTE, value))  # noqa: S308


def _render_with_placeholder(form: VideoFilterForm) -> str:
    """The form as its template renders it, with the placeholder for the searched words.

    The form has been validated: only the data the widgets show is swapped, for the render.
    """
    if not form.is_bound:
        return get_template(FORM_TEMPLATE).render({"form": form})
    data = form.data
    form.data = data.copy()
    form.data["q"] = WORDS_PLACEHOLDER
    try:
        return get_template(FORM_TEMPLATE).render({"form": form})
    finally:
        form.data = data
