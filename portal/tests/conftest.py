"""Fixtures of the site's tests, which may use every app.

The journeys that start in the accounts app use its fixtures; the publishing suites run once
per publishable kind (videos and speeches).
"""

import pytest

from accounts.tests.conftest import register, registration_data, submit, user  # noqa: F401
from core.publishable import PublicationStatus as Status
from media_library.models import Video
from media_library.tests.conftest import s3_endpoint, s3_storage  # noqa: F401
from media_library.tests.factories import VideoFactory
from speeches.models import Speech
from speeches.tests.factories import SpeechFactory


@pytest.fixture(params=["video", "speech"])
def kind(request):
    """The model and a maker of its items in a given state."""
    model, factory = {"video": (Video, VideoFactory), "speech": (Speech, SpeechFactory)}[
        request.param
    ]

    def make(status: str = Status.DRAFT, published_at=None):
        return factory(status=status, published_at=published_at)

    return model, make
