"""Pages of the long tail share their parts (media_library/fragments.py, search.py, related.py):
each part is what a fresh render gives, and it changes on every page the moment content does."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from media_library import views
from media_library.forms import VideoFilterForm
from media_library.fragments import render_filter_form
from media_library.tests.factories import CategoryFactory, EventFactory, VideoFactory

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
        {"q": "catalogueSearchWordsPlaceholder"},
    ],
)
@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_stored_filter_form_is_byte_for_byte_a_fresh_render(data, language):
    from django.http import QueryDict

    CategoryFactory(name="Press conference", slug="press")
    query = None if data is None else QueryDict(mutable=True)
    for name, value in (data or {}).items():
        query[name] = value
    with translation.override(language):
        for _ in range(2):  # stored by the first, read by the second
            form = VideoFilterForm(query)
            form.is_valid()
            fresh = render_to_string("media_library/_filter_form.html", {"form": form})
            assert render_filter_form(form) == fresh


def test_a_form_with_errors_is_rendered_with_them():
    form = VideoFilterForm({"date_from": "2024-05-01", "date_to": "2024-01-01"})
    form.is_valid()

    html = render_filter_form(form)

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
