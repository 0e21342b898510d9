"""Pages of the long tail share their parts (media_library/fragments.py, search.py, related.py):
each part is what a fresh render gives, and it changes on every page the moment content does."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from core import content_version
from media_library import views
from media_library.forms import VideoFilterForm
from media_library.fragments import render_cards, render_filter_form
from media_library.models import Video
from media_library.tests.factories import (
    CategoryFactory,
    EventFactory,
    LanguageFactory,
    VideoFactory,
)

LIST_URL = reverse("media_library:video_list")

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"q": "summit"},
        {"q": "  <script>alert(\"x\")</script> & 'quotes'  "},
        {"q": "summit", "category": "press", "sort": "title", "min_height": "720"},
        {"sort": "oldest"},
        {"q": "", "country": "BE", "date_from": "2024-01-01"},
        {"q": "catalogueFormPlaceholderq", "date_to": "catalogueFormPlaceholderdate_to"},
        {"q": "catalogueFormPlaceholderdate_to", "date_to": "2024-06-30"},
        {"q": ' value="catalogueFormPlaceholderdate_from"', "date_from": "2024-01-01"},
        {"event": "summit", "language": "fr", "country": "BE", "min_height": "2160"},
        {"category": "press", "date_from": "2024-01-01", "date_to": "2024-12-31"},
        {"sort": "duration", "page": "3"},
    ],
)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_stored_filter_form_is_byte_for_byte_a_fresh_render(data, language):
    from django.http import QueryDict

    CategoryFactory(name="Press conference", slug="press")
    EventFactory(name="Summit <2024> & more", slug="summit")
    LanguageFactory(code="fr", name="French")
    VideoFactory(country="BE")
    query = None if data is None else QueryDict(mutable=True)
    for name, value in (data or {}).items():
        query[name] = value
    with translation.override(language):
        for _ in range(2):  # stored by the first, read by the second
            form = VideoFilterForm(query)
            form.is_valid()
            fresh = render_to_string("media_library/_filter_form.html", {"form": form})
            assert render_filter_form(form, version=content_version.current()) == fresh


def test_a_thousand_random_filter_combinations_get_the_form_a_fresh_render_gives(fuzz_seed):
    import random

    from django.http import QueryDict

    rng = random.Random(fuzz_seed)
    CategoryFactory(name="Press conference", slug="press")
    CategoryFactory(name="B-roll", slug="b-roll")
    EventFactory(name="Summit <2024> & more", slug="summit")
    LanguageFactory(code="fr", name="French")
    VideoFactory(country="BE")
    VideoFactory(country="FR")
    values = {
        "q": ["", "summit", "  nato  ", '"press conference"', "<b>&amp;</b>", "é" * 3],
        "category": ["", "press", "b-roll", "nope"],
        "event": ["", "summit"],
        "language": ["", "fr", "xx"],
        "country": ["", "BE", "FR", "ZZ"],
        "date_from": ["", "2024-01-01", "2024-13-01"],
        "date_to": ["", "2024-06-30"],
        "min_height": ["", "720", "1080", "2160", "9"],
        "sort": ["", "newest", "oldest", "recorded", "title", "duration", "bogus"],
    }
    checked = {"with errors": 0, "without": 0}
    version = content_version.current()
    for _ in range(1000):
        query = QueryDict(mutable=True)
        for name, options in values.items():
            if rng.random() < 0.5:
                query[name] = rng.choice(options)
        form = VideoFilterForm(query)
        form.is_valid()
        checked["with errors" if form.errors else "without"] += 1
        fresh = render_to_string("media_library/_filter_form.html", {"form": form})
        assert render_filter_form(form, version=version) == fresh, query.urlencode()
    print(f"filter form: 1000 combinations, {checked}")
    assert checked["without"] > 100


def test_a_form_with_errors_is_rendered_with_them():
    form = VideoFilterForm({"date_from": "2024-05-01", "date_to": "2024-01-01"})
    form.is_valid()

    html = render_filter_form(form, version=content_version.current())

    assert "The end date must not be before the start date." in html


def test_the_pages_of_one_listing_count_it_once(client, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    category = CategoryFactory(slug="press")
    VideoFactory.create_batch(5, category=category)
    client.get(LIST_URL, {"category": "press"})  # count, category, page, and the choices

    # Another page, another order: the category and the page itself; the count is known.
    with django_assert_num_queries(2):
        second = client.get(LIST_URL, {"category": "press", "page": 2, "sort": "title"})

    assert second.context["page"].paginator.count == 5
    assert "Page 2 of 3" in second.content.decode()


def test_a_search_runs_once_for_all_its_pages(client, django_assert_num_queries, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    for n in range(5):
        VideoFactory(title=f"Summit arrival {n}")
    VideoFactory(title="Something else")
    first = client.get(LIST_URL, {"q": "summit"})

    # The candidates are known: only the page's cards are read.
    with django_assert_num_queries(1):
        second = client.get(LIST_URL, {"q": "summit", "page": 2})

    titles = [v.title for v in first.context["videos"]] + [
        v.title for v in second.context["videos"]
    ]
    assert len(set(titles)) == 4 and all(title.startswith("Summit") for title in titles)
    assert second.context["page"].paginator.count == 5


@pytest.mark.django_db(transaction=True)
def test_an_edit_shows_on_every_card_and_count_at_once():
    category = CategoryFactory(slug="press")
    video = VideoFactory(title="Before the edit", category=category)
    reader = Client()
    pages = [reverse("home"), LIST_URL, f"{LIST_URL}?category=press", f"{LIST_URL}?q=edit"]
    for page in pages:
        assert "Before the edit" in reader.get(page).content.decode()

    video.title = "After the edit"
    video.save()
    VideoFactory(title="A second edit", category=category)

    for page in [*pages, f"{LIST_URL}?category=press&sort=title"]:
        html = reader.get(page).content.decode()
        assert "After the edit" in html and "Before the edit" not in html, page
    assert "2 videos" in reader.get(f"{LIST_URL}?category=press&sort=oldest").content.decode()


def test_neighbours_share_their_related_videos(client, django_assert_num_queries):
    event = EventFactory()
    category = CategoryFactory()
    first, second, third = (VideoFactory(event=event, category=category) for _ in range(3))
    client.get(first.get_absolute_url())

    # The video, its renditions, tags, languages, caption tracks and shot list: its
    # neighbours and the list of videos with speeches are known.
    with django_assert_num_queries(6):
        page = client.get(second.get_absolute_url())

    related = [video.pk for video in page.context["related_videos"]]
    assert sorted(related) == sorted([first.pk, third.pk])
    assert page.context["related_speeches"] == []


@pytest.mark.django_db(transaction=True)
def test_a_card_rendered_from_data_older_than_an_edit_is_never_kept_as_current():
    video = VideoFactory(title="Before the edit")
    # A page read the version, then its videos; an edit commits before its cards are made.
    version_of_the_page = content_version.current()
    read_by_the_page = list(Video.objects.for_cards().filter(pk=video.pk))
    video.title = "After the edit"
    video.save()
    assert content_version.current() != version_of_the_page

    stale = render_cards(read_by_the_page, version=version_of_the_page)
    fresh = render_cards(
        Video.objects.for_cards().filter(pk=video.pk), version=content_version.current()
    )

    assert "Before the edit" in stale
    assert "After the edit" in fresh and "Before the edit" not in fresh


def test_country_names_in_the_filters_are_in_the_page_s_language():
    VideoFactory(country="DE")

    with translation.override("en"):
        english = render_to_string("media_library/_filter_form.html", {"form": VideoFilterForm()})
    with translation.override("fr"):
        french = render_to_string("media_library/_filter_form.html", {"form": VideoFilterForm()})

    assert '<option value="DE">Germany</option>' in english
    assert '<option value="DE">Allemagne</option>' in french
