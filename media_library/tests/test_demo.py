from __future__ import annotations

from io import StringIO

import pytest

from media_library import demo
from media_library.models import Rendition, Video

pytestmark = pytest.mark.django_db


@pytest.fixture
def short_demo(monkeypatch):
    monkeypatch.setattr(demo, "CLIPS", demo.CLIPS[:2])
    monkeypatch.setattr(demo, "LONGEST", 1)


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


def test_every_demo_shot_list_reads_within_its_clip_with_soundbites_in_english_and_french():
    languages = set()
    for clip in demo.CLIPS:
        entries = demo.shot_list_entries(clip)  # raises on a line that does not read
        assert entries[-1].start_ms < clip["seconds"] * 1000
        languages |= {e.language for e in entries if e.kind == "soundbite"}
    assert {"en", "fr"} <= languages
    remarks = demo.shot_list_entries(demo.CLIPS[0])
    assert demo.CLIPS[0]["seconds"] == 120
    assert "Welcome to this NATO-Russia Council in Defence Ministers' informal session." in [
        e.quote for e in remarks
    ]


def test_the_demo_makes_french_captions_from_the_french_soundbites(monkeypatch):
    maritime = next(c for c in demo.CLIPS if c["slug"] == "exercise-maritime-patrol-package")
    monkeypatch.setattr(demo, "CLIPS", [maritime])
    demo.load(stdout=StringIO())
    video = Video.objects.get(slug=maritime["slug"])
    assert video.duration_seconds == pytest.approx(12, abs=0.1)
    french = video.caption_tracks.get(language="fr")
    assert french.source == "soundbites"
    assert [(c.start_ms, c.end_ms, c.text) for c in french.cues.all()] == [
        (2_000, 5_000, "Nous patrouillons en Méditerranée avec nos alliés, jour et nuit.")
    ]
    assert video.caption_tracks.filter(language="en").exists()
    assert video.shot_entries.count() == 5
