"""The API names the catalogue's terms in the language the client asks for (Accept-Language,
as the site reads it), in English by default, at the same cost in queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from media_library.tests.factories import (
    CategoryFactory,
    EventFactory,
    TagFactory,
    VideoFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def video():
    return VideoFactory(
        slug="opening-remarks",
        category=CategoryFactory(name="Speech", slug="speech", name_fr="Discours"),
        event=EventFactory(name="Summit", name_fr="Sommet", slug="summit"),
        tags=[TagFactory(name="air defence", slug="air-defence", name_fr="défense aérienne")],
    )


@pytest.mark.parametrize(
    ("accept_language", "category", "event", "tag"),
    [
        ("fr", "Discours", "Sommet", "défense aérienne"),
        ("fr-FR,fr;q=0.9,en;q=0.5", "Discours", "Sommet", "défense aérienne"),
        ("en", "Speech", "Summit", "air defence"),
        ("", "Speech", "Summit", "air defence"),
    ],
)
def test_terms_are_named_in_the_language_asked_for(
    api, video, accept_language, category, event, tag
):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept_language} if accept_language else {}

    (listed,) = api.get("/api/v1/videos/", **headers).json()["results"]
    detail = api.get("/api/v1/videos/opening-remarks/", **headers)

    assert listed["category"] == {"slug": "speech", "name": category}
    assert detail.json()["event"]["name"] == event
    assert detail.json()["tags"] == [{"slug": "air-defence", "name": tag}]
    assert api.get("/api/v1/categories/", **headers).json()["results"] == [
        {"slug": "speech", "name": category}
    ]
    assert "Accept-Language" in detail["Vary"]


def test_a_french_list_costs_no_query_per_video(api, video):
    for _n in range(10):
        VideoFactory(category=video.category)
    # The filter choices and the count, cached; another page size is another page (api.caching).
    api.get("/api/v1/videos/?page_size=5", HTTP_ACCEPT_LANGUAGE="fr")

    with CaptureQueriesContext(connection) as queries:
        results = api.get("/api/v1/videos/", HTTP_ACCEPT_LANGUAGE="fr").json()["results"]

    assert {item["category"]["name"] for item in results} == {"Discours"}
    assert len(queries) == 1


def test_the_sites_default_usage_terms_come_in_the_language_asked_for(api):
    VideoFactory(slug="no-terms", usage_terms="")

    french = api.get("/api/v1/videos/no-terms/", HTTP_ACCEPT_LANGUAGE="fr").json()
    english = api.get("/api/v1/videos/no-terms/").json()

    assert french["usage_terms"].startswith("Utilisation gratuite à des fins éditoriales")
    assert english["usage_terms"].startswith("Free of charge for editorial use")
