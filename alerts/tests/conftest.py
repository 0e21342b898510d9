from __future__ import annotations

import re

import pytest

from alerts.models import SavedSearch
from core import publishing
from media_library.models import Video
from media_library.tests.factories import VideoFactory

VIDEO_URL = re.compile(r"/videos/([\w-]+)/")


@pytest.fixture(autouse=True)
def _site(settings) -> None:
    settings.SITE_URL = "https://portal.example"


@pytest.fixture
def draft_video():
    """A draft video that an editor is about to publish."""
    return lambda **fields: VideoFactory(status=Video.Status.DRAFT, published_at=None, **fields)


@pytest.fixture
def publish(run_on_commit):
    """Publish videos as an editor does (core.publishing), running what the commit runs: the
    alert matching task (eager in unit tests) and the outbox's delivery tasks."""

    def _publish(*videos: Video) -> None:
        with run_on_commit():
            for video in videos:
                publishing.publish(item=video)

    return _publish


def alert_emails(mailoutbox) -> list:
    """The alert emails sent (through the outbox, to the test's mail backend)."""
    return [m for m in mailoutbox if m.extra_headers.get("List-Id", "").startswith("<alerts.")]


def announced_slugs(email) -> list[str]:
    return VIDEO_URL.findall(email.body)


def announced_pairs() -> set[tuple[int, int]]:
    from alerts.models import Announcement

    return set(Announcement.objects.values_list("saved_search_id", "video_id"))


def searches_of(user) -> list[SavedSearch]:
    return list(SavedSearch.objects.of(user))
