from __future__ import annotations

import pytest
from django.contrib.admin.widgets import AutocompleteMixin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from media_library.models import Language, Rendition, Video
from media_library.tests.factories import RenditionFactory, VideoFactory

pytestmark = pytest.mark.django_db


def management_form(prefix: str, *, total: int = 0, initial: int = 0) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def video_form(**overrides) -> dict:
    data = {
        "title": "Summit arrivals",
        "slug": "summit-arrivals",
        "summary": "",
        "shot_list": "00:00:01 Leaders arrive",
        "recorded_on": "",
        "location": "",
        "country": "",
        "credits": "",
        "usage_terms": "",
        "status": Video.Status.DRAFT,
        "published_at_0": "",
        "published_at_1": "",
        "renditions-TOTAL_FORMS": "1",
        "renditions-INITIAL_FORMS": "0",
        "renditions-MIN_NUM_FORMS": "0",
        "renditions-MAX_NUM_FORMS": "1000",
        "renditions-0-label": "",
        "renditions-0-position": "0",
        "renditions-0-make_preview": "on",
        **management_form("shot_entries"),
        **management_form("caption_tracks"),
    }
    data.update(overrides)
    return data


def test_editor_attaches_a_file_in_the_admin_and_it_is_ingested(admin_client, clip, run_on_commit):
    upload = SimpleUploadedFile("arrivals.mp4", clip.read_bytes(), content_type="video/mp4")
    with run_on_commit():
        response = admin_client.post(
            reverse("admin:media_library_video_add"), video_form(**{"renditions-0-file": upload})
        )
    assert response.status_code == 302, response.context and response.context["errors"]
    video = Video.objects.get(slug="summit-arrivals")
    rendition = video.renditions.get()
    assert rendition.status == Rendition.Status.READY, rendition.error
    assert rendition.original_filename == "arrivals.mp4"
    assert (rendition.width, rendition.height) == (320, 180)
    video.refresh_from_db()
    assert video.thumbnail and video.preview

    page = admin_client.get(reverse("admin:media_library_video_change", args=[video.pk]))
    html = page.content.decode()
    assert "ingest-state--ready" in html and "320×180" in html  # noqa: RUF001


def test_an_empty_upload_is_refused_in_the_form_and_nothing_is_stored(admin_client):
    upload = SimpleUploadedFile("empty.mp4", b"", content_type="video/mp4")
    response = admin_client.post(
        reverse("admin:media_library_video_add"), video_form(**{"renditions-0-file": upload})
    )
    assert response.status_code == 200
    assert not Video.objects.exists() and not Rendition.objects.exists()


def test_an_oversized_upload_is_refused(admin_client, settings, clip):
    settings.MAX_UPLOAD_SIZE = 100
    upload = SimpleUploadedFile("big.mp4", clip.read_bytes(), content_type="video/mp4")
    response = admin_client.post(
        reverse("admin:media_library_video_add"), video_form(**{"renditions-0-file": upload})
    )
    assert response.status_code == 200
    assert "ingest_video" in response.content.decode()
    assert not Rendition.objects.exists()


def test_admin_shows_the_error_of_a_failed_ingest(admin_client):
    rendition = RenditionFactory(status=Rendition.Status.FAILED, error="The file is truncated.")
    html = admin_client.get(
        reverse("admin:media_library_video_change", args=[rendition.video_id])
    ).content.decode()
    assert "ingest-state--failed" in html and "The file is truncated." in html
    listing = admin_client.get(reverse("admin:media_library_rendition_changelist")).content
    assert b"The file is truncated." in listing


def test_video_changelist_counts_ready_and_failed_renditions(
    admin_client, django_assert_max_num_queries
):
    video = VideoFactory(title="Counted")
    RenditionFactory(video=video)
    RenditionFactory(video=video, status=Rendition.Status.FAILED)
    response = admin_client.get(reverse("admin:media_library_video_changelist"))
    assert response.status_code == 200
    row = response.context["cl"].result_list[0]
    assert (row._ready, row._failed) == (1, 1)
    assert "1 ready · " in response.content.decode()


def _filter_choices(response, title: str) -> list[str]:
    """The labels the changelist's sidebar offers under one filter, "All" and "-" left out."""
    for spec in response.context["cl"].filter_specs:
        if str(spec.title) == title:
            choices = spec.choices(response.context["cl"])
            return [str(c["display"]) for c in choices][1:]
    raise AssertionError(f"no filter {title!r}")


def test_the_video_filters_list_only_the_countries_and_languages_in_use(admin_client):
    french = Language.objects.get_or_create(code="fr", defaults={"name": "French"})[0]
    VideoFactory(title="In Romania", country="RO").languages.add(french)
    VideoFactory(title="In Belgium", country="BE")
    VideoFactory(title="Nowhere", country="")

    response = admin_client.get(reverse("admin:media_library_video_changelist"))

    assert _filter_choices(response, "country") == ["Belgium", "Romania", "-"]
    assert _filter_choices(response, "languages") == ["French", "-"]
    filtered = admin_client.get(reverse("admin:media_library_video_changelist"), {"country": "RO"})
    assert [v.title for v in filtered.context["cl"].result_list] == ["In Romania"]


def test_the_video_form_picks_languages_tags_and_events_by_name(admin_client):
    video = VideoFactory()

    page = admin_client.get(reverse("admin:media_library_video_change", args=[video.pk]))

    form = page.context["adminform"].form
    for name in ("languages", "tags", "event"):
        assert isinstance(form.fields[name].widget.widget, AutocompleteMixin), name
    assert 'class="admin-autocomplete' in page.content.decode()


def test_publish_and_unpublish_actions(admin_client):
    video = VideoFactory(status=Video.Status.DRAFT, published_at=None)
    url = reverse("admin:media_library_video_changelist")
    admin_client.post(url, {"action": "publish_selected", "_selected_action": [video.pk]})
    video.refresh_from_db()
    assert video.status == Video.Status.PUBLISHED and video.published_at
    admin_client.post(url, {"action": "unpublish_selected", "_selected_action": [video.pk]})
    video.refresh_from_db()
    assert video.status == Video.Status.DRAFT and video.published_at is None


def test_one_admin_save_moves_the_content_version_once_and_rebuilds_the_vector_once(
    admin_client, django_capture_on_commit_callbacks, monkeypatch, clip
):
    """Title, tags, a rendition, a pasted shot list with soundbites (entries and caption
    tracks) and the publication state in one save: one change."""
    from core import content_version
    from media_library import services
    from media_library.tests.factories import TagFactory

    with django_capture_on_commit_callbacks(execute=True):  # committed before the editor comes
        video = VideoFactory(status=Video.Status.DRAFT, published_at=None)
        tag = TagFactory(name="ceremony")
    moves, rebuilds = [], []
    monkeypatch.setattr(content_version, "_move", lambda: moves.append(1))
    rebuild = services.update_search_vector
    monkeypatch.setattr(
        services, "update_search_vector", lambda **kw: rebuilds.append(kw) or rebuild(**kw)
    )
    # The form looks at the file's content (the ingest task itself is not run here).
    upload = SimpleUploadedFile("master.mov", clip.read_bytes(), content_type="video/quicktime")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(
            reverse("admin:media_library_video_change", args=[video.pk]),
            video_form(
                title="Corrected title",
                slug=video.slug,
                tags=[tag.pk],
                status=Video.Status.PUBLISHED,
                shot_list=PASTED,
                **{"renditions-0-file": upload},
            ),
        )
    assert response.status_code == 302, response.context and response.context["errors"]
    for callback in callbacks:
        if isinstance(callback, content_version._Move):
            callback()

    assert moves == [1]
    assert rebuilds == [{"video_id": video.pk}]
    video.refresh_from_db()
    assert (video.title, video.status) == ("Corrected title", Video.Status.PUBLISHED)
    assert video.shot_entries.count() == 4
    assert sorted(video.caption_tracks.values_list("language", flat=True)) == ["en", "fr"]


def test_a_video_is_found_by_the_tags_and_words_an_editor_saves_in_the_admin(
    postgres, admin_client, django_capture_on_commit_callbacks
):
    from media_library.tests.factories import TagFactory

    with django_capture_on_commit_callbacks(execute=True):  # each change commits
        video = VideoFactory(title="Doorstep", slug="doorstep")
    assert not Video.objects.search("cyber").exists()

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:media_library_video_change", args=[video.pk]),
            video_form(
                title="Doorstep statement",
                slug="doorstep",
                tags=[TagFactory(name="cyber defence").pk],
                **{"renditions-TOTAL_FORMS": "0"},
            ),
        )

    assert list(Video.objects.search("cyber")) == [video]
    assert list(Video.objects.search("statement")) == [video]


def test_a_video_is_found_by_the_words_of_its_soundbite_quotes_and_speakers(
    postgres, admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        video = VideoFactory(title="Doorstep", slug="doorstep", shot_list="", duration_seconds=40)
        other = VideoFactory(title="Informal session", shot_list="00:00:01 Wide shot")
    assert not Video.objects.search("welcome").exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = change(admin_client, video, shot_list=PASTED)
    assert response.status_code == 302

    assert list(Video.objects.search("welcome")) == [video]  # a word of the English quote
    assert list(Video.objects.search("Alliot-Marie")) == [video]  # a speaker
    assert list(Video.objects.search('"Defence Ministers informal session"')) == [video]
    assert list(Video.objects.search("informal").by_relevance("informal")) == [other, video]


def test_a_video_changed_in_code_is_found_by_its_new_words_once_the_change_commits(
    postgres, django_capture_on_commit_callbacks
):
    from media_library.tests.factories import TagFactory

    with django_capture_on_commit_callbacks(execute=True):  # each change commits
        video = VideoFactory(title="Doorstep")
    with django_capture_on_commit_callbacks(execute=True):
        video.title = "Doorstep on hybrid threats"
        video.save()
    with django_capture_on_commit_callbacks(execute=True):
        TagFactory(name="cyber defence").videos.add(video)  # from the tag's side

    assert list(Video.objects.search("hybrid")) == [video]
    assert list(Video.objects.search("cyber")) == [video]


def test_reingest_action_queues_the_files_again(admin_client, run_on_commit, clip):
    from django.core.files import File

    from media_library import services

    with clip.open("rb") as handle:
        rendition = services.attach_rendition(
            video=VideoFactory(), content=File(handle), filename="clip.mp4", queue=False
        )
    with run_on_commit():
        admin_client.post(
            reverse("admin:media_library_rendition_changelist"),
            {"action": "reingest", "_selected_action": [rendition.pk]},
        )
    rendition.refresh_from_db()
    assert rendition.status == Rendition.Status.READY


def test_rendition_admin_pages_render(admin_client):
    rendition = RenditionFactory()
    assert admin_client.get(reverse("admin:media_library_rendition_add")).status_code == 200
    change = admin_client.get(reverse("admin:media_library_rendition_change", args=[rendition.pk]))
    assert change.status_code == 200
    assert rendition.checksum_sha256 in change.content.decode()


def test_finding_10_an_editor_cannot_delete_download_history(client):
    """The download history is a record: it goes only with the account it belongs to."""
    from accounts.roles import ensure_editor_group
    from accounts.tests.factories import UserFactory
    from media_library.models import Download
    from media_library.tests.factories import DownloadFactory

    editor = UserFactory(is_staff=True)
    editor.groups.add(ensure_editor_group())
    client.force_login(editor)
    download = DownloadFactory()

    delete = reverse("admin:media_library_download_delete", args=[download.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:media_library_download_changelist"))
    assert changelist.status_code == 200
    assert "delete_selected" not in changelist.content.decode()
    assert Download.objects.filter(pk=download.pk).exists()


# --- Shot lists ---------------------------------------------------------------------------------

PASTED = """\
1. 00:00:00 - 00:00:04 Wide shot of the council table
2. 00:00:04 SOUNDBITE (English) Jaap de Hoop Scheffer, NATO Secretary General:
"Welcome to this NATO-Russia Council in Defence Ministers' informal session."
3. 00:00:15 SOUNDBITE (French) Michèle Alliot-Marie, French Minister of Defence: « Bonjour à tous. »
4. 00:00:25 UPSOUND applause
"""


def entry_forms(video: Video, **changes) -> dict:
    """The inline rows of the video's entries as the change page posts them; `changes` maps
    "<n>-<field>" to a new value."""
    from media_library import shotlist

    rows = list(video.shot_entries.all())
    data = management_form("shot_entries", total=len(rows), initial=len(rows))
    for n, row in enumerate(rows):
        prefix = f"shot_entries-{n}"
        data.update(
            {
                f"{prefix}-id": str(row.pk),
                f"{prefix}-video": str(video.pk),
                f"{prefix}-start": shotlist.clock(row.start_ms),
                f"{prefix}-end": "" if row.end_ms is None else shotlist.clock(row.end_ms),
                f"{prefix}-kind": row.kind,
                f"{prefix}-description": row.description,
                f"{prefix}-speaker_name": row.speaker_name,
                f"{prefix}-speaker_role": row.speaker_role,
                f"{prefix}-language": row.language,
                f"{prefix}-quote": row.quote,
            }
        )
    data.update({f"shot_entries-{key}": value for key, value in changes.items()})
    return data


def change(admin_client, video: Video, **overrides):
    data = {
        "slug": video.slug,
        "title": video.title,
        "shot_list": video.shot_list,
        "renditions-TOTAL_FORMS": "0",
        **entry_forms(video),
        **overrides,
    }
    return admin_client.post(
        reverse("admin:media_library_video_change", args=[video.pk]), video_form(**data)
    )


def test_a_pasted_shot_list_becomes_entries_with_soundbites_and_their_captions(admin_client):
    video = VideoFactory(shot_list="", duration_seconds=40.0)
    response = change(admin_client, video, shot_list=PASTED)
    assert response.status_code == 302, response.context and response.context["errors"]
    rows = list(video.shot_entries.all())
    assert [(r.start_ms, r.end_ms, r.kind) for r in rows] == [
        (0, 4_000, "shot"),
        (4_000, None, "soundbite"),
        (15_000, None, "soundbite"),
        (25_000, None, "upsound"),
    ]
    assert (rows[2].speaker_name, rows[2].language, rows[2].quote) == (
        "Michèle Alliot-Marie",
        "fr",
        "Bonjour à tous.",
    )
    tracks = {
        t.language: [(c.start_ms, c.end_ms) for c in t.cues.all()]
        for t in video.caption_tracks.all()
    }
    assert tracks == {"en": [(4_000, 15_000)], "fr": [(15_000, 25_000)]}
    video.refresh_from_db()
    assert video.shot_list.splitlines()[1] == (
        "00:00:04 SOUNDBITE (English) Jaap de Hoop Scheffer, NATO Secretary General: "
        "“Welcome to this NATO-Russia Council in Defence Ministers' informal session.”"
    )


def test_lines_that_cannot_be_read_are_listed_in_the_form_and_nothing_is_saved(admin_client):
    video = VideoFactory(title="Before", shot_list="00:00:01 Wide shot", duration_seconds=30.0)
    response = change(
        admin_client,
        video,
        title="After",
        shot_list="00:00:01 Wide shot\n00:00:0x Close-up\n00:00:12 SOUNDBITE (English) no colon\n"
        "00:00:45 Past the end",
    )
    assert response.status_code == 200
    errors = list(response.context["adminform"].form.errors["shot_list"])
    assert errors == [
        "Line 2: “00:00:0x” is not a timecode: write HH:MM:SS, HH:MM:SS:FF or HH:MM:SS.mmm.",
        "Line 3: a SOUNDBITE names its speaker followed by a colon: "
        "SOUNDBITE (English) Name, role: “quote”.",
        "Line 4: 00:00:45 is past the end of the video (00:00:30).",
    ]
    assert "Line 4: 00:00:45 is past the end of the video (00:00:30)." in response.content.decode()
    video.refresh_from_db()
    assert (video.title, video.shot_list) == ("Before", "00:00:01 Wide shot")
    assert [r.description for r in video.shot_entries.all()] == ["Wide shot"]


def test_frame_counts_are_read_at_the_rate_the_editor_picks(admin_client):
    video = VideoFactory(shot_list="")
    refused = change(admin_client, video, shot_list="00:00:12:10 Wide shot")
    assert "frame rate is not known" in str(refused.context["adminform"].form.errors)
    response = change(admin_client, video, shot_list="00:00:12:10 Wide shot", timecode_rate="25")
    assert response.status_code == 302
    assert [r.start_ms for r in video.shot_entries.all()] == [12_400]


def test_entries_edited_inline_are_reordered_and_rewrite_the_text_and_captions(admin_client):
    video = VideoFactory(shot_list="", duration_seconds=40.0)
    change(admin_client, video, shot_list=PASTED)
    video.refresh_from_db()
    # The French soundbite moves before the English one, and its quote is corrected.
    response = change(
        admin_client,
        video,
        **entry_forms(video, **{"2-start": "00:00:02", "2-quote": "Bonjour à toutes et à tous."}),
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    rows = list(video.shot_entries.all())
    assert [(r.position, r.start_ms, r.language) for r in rows] == [
        (0, 0, ""),
        (1, 2_000, "fr"),
        (2, 4_000, "en"),
        (3, 25_000, ""),
    ]
    video.refresh_from_db()
    assert "00:00:02 SOUNDBITE (French) Michèle Alliot-Marie" in video.shot_list
    french = video.caption_tracks.get(language="fr").cues.get()
    assert (french.start_ms, french.end_ms, french.text) == (
        2_000,
        4_000,
        "Bonjour à toutes et à tous.",
    )


def test_an_entry_edited_inline_past_the_end_or_backwards_is_refused(admin_client):
    video = VideoFactory(shot_list="00:00:01 Wide shot\n00:00:05 Pan", duration_seconds=30.0)
    response = change(admin_client, video, **entry_forms(video, **{"1-start": "00:00:31"}))
    assert response.status_code == 200
    response = change(admin_client, video, **entry_forms(video, **{"0-end": "00:00:00"}))
    assert response.status_code == 200
    assert [r.start_ms for r in video.shot_entries.all()] == [1_000, 5_000]


def test_changing_both_the_text_and_the_entries_in_one_save_is_refused(admin_client):
    video = VideoFactory(shot_list="00:00:01 Wide shot")
    response = change(
        admin_client,
        video,
        shot_list="00:00:01 Wide shot\n00:00:03 Pan",
        **entry_forms(video, **{"0-description": "Very wide shot"}),
    )
    assert response.status_code == 200
    assert "You changed both the shot list text and its entries" in response.content.decode()
    assert [r.description for r in video.shot_entries.all()] == ["Wide shot"]


def test_the_change_page_shows_the_entries_and_caption_tracks(admin_client):
    video = VideoFactory(shot_list="", duration_seconds=40.0)
    change(admin_client, video, shot_list=PASTED)
    html = admin_client.get(reverse("admin:media_library_video_change", args=[video.pk])).content
    html = html.decode()
    assert 'value="00:00:15"' in html and "Bonjour à tous." in html
    assert "Soundbites" in html  # the French track's source
