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

The form: what it shows depends on the words searched and the filters chosen. It is kept
once per content version (its choices) and language, with placeholders for the texts and
nothing chosen; each page puts its texts in and marks its choices.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.cache import cache
from django.forms.utils import ErrorDict
from django.http import QueryDict
from django.template.loader import get_template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from media_library.forms import VideoFilterForm
from media_library.models import Video

CARD_TEMPLATE = "media_library/_video_card.html"
# Bounds how long a card of a scheduled video can outlive its minute without a version move.
CARD_CACHE_SECONDS = 600


def card_key(video: Video, *, version: int, language: str) -> str:
    return f"media_library:card:{version}:{language}:{video.pk}:{int(video.has_public_media)}"


def render_cards(videos: Iterable[Video], *, version: int | None) -> SafeString:
    """The `<li>` cards of `videos`, in their order: from the cards kept under `version`
    where rendered before (the page's own, read before its videos were); every card afresh
    when None (an editor's page)."""
    videos = list(videos)
    if not videos:
        return mark_safe("")
    if version is None:
        template = get_template(CARD_TEMPLATE)
        return mark_safe("".join(template.render({"video": video}) for video in videos))  # noqa: S308
    language = get_language()
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
# The fields whose typed text the stored form holds a placeholder for (letters only, so
# escaping leaves it be), and the choice fields whose choice is marked in it.
TEXT_FIELDS = ("q", "date_from", "date_to")
CHOICE_FIELDS = ("category", "event", "language", "country", "min_height", "sort")
_PLACEHOLDER = "catalogueFormPlaceholder{}"
_TEXT_PLACEHOLDERS = re.compile(
    ' value="catalogueFormPlaceholder(?P<name>' + "|".join(TEXT_FIELDS) + ')"'
)
_EMPTY_CHOSEN = '<option value="" selected>'


def render_filter_form(form: VideoFilterForm, *, version: int | None) -> SafeString:
    """The catalogue's form for `form`'s data, byte for byte what its template renders.

    Unless `version` is None (an editor's page), one render per content version and language
    serves every page: it is stored with a placeholder in each text field and nothing
    chosen, and each page puts its own words in and marks its own choices.
    """
    if version is None or (form.is_bound and form.errors):
        # Rare, and its messages name what was typed: not worth a cache entry.
        return mark_safe(get_template(FORM_TEMPLATE).render({"form": form}))  # noqa: S308
    key = f"media_library:filter-form:{version}:{get_language()}"
    stored = cache.get(key)
    if stored is None:
        stored = _render_blank()
        cache.set(key, stored, FORM_CACHE_SECONDS)
    return mark_safe(_filled(stored, form))  # noqa: S308


def _render_blank() -> str:
    """The form with a placeholder in each text field and nothing chosen."""
    blank = QueryDict(mutable=True)
    for name in TEXT_FIELDS:
        blank[name] = _PLACEHOLDER.format(name)
    form = VideoFilterForm(blank)
    # Shown as a form without errors: the placeholders are not data to validate.
    form._errors = ErrorDict()
    return get_template(FORM_TEMPLATE).render({"form": form})


def _filled(stored: str, form: VideoFilterForm) -> str:
    """`stored` with `form`'s texts and choices, as the widgets would have written them: a
    text input has no value attribute when empty, a select marks its one chosen option."""
    data = form.data if form.is_bound else QueryDict()
    values = {}
    for name in TEXT_FIELDS:
        # What the widget would write: None (no attribute) for a missing text, and for an
        # empty one in a search box; an empty date keeps `value=""`.
        text = form.fields[name].widget.format_value(data.get(name))
        values[name] = "" if text is None else f' value="{escape(text)}"'
    # In one pass, so that text put in for one field is never read as another's placeholder.
    html = _TEXT_PLACEHOLDERS.sub(lambda match: values[match["name"]], stored)
    for name in CHOICE_FIELDS:
        chosen = data.get(name) or ""
        if not chosen:
            continue
        start = html.index(f'<select name="{name}"')
        end = html.index("</select>", start)
        options = html[start:end].replace(_EMPTY_CHOSEN, '<option value="">', 1)
        option = f'<option value="{escape(chosen)}">'
        options = options.replace(option, f'<option value="{escape(chosen)}" selected>', 1)
        html = html[:start] + options + html[end:]
    return html
