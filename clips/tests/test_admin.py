"""The clips admin: editors read what went wrong, in the tools' own words."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from clips.models import Clip
from media_library.tests.factories import RenditionFactory

pytestmark = pytest.mark.django_db


def test_editors_see_the_failure_detail_that_users_do_not(client):
    clip = Clip.objects.create(
        rendition=RenditionFactory(duration_seconds=10.0),
        source_checksum="0" * 64,
        start_ms=0,
        end_ms=1000,
        mode="fast",
        status=Clip.Status.FAILED,
        attempts=1,
        error="FFmpeg could not cut the clip.",
        error_detail="file:/srv/portal/media/private/renditions/abc/master.mp4: Invalid data",
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:clips_clip_change", args=[clip.pk]))
    assert page.status_code == 200
    assert "file:/srv/portal/media/private/renditions/abc/master.mp4: Invalid data" in (
        page.content.decode()
    )
