from __future__ import annotations

from io import StringIO

import pytest

from media_library import demo
from media_library.models import Rendition, Video

pytestmark = pytest.mark.django_db


@pytest.fixture
def short_demo(monkeypatch):
    # The first two clips, one second each (the NRC remarks' two minutes are the speeches
    # demo's: speeches/tests/test_demo.py).
    clips = [{k: v for k, v in clip.items() if k != "seconds"} for clip in demo.CLIPS[:2]]
    monkeypatch.setattr(demo, "CLIPS", clips)
    monkeypatch.setattr(demo, "SECONDS", 1)


def test_demo_generates_ingests_and_publishes_real_clips_once(short_demo):
    out = StringIO()
    demo.load(stdout=out)
    videos = Video.objects.published()
    assert videos.count() == 2
    for video in videos:
        assert video.thumbnail and video.preview and video.shot_list
        renditions = list(video.renditions.all())
        assert len(renditions) == 2
        assert {r.status for r in renditions} == {Rendition.Status.READY}
        assert {r.height for r in renditions} == {720, 360}
        assert all(r.checksum_sha256 and r.file_size for r in renditions)
    assert "2 generated" in out.getvalue()

    demo.load(stdout=StringIO())
    assert Video.objects.count() == 2
    assert Rendition.objects.count() == 4


def test_demo_includes_the_nato_russia_council_video_for_the_speeches_demo():
    assert demo.CLIPS[0]["slug"] == "nato-russia-council-defence-ministers-opening-remarks"
    assert demo.CLIPS[0]["seconds"] == 120  # long enough for its transcript's timecodes
