"""“Download all”: the zip, its manifest, what it leaves out, and the downloads it records."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections import deque

import pytest
from defusedxml import ElementTree
from django.core.files.base import ContentFile

from core import publishing
from lightboxes import archive
from lightboxes.tests.factories import CLIP_BYTES, ItemFactory, clip_asked_by
from media_library.models import Download
from media_library.tests.factories import RENDITION_BYTES, RenditionFactory, VideoFactory

pytestmark = pytest.mark.django_db

SIDECAR_SUFFIXES = (".newsml.xml", ".vmh.json")


def unzip(plan: archive.Plan) -> zipfile.ZipFile:
    data = b"".join(archive.build(plan))
    assert len(data) == len(archive.build(plan)), "the announced length is the zip's"
    zipped = zipfile.ZipFile(io.BytesIO(data))
    assert zipped.testzip() is None  # every member's CRC checks
    return zipped


def test_the_zip_holds_each_items_file_byte_exact_in_the_collections_order(collection):
    zipped = unzip(archive.plan(collection=collection, choice="highest"))
    names = zipped.namelist()
    assert names[:3] == ["MANIFEST.txt", "manifest.json", "SHA256SUMS"]
    files = [name for name in names[3:] if not name.endswith(SIDECAR_SUFFIXES)]
    assert files == [
        "001-arrivals-at-the-summit-hd-1080p-h264.mp4",
        "002-press-conference-hd-1080p-h264.mp4",
    ]
    for name in files:
        assert zipped.read(name) == RENDITION_BYTES


def test_each_file_has_its_newsml_and_vmh_sidecars_beside_it(collection):
    zipped = unzip(archive.plan(collection=collection, choice="highest"))
    name = "001-arrivals-at-the-summit-hd-1080p-h264.mp4"
    names = zipped.namelist()

    assert names[names.index(name) + 1 : names.index(name) + 3] == [
        f"{name}.newsml.xml",
        f"{name}.vmh.json",
    ]
    news_item = ElementTree.fromstring(zipped.read(f"{name}.newsml.xml"))
    headline = news_item.find(".//{http://iptc.org/std/nar/2006-10-01/}headline")
    assert headline is not None and headline.text == "Arrivals at the summit"
    content = news_item.find(".//{http://iptc.org/std/nar/2006-10-01/}remoteContent")
    assert content is not None and content.get("href") == name  # the file beside it
    hub = zipped.read(f"{name}.vmh.json").decode()
    assert json.loads(hub)  # well-formed
    assert "Arrivals at the summit" in hub
    assert hashlib.sha256(zipped.read(name)).hexdigest() in hub


def test_a_clips_sidecars_describe_the_clip_not_its_whole_video(collection):
    clip = clip_asked_by(collection.owner)
    ItemFactory(collection=collection, video=None, clip=clip, position=9)
    zipped = unzip(archive.plan(collection=collection, choice="highest"))
    clip_name = next(n for n in zipped.namelist() if "-clip-" in n and n.endswith(".mp4"))

    hub = zipped.read(f"{clip_name}.vmh.json").decode()

    assert clip.checksum_sha256 and clip.checksum_sha256 in hub
    assert clip.rendition.checksum_sha256 not in hub


def test_the_manifest_gives_titles_credit_lines_usage_terms_and_checksums(collection):
    video = collection.items.first().video
    video.usage_terms = "Free for news use."
    video.save()
    zipped = unzip(archive.plan(collection=collection, choice="highest"))
    manifest = json.loads(zipped.read("manifest.json"))
    first = manifest["files"][0]
    assert first["title"] == "Arrivals at the summit"
    assert first["credit_line"] == "Credit 0"
    assert first["usage_terms"] == "Free for news use."
    assert first["note"] == "Opening shot"
    assert first["sha256"] == hashlib.sha256(zipped.read(first["file"])).hexdigest()
    text = zipped.read("MANIFEST.txt").decode()
    assert "Title: Arrivals at the summit" in text
    assert "Usage terms: Free for news use." in text
    sums = zipped.read("SHA256SUMS").decode().splitlines()
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256(zipped.read(name)).hexdigest() == digest
    assert len(sums) == 2


def test_an_item_unpublished_since_is_listed_as_unavailable_and_not_packed(collection):
    withdrawn = collection.items.last().video
    publishing.unpublish(item=withdrawn)
    plan = archive.plan(collection=collection, choice="highest")
    zipped = unzip(plan)
    assert [m.item.video for m in plan.members] == [collection.items.first().video]
    assert not [n for n in zipped.namelist() if "press-conference" in n]
    manifest = json.loads(zipped.read("manifest.json"))
    assert [entry["title"] for entry in manifest["unavailable"]] == ["Press conference"]
    assert "not in this zip" in zipped.read("MANIFEST.txt").decode()


@pytest.mark.parametrize(
    ("choice", "expected"),
    [("highest", "UHD"), ("1080", "HD"), ("720", "SD"), ("smallest", "SD")],
)
def test_the_chosen_version_of_each_video_goes_in(verified_user, choice, expected):
    item = ItemFactory(collection__owner=verified_user)
    for label, height, size in [("UHD", 2160, 9000), ("HD", 1080, 5000), ("SD", 576, 1000)]:
        RenditionFactory(video=item.video, label=label, height=height, file_size=size)
    plan = archive.plan(collection=item.collection, choice=choice)
    assert plan.members[0].deliverable.label == expected


def test_a_cap_below_every_version_takes_the_smallest_above_it():
    uhd = RenditionFactory.build(label="UHD", height=2160)
    hd = RenditionFactory.build(label="HD", height=1080)
    assert archive.pick_rendition([uhd, hd], "720") is hd
    assert archive.pick_rendition([], "720") is None


def test_a_video_without_a_ready_version_is_unavailable(verified_user):
    item = ItemFactory(collection__owner=verified_user)
    plan = archive.plan(collection=item.collection, choice="highest")
    assert plan.members == [] and plan.unavailable == [item]


def test_clips_go_in_as_cut_and_are_recorded_as_clip_downloads(collection):
    clip = clip_asked_by(collection.owner)
    ItemFactory(collection=collection, video=None, clip=clip, position=9)
    plan = archive.plan(collection=collection, choice="highest")
    zipped = unzip(plan)
    clip_name = [n for n in zipped.namelist() if not n.endswith(SIDECAR_SUFFIXES)][-1]
    assert "-clip-00-00-12-00-00-30" in clip_name
    assert zipped.read(clip_name) == CLIP_BYTES
    archive.record_downloads(user=collection.owner, plan=plan)
    downloads = Download.objects.filter(user=collection.owner)
    assert downloads.count() == 3
    assert downloads.filter(clip_download__clip=clip).count() == 1


def test_every_member_is_recorded_as_a_download_of_the_reader(collection, colleague):
    plan = archive.plan(collection=collection, choice="highest")
    archive.record_downloads(user=colleague, plan=plan)
    assert sorted(
        Download.objects.filter(user=colleague).values_list("rendition__video__title", flat=True)
    ) == ["Arrivals at the summit", "Press conference"]


def test_the_sidecar_place_adds_its_files_beside_each_member(collection, monkeypatch):
    monkeypatch.setattr(
        archive, "sidecars_for", lambda member: [(f"{member.arcname}.xml", b"<newsItem/>")]
    )
    zipped = unzip(archive.plan(collection=collection, choice="highest"))
    assert zipped.read("001-arrivals-at-the-summit-hd-1080p-h264.mp4.xml") == b"<newsItem/>"


def test_the_response_is_a_sized_unbuffered_attachment(collection):
    response = archive.response(archive.plan(collection=collection, choice="highest"))
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body)
    assert response["Content-Disposition"] == 'attachment; filename="summit-story.zip"'
    assert response["X-Accel-Buffering"] == "no"
    assert zipfile.ZipFile(io.BytesIO(body)).testzip() is None


def test_a_zip_of_files_on_s3_reads_the_objects_without_a_temporary_file(
    s3_storage, verified_user, monkeypatch
):
    import tempfile

    payload = bytes(range(256)) * 1024  # 256 KB: several chunks
    rendition = RenditionFactory(
        file=ContentFile(payload, name="master.mp4"),
        file_size=len(payload),
        checksum_sha256=hashlib.sha256(payload).hexdigest(),
    )
    item = ItemFactory(collection__owner=verified_user, video=rendition.video)

    def no_temporary_file(*args, **kwargs):
        raise AssertionError("the zip spooled an object to a temporary file")

    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", no_temporary_file)
    zipped = unzip(archive.plan(collection=item.collection, choice="highest"))
    files = [name for name in zipped.namelist() if not name.endswith(SIDECAR_SUFFIXES)]
    assert zipped.read(files[-1]) == payload


class _HeadAndTail(io.RawIOBase):
    """A zip's bytes as a seekable file, keeping only its head and tail: what lies between
    (a member's data, all zeros here) is read back as zeros."""

    def __init__(self, head: bytes, tail: bytes, size: int) -> None:
        self.head, self.tail, self.size, self.position = head, tail, size, 0

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.position, 2: self.size}[whence]
        self.position = base + offset
        return self.position

    def read(self, n: int = -1) -> bytes:
        end = self.size if n is None or n < 0 else min(self.size, self.position + n)
        out = bytearray()
        for at in range(self.position, end):
            if at < len(self.head):
                out.append(self.head[at])
            elif at >= self.size - len(self.tail):
                out.append(self.tail[at - (self.size - len(self.tail))])
            else:
                out.append(0)
        self.position = end
        return bytes(out)


@pytest.mark.timeout(600)
def test_a_member_over_4_gb_is_written_with_zip64_records(verified_user, settings):
    from pathlib import Path

    size = 4 * 1024**3 + 4096
    name = "renditions/big/master.mp4"
    path = Path(settings.STORAGES["default"]["OPTIONS"]["location"]) / name
    path.parent.mkdir(parents=True)
    with path.open("wb") as handle:
        handle.truncate(size)  # sparse: costs no disk
    rendition = RenditionFactory.build(
        video=VideoFactory(), file=name, file_size=size, label="UHD master"
    )
    rendition.save()
    item = ItemFactory(collection__owner=verified_user, video=rendition.video)

    archive_stream = archive.build(archive.plan(collection=item.collection, choice="highest"))
    length = len(archive_stream)
    head, last, seen = bytearray(), deque(maxlen=32), 0
    for chunk in archive_stream:
        if len(head) < 64 * 1024:
            head += chunk[: 64 * 1024 - len(head)]
        last.append(chunk)  # the footer comes last, in small pieces
        seen += len(chunk)
    assert seen == length > size
    tail = b"".join(last)[-64 * 1024 :]

    with zipfile.ZipFile(_HeadAndTail(bytes(head), tail, length)) as zipped:
        big = zipped.getinfo(next(n for n in zipped.namelist() if n.endswith(".mp4")))
        assert big.file_size == big.compress_size == size
        with zipped.open(big) as member:  # its local header, Zip64 extra included, reads
            assert member.read(16) == bytes(16)
