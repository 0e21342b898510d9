"""A video's shot list as entries: written in the order of their in points, written out as
text for the search, read with their out points resolved."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from media_library import shot_entries, shotlist
from media_library.models import ShotEntry, Video
from media_library.tests.factories import RenditionFactory, VideoFactory

pytestmark = pytest.mark.django_db


def test_entries_are_kept_in_the_order_of_their_in_points_and_written_out_as_text():
    video = VideoFactory(shot_list="")
    entries = [
        shotlist.Entry(start_ms=20_000, description="Close-up"),
        shotlist.Entry(start_ms=0, description="Wide shot"),
        shotlist.Entry(
            start_ms=5_000,
            end_ms=12_000,
            kind=shotlist.SOUNDBITE,
            speaker_name="Jens Stoltenberg",
            speaker_role="NATO Secretary General",
            language="en",
            quote="We stand together.",
        ),
    ]
    shot_entries.replace_shot_entries(video=video, entries=entries)
    rows = list(video.shot_entries.all())
    assert [(r.position, r.start_ms) for r in rows] == [(0, 0), (1, 5_000), (2, 20_000)]
    video.refresh_from_db()
    assert video.shot_list == (
        "00:00:00 Wide shot\n"
        "00:00:05 - 00:00:12 SOUNDBITE (English) Jens Stoltenberg, NATO Secretary General: "
        "“We stand together.”\n"
        "00:00:20 Close-up"
    )


def test_out_points_resolve_to_the_next_in_point_or_the_end_never_past_it_in_one_query(
    django_assert_num_queries,
):
    video = VideoFactory(
        shot_list="00:00:00 Wide\n00:00:10 - 00:00:12 Close-up\n00:00:20 Pan\n00:00:50 - 00:01:30 Long",
        duration_seconds=60.0,
    )
    VideoFactory(shot_list="00:00:00 Another video's shot")  # another partition
    with django_assert_num_queries(1):
        shots = shot_entries.shot_list_for(video)
    assert [(row.start_ms, row.end_ms) for row in shots.rows] == [
        (0, 10_000),
        (10_000, 12_000),
        (20_000, 50_000),
        (50_000, 60_000),
    ]
    assert [row.duration for row in shots.rows] == ["0:10", "0:02", "0:30", "0:10"]
    assert [row.fragment for row in shots.rows] == ["t=0", "t=10", "t=20", "t=50"]


def test_a_video_whose_duration_is_not_known_yet_has_an_open_last_entry():
    video = VideoFactory(shot_list="00:00:00 Wide\n00:00:10 Pan", duration_seconds=None)
    assert [row.end_ms for row in shot_entries.shot_list_for(video).rows] == [10_000, None]


def test_frame_counts_are_read_at_the_sharpest_ready_renditions_exact_rate():
    video = VideoFactory()
    RenditionFactory(video=video, height=360, frame_rate=Decimal("25.000"))
    RenditionFactory(video=video, height=1080, frame_rate=Decimal("29.970"))
    assert shot_entries.video_frame_rate(video) == Fraction(30000, 1001)
    assert shot_entries.video_frame_rate(VideoFactory()) is None


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_free_text_shot_lists_into_entries_and_loses_no_line():
    executor = MigrationExecutor(connection)
    executor.migrate([("media_library", "0007_shot_entries_and_captions")])
    old = executor.loader.project_state([("media_library", "0007_shot_entries_and_captions")]).apps
    category = old.get_model("media_library", "Category").objects.create(name="C", slug="c")
    video = old.get_model("media_library", "Video").objects.create(
        title="Old",
        slug="old",
        category=category,
        shot_list=(
            "\n00:00:00 Wide shot of the council table\n"
            "00:00:05 SOUNDBITE (English) Jaap de Hoop Scheffer, Secretary General: “Welcome.”\n"
            "Untimed cutaway\n"
        ),
    )
    try:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
        rows = list(ShotEntry.objects.filter(video_id=video.pk))
        assert [(r.start_ms, r.kind, r.description, r.speaker_name, r.quote) for r in rows] == [
            (0, "shot", "Wide shot of the council table", "", ""),
            (5_000, "soundbite", "", "Jaap de Hoop Scheffer", "Welcome."),
            (5_000, "shot", "Untimed cutaway", "", ""),
        ]
        # The text stays as the editor left it.
        assert Video.objects.get(pk=video.pk).shot_list.startswith("\n00:00:00 Wide shot")
    finally:
        Video.objects.filter(pk=video.pk).delete()
