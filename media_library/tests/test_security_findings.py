"""The reproductions of findings 3, 4 and 5 of the security review, one test named after each
attack, run against the real pieces where the finding needs them (the shipped nginx site in
front of gunicorn, a child process whose memory is measured).

3. Previews and thumbnails of draft and scheduled videos were public at guessable URLs.
4. An editor could plant HTML or script as a thumbnail, served by the portal as such.
5. Ingest accepted HLS playlists and decompression bombs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core import publishing
from media_library import services
from media_library.models import Rendition, Video
from media_library.tests import hostile
from media_library.tests.factories import RenditionFactory

BASE_DIR = Path(__file__).resolve().parents[2]


def _ingested_video(clip: Path, *, title: str = "Embargoed summit footage") -> Video:
    """A draft video with a real rendition ingested: thumbnail and preview made."""
    video = services.create_video(title=title)
    with clip.open("rb") as handle:
        rendition = services.attach_rendition(
            video=video, content=File(handle), filename="master.mp4", make_preview=True, queue=False
        )
    rendition = services.ingest_rendition(rendition_id=rendition.pk)
    assert rendition.status == Rendition.Status.READY, rendition.error
    video.refresh_from_db()
    assert video.thumbnail and video.preview
    return video


def _public_files(media_root: Path) -> list[str]:
    public = media_root / "public"
    return sorted(str(p.relative_to(public)) for p in public.rglob("*") if p.is_file())


# --- Finding 3 ---------------------------------------------------------------------------------


@pytest.mark.integration
def test_finding_3_draft_and_scheduled_videos_previews_are_not_public_behind_nginx(
    shipped_site, clip
):
    video = _ingested_video(clip)
    guessable = [
        f"/media/public/previews/{video.slug}.mp4",
        f"/media/public/thumbnails/{video.slug}.jpg",
    ]
    actual = [f"/media/public/{video.preview.name}", f"/media/public/{video.thumbnail.name}"]

    def assert_hidden() -> None:
        page = shipped_site.get(video.get_absolute_url())
        assert page.status_code == 404, page.text[:3000]
        for path in guessable + actual:
            assert shipped_site.get(path).status_code == 404, path
        assert _public_files(shipped_site.media_root) == []

    assert_hidden()  # a draft
    publishing.publish(item=video, at=timezone.now() + timedelta(days=2))
    video.refresh_from_db()
    assert video.status == Video.Status.SCHEDULED
    assert_hidden()  # scheduled two days ahead

    publishing.publish(item=video)
    video.refresh_from_db()
    page = shipped_site.get(video.get_absolute_url())
    assert page.status_code == 200
    assert video.preview_url == f"/media/public/{video.preview.name}"
    assert video.preview_url in page.text and video.thumbnail_url in page.text
    preview = shipped_site.get(video.preview_url)
    assert preview.status_code == 200
    assert preview.headers["Content-Type"] == "video/mp4"
    assert preview.headers["X-Content-Type-Options"] == "nosniff"
    assert preview.content == video.preview.open("rb").read()

    publishing.unpublish(item=video)
    assert_hidden()  # gone from public storage again


def test_finding_3_unpublished_media_is_served_only_to_editors_and_follows_publication(
    client, admin_client, clip, settings, run_on_commit
):
    with run_on_commit():
        video = _ingested_video(clip)
    public_root = Path(settings.STORAGES["public"]["OPTIONS"]["location"])
    assert _public_files(public_root.parent) == []
    assert video.thumbnail_url.startswith(f"/videos/{video.slug}/thumbnail/")
    assert client.get(video.thumbnail_url).status_code == 404
    assert client.get(video.preview_url).status_code == 404
    staff = admin_client.get(video.preview_url)
    assert staff.status_code == 200
    assert staff["Content-Type"] == "video/mp4" and staff["X-Content-Type-Options"] == "nosniff"
    assert b"".join(staff.streaming_content) == video.preview.open("rb").read()
    page = admin_client.get(video.get_absolute_url()).content.decode()
    assert video.preview_url in page and "/media/public/" not in page

    # Its time comes: the public sees it at once; beat has not flipped it yet, so its files are
    # served by the checking view, still not from the public storage.
    with run_on_commit():
        publishing.publish(item=video, at=timezone.now() + timedelta(minutes=1))
    Video.objects.filter(pk=video.pk).update(published_at=timezone.now() - timedelta(seconds=1))
    video.refresh_from_db()
    assert video.is_public and not video.has_public_media
    assert client.get(video.get_absolute_url()).status_code == 200
    assert client.get(video.thumbnail_url).status_code == 200
    assert _public_files(public_root.parent) == []

    with run_on_commit():
        assert publishing.publish_due(model=Video) == 1  # the beat task
    video.refresh_from_db()
    assert video.thumbnail_url == f"/media/public/{video.thumbnail.name}"
    assert _public_files(public_root.parent) == sorted([video.thumbnail.name, video.preview.name])

    with run_on_commit():
        publishing.unpublish(item=video)
    assert _public_files(public_root.parent) == []
    assert (
        client.get(reverse("media_library:video_media", args=[video.slug, "preview"])).status_code
        == 404
    )


def test_finding_3_a_replaced_thumbnail_leaves_no_copy_in_public_storage(
    admin_client, clip, settings, run_on_commit
):
    with run_on_commit():
        video = _ingested_video(clip)
        publishing.publish(item=video)
    video.refresh_from_db()
    old = video.thumbnail.name
    public_root = Path(settings.STORAGES["public"]["OPTIONS"]["location"])
    assert (public_root / old).exists()
    from PIL import Image

    picture = Path(settings.MEDIA_ROOT).parent / "new.png"
    Image.new("RGB", (320, 180), "navy").save(picture)
    form = admin_client.get(reverse("admin:media_library_video_change", args=[video.pk]))
    data = _form_data(form, thumbnail=SimpleUploadedFile("new.png", picture.read_bytes()))
    with run_on_commit():
        response = admin_client.post(
            reverse("admin:media_library_video_change", args=[video.pk]), data
        )
    assert response.status_code == 302, _errors(response)
    video.refresh_from_db()
    assert video.thumbnail.name != old
    assert not (public_root / old).exists() and not video.thumbnail.storage.exists(old)
    assert (public_root / video.thumbnail.name).exists()


@pytest.mark.integration
def test_finding_3_in_s3_mode_the_public_prefix_holds_only_published_media(
    db, s3_storage, clip, run_on_commit
):
    from django.core.files.storage import storages

    with run_on_commit():
        video = _ingested_video(clip)
    public = storages["public"]
    names = [video.thumbnail.name, video.preview.name]
    assert not any(public.exists(name) for name in names)
    assert all(video.thumbnail.storage.exists(name) for name in names)
    with run_on_commit():
        publishing.publish(item=video)
    assert all(public.exists(name) for name in names)
    with run_on_commit():
        publishing.unpublish(item=video)
    assert not any(public.exists(name) for name in names)


# --- Finding 4 ---------------------------------------------------------------------------------


def _errors(response) -> object:
    context = response.context
    return context and (context["adminform"].form.errors, context["errors"])


def _form_data(page, **overrides) -> dict:
    """The admin change form's current values, as a browser would post them back (without
    the inlines' rows)."""
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name == "thumbnail" or value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = [getattr(v, "pk", v) for v in value]
        elif hasattr(value, "pk"):
            data[name] = value.pk
        elif name == "published_at":
            data["published_at_0"] = value.date().isoformat() if value else ""
            data["published_at_1"] = value.time().strftime("%H:%M:%S") if value else ""
        else:
            data[name] = value
    # The inlines' existing rows are left as they are (none posted back).
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[f"{management.prefix}-{name}"] = management.initial.get(name, "")
        data[f"{management.prefix}-TOTAL_FORMS"] = data[f"{management.prefix}-INITIAL_FORMS"] = 0
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("name", "content"),
    [("evil.html", hostile.HTML_PAGE), ("evil.js", hostile.SCRIPT), ("evil.svg", b"<svg/>")],
)
def test_finding_4_html_or_script_uploaded_as_a_thumbnail_is_refused_in_the_admin(
    admin_client, settings, name, content
):
    video = RenditionFactory().video
    page = admin_client.get(reverse("admin:media_library_video_change", args=[video.pk]))
    data = _form_data(page, thumbnail=SimpleUploadedFile(name, content, "image/jpeg"))
    response = admin_client.post(reverse("admin:media_library_video_change", args=[video.pk]), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "not a picture that can be read" in errors["thumbnail"][0]
    video.refresh_from_db()
    assert not video.thumbnail
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not [p for p in media.rglob("*") if p.suffix in {".html", ".js"}]


def test_finding_4_an_uploaded_thumbnail_is_stored_as_our_own_reencoded_jpeg(
    admin_client, settings
):
    from PIL import Image

    video = RenditionFactory().video
    path = Path(settings.MEDIA_ROOT).parent / "still.png"
    Image.new("RGB", (1280, 720), "teal").save(path)
    # A picture that is also a script: bytes after the image's end are dropped on re-encoding.
    upload = SimpleUploadedFile("still.html", path.read_bytes() + hostile.HTML_PAGE)
    page = admin_client.get(reverse("admin:media_library_video_change", args=[video.pk]))
    response = admin_client.post(
        reverse("admin:media_library_video_change", args=[video.pk]),
        _form_data(page, thumbnail=upload),
    )
    assert response.status_code == 302
    video.refresh_from_db()
    assert video.thumbnail.name.startswith("thumbnails/") and video.thumbnail.name.endswith(".jpg")
    stored = video.thumbnail.open("rb").read()
    assert stored[:3] == b"\xff\xd8\xff" and b"<script" not in stored


@pytest.mark.integration
def test_finding_4_public_media_is_never_served_as_html_or_script_by_the_shipped_nginx(
    shipped_site,
):
    thumbnails = shipped_site.media_root / "public" / "thumbnails"
    thumbnails.mkdir(parents=True)
    # What the old admin let an editor store in the public folder.
    (thumbnails / "evil.html").write_bytes(hostile.HTML_PAGE)
    (thumbnails / "evil.js").write_bytes(hostile.SCRIPT)
    (thumbnails / "evil.svg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    (thumbnails / "still.jpg").write_bytes(hostile.HTML_PAGE)  # a disguised page
    for name in ("evil.html", "evil.js", "evil.svg", "EVIL.HTML"):
        response = shipped_site.get(f"/media/public/thumbnails/{name}")
        assert response.status_code == 404, name
        assert (
            "html" not in response.headers.get("Content-Type", "")
            or b"<script" not in response.content
        )
    disguised = shipped_site.get("/media/public/thumbnails/still.jpg")
    assert disguised.status_code == 200
    assert disguised.headers["Content-Type"] == "image/jpeg"
    assert disguised.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in disguised.headers["Content-Security-Policy"]


def test_finding_4_the_portal_serves_public_media_with_a_safe_type_and_no_html_or_script(
    client, settings
):
    thumbnails = Path(settings.PUBLIC_MEDIA_ROOT) / "thumbnails"
    thumbnails.mkdir(parents=True)
    (thumbnails / "evil.html").write_bytes(hostile.HTML_PAGE)
    (thumbnails / "evil.js").write_bytes(hostile.SCRIPT)
    (thumbnails / "still.jpg").write_bytes(hostile.HTML_PAGE)
    assert client.get("/media/public/thumbnails/evil.html").status_code == 404
    assert client.get("/media/public/thumbnails/evil.js").status_code == 404
    response = client.get("/media/public/thumbnails/still.jpg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


# --- Finding 5 ---------------------------------------------------------------------------------


def test_finding_5_a_padded_hls_playlist_naming_a_private_rendition_is_refused(
    admin_client, clip, settings, run_on_commit, tmp_path
):
    with run_on_commit():
        secret = _ingested_video(clip, title="Private master").renditions.get()
    target = Path(secret.file.path)
    playlist = hostile.padded_playlist(tmp_path / "evil.m3u8", target=target)
    video = services.create_video(title="Innocent looking video")

    # The admin refuses the upload before storing it.
    page = admin_client.get(reverse("admin:media_library_video_change", args=[video.pk]))
    data = _form_data(
        page,
        **{
            "renditions-TOTAL_FORMS": "1",
            "renditions-0-label": "",
            "renditions-0-position": "0",
            "renditions-0-make_preview": "on",
            "renditions-0-file": SimpleUploadedFile("evil.m3u8", playlist.read_bytes()),
        },
    )
    response = admin_client.post(reverse("admin:media_library_video_change", args=[video.pk]), data)
    assert response.status_code == 200
    assert "This is a playlist, not a video file." in response.content.decode()
    assert not video.renditions.exists()

    # Stored some other way, the ingest refuses it too, and builds nothing from the target.
    with run_on_commit(), playlist.open("rb") as handle:
        rendition = services.attach_rendition(
            video=video, content=File(handle), filename="evil.m3u8", make_preview=True
        )
    rendition.refresh_from_db()
    video.refresh_from_db()
    assert rendition.status == Rendition.Status.FAILED
    assert "playlist" in rendition.error
    assert not video.preview and not video.thumbnail


def _run_child(kind: str, path: Path, *, media_root: Path, database_url: str) -> tuple[dict, float]:
    """The check in a fresh process (refuse_in_child): its answer with its peak memory, and
    its time."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(media_root),
        "REDIS_URL": "",  # tasks run in-process: an accepted file would be ingested right here
        "LOG_LEVEL": "ERROR",
    }
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "media_library.tests.refuse_in_child", kind, str(path)],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr.decode()[-3000:]
    return json.loads(result.stdout.decode().strip().splitlines()[-1]), elapsed


HOSTILE_FILES = {
    "playlist": ("command", "This is a playlist, not a video file."),
    "bomb": ("command", "larger than the 8192 pixels a side"),
    "png renamed .mp4": ("command", "This is a still image (PNG), not a video."),
    "html as thumbnail": ("thumbnail", "not a picture that can be read"),
}


@pytest.mark.integration
@pytest.mark.parametrize("case", list(HOSTILE_FILES))
def test_finding_5_hostile_files_are_refused_with_their_message_in_under_300_mb(
    case, transactional_db, worker_environment, clip, tmp_path, settings
):
    kind, message = HOSTILE_FILES[case]
    if case == "playlist":
        path = hostile.padded_playlist(tmp_path / "evil.m3u8", target=clip)
    elif case == "bomb":
        path = hostile.picture_bomb(tmp_path / "bomb.mov", side=16000)
        assert path.stat().st_size < 1_000_000
    elif case == "png renamed .mp4":
        path = hostile.png_renamed(tmp_path / "still.mp4")
    else:
        path = tmp_path / "evil.html"
        path.write_bytes(hostile.HTML_PAGE)
    media_root = Path(settings.MEDIA_ROOT)

    answer, seconds = _run_child(
        kind, path, media_root=media_root, database_url=worker_environment["DATABASE_URL"]
    )

    peak = answer["peak_bytes"]
    assert "refused" in answer, answer
    assert message in answer["refused"]
    assert peak < 300 * 1024 * 1024, f"{peak / 2**20:.0f} MB"
    assert _public_files(media_root) == []
    assert not Video.objects.exists() and not Rendition.objects.exists()
    print(f"{case}: refused in {seconds:.2f} s, peak memory {peak / 2**20:.0f} MB")


def test_finding_3_editors_get_unpublished_media_from_nginx_or_the_object_store(
    admin_client, clip, settings, run_on_commit
):
    with run_on_commit():
        video = _ingested_video(clip)
    settings.DOWNLOAD_ACCEL_REDIRECT_PREFIX = "/protected/"
    response = admin_client.get(video.preview_url)
    assert response["X-Accel-Redirect"] == f"/protected/{video.preview.name}"
    assert response["Content-Type"] == "video/mp4"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]


@pytest.mark.integration
def test_finding_3_in_s3_mode_editors_get_a_short_presigned_link_to_the_private_object(
    db, s3_storage, clip, admin_client, run_on_commit
):
    import requests

    with run_on_commit():
        video = _ingested_video(clip)
    response = admin_client.get(video.thumbnail_url)
    assert response.status_code == 302
    assert "/public/" not in response["Location"] and "X-Amz-Signature" in response["Location"]
    fetched = requests.get(response["Location"], timeout=30)
    assert fetched.status_code == 200
    assert fetched.headers["Content-Type"] == "image/jpeg"
    assert fetched.content == video.thumbnail.open("rb").read()


def test_migration_0006_moves_pictures_to_private_and_keeps_public_copies_of_published_only(
    db,
):
    import importlib

    from django.apps import apps
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    from media_library.tests.factories import VideoFactory

    migration = importlib.import_module("media_library.migrations.0006_private_pictures")
    public, private = storages["public"], storages["default"]
    VideoFactory(thumbnail="thumbnails/pub.jpg", preview="previews/pub.mp4")
    VideoFactory(status=Video.Status.DRAFT, published_at=None, preview="previews/d.mp4")
    VideoFactory(thumbnail="thumbnails/evil.html")  # what the old admin let through
    for name in (
        "thumbnails/pub.jpg",
        "previews/pub.mp4",
        "previews/d.mp4",
        "thumbnails/evil.html",
    ):
        public.save(name, ContentFile(b"old public file"))

    migration.to_private(apps, None)

    for name in (
        "thumbnails/pub.jpg",
        "previews/pub.mp4",
        "previews/d.mp4",
        "thumbnails/evil.html",
    ):
        assert private.exists(name), name
    assert public.exists("thumbnails/pub.jpg") and public.exists("previews/pub.mp4")
    assert not public.exists("previews/d.mp4")  # a draft's preview is no longer public
    assert not public.exists("thumbnails/evil.html")
