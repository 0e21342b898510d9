"""The catalogue's search box reads phrases, `-word` and `or` alike on every database
(issue 16): `"opening remarks"` finds the video that says it, on SQLite as on PostgreSQL."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core import websearch
from core.testing.search_cases import CASES, READINGS, TEXTS
from media_library.tests.factories import TagFactory, VideoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=READINGS)
def reading(request, monkeypatch) -> str:
    if request.param == "plain-text":
        monkeypatch.setattr(websearch, "full_text", lambda connection: False)
    return request.param


@pytest.fixture
def catalogue() -> None:
    """Each text once in a title, once in a summary, once in a shot list and once as a tag."""
    for name, text in TEXTS.items():
        VideoFactory(title=text, summary="", shot_list="", slug=f"{name}-title")
        VideoFactory(title=f"Video {name} 2", summary=text, shot_list="", slug=f"{name}-summary")
        VideoFactory(
            title=f"Video {name} 3", summary="", shot_list=f"00:00:01 {text}", slug=f"{name}-shots"
        )
        VideoFactory(
            title=f"Video {name} 4", summary="", shot_list="", slug=f"{name}-tag",
            tags=[TagFactory(name=text, slug=f"tag-{name}")],
        )  # fmt: skip


@pytest.mark.parametrize(("query", "expected"), CASES, ids=[q for q, _ in CASES])
def test_the_search_syntax_finds_the_same_videos_on_every_database(
    client, catalogue, reading, query, expected
):
    response = client.get(reverse("media_library:video_list"), {"q": query})

    found = {video.slug for video in response.context["videos"]}
    places = ("title", "summary", "shots", "tag")
    assert found == {f"{name}-{place}" for name in expected for place in places}


def test_a_quoted_phrase_in_the_address_finds_the_video_that_says_it(client, reading):
    VideoFactory(title="Opening remarks by the Secretary General")
    VideoFactory(title="Remarks at the opening of the harbour")

    response = client.get('/videos/?q="opening%20remarks"')

    assert [v.title for v in response.context["videos"]] == [
        "Opening remarks by the Secretary General"
    ]


def test_a_title_the_query_matches_on_its_own_comes_first(client, reading):
    VideoFactory(title="Press conference", summary="The frigate leaves.", slug="summary-hit")
    VideoFactory(title="A frigate leaves", summary="", slug="title-hit")

    response = client.get(reverse("media_library:video_list"), {"q": "frigate or submarine"})

    assert [v.slug for v in response.context["videos"]] == ["title-hit", "summary-hit"]
