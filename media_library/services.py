"""Workflows of the media library: attaching and ingesting files, publishing, downloads."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import connections, models, transaction
from django.db.models import Func, Max, Value
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core import content_version
from core.tasks import enqueue
from media_library import captions, ingest, public_media, stills
from media_library.ingest import IngestError, ProbeResult
from media_library.models import (
    SEARCH_CONFIG,
    CatalogueTerm,
    Category,
    Download,
    Event,
    Rendition,
    Tag,
    Video,
    in_every_language,
)

logger = logging.getLogger(__name__)

INGEST_TASK = "media_library.tasks.ingest_rendition"
TERM_SEARCH_TASK = "media_library.tasks.update_term_search_vectors"
# The terms whose names a video's search vector holds (update_search_vector), by model name.
SEARCHED_TERMS = {"category": Category, "event": Event, "tag": Tag}


# --- Videos ------------------------------------------------------------------------------------


def unique_video_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:230] or "video"
    slug, n = base, 2
    existing = Video.objects.exclude(pk=exclude_pk) if exclude_pk else Video.objects.all()
    while existing.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def create_video(*, title: str, slug: str = "", tags: list[str] | None = None, **fields) -> Video:
    video = Video(title=title, slug=slug or unique_video_slug(title), **fields)
    video.full_clean(exclude=["thumbnail", "preview"])
    video.save()
    if tags:
        video.tags.set(
            [Tag.objects.get_or_create(slug=slugify(t), defaults={"name": t})[0] for t in tags]
        )
    return video


def update_search_vector(*, video_id: int) -> None:
    """Rebuild the stored search vector: title first (A), tags and summary (B), shot list (C),
    place, event and category (D), and the pairs of adjacent words that phrases are found by.

    Only PostgreSQL has one; elsewhere the catalogue searches with a plain LIKE. Any save of
    a video or of its tags runs it once the change commits (`media_library.signals`).
    """
    if connections[Video.objects.db].vendor != "postgresql":
        return
    video = Video.objects.select_related("event", "category").filter(pk=video_id).first()
    if video is None:
        return
    # Names in every language, whichever the editor's page is in: a reader finds "Discours"
    # as well as "Speech".
    tag_names = Tag.objects.filter(videos=video_id).values_list(*in_every_language("name"))
    tags = " ".join(_distinct(name for names in tag_names for name in names))
    context = " ".join(
        _distinct(
            [
                video.location,
                *_country_names(video),
                *_term_names(video.event),
                *_term_names(video.category),
            ]
        )
    )

    def text(value: str) -> Value:
        return Value(value, output_field=models.TextField())

    words = (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector(text(tags), weight="B", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector("shot_list", weight="C", config=SEARCH_CONFIG)
        + SearchVector(text(context), weight="D", config=SEARCH_CONFIG)
    )
    # Plus each two adjacent words as one lexeme, which phrase searches find (migration 0003).
    Video.objects.filter(pk=video_id).update(
        search_vector=Func(
            words, function="search_with_word_pairs", output_field=SearchVectorField()
        )
    )


def term_saved(*, term: CatalogueTerm) -> None:
    """A category, event or tag was saved, perhaps renamed or given its French name: once this
    commits, a worker rebuilds the search vectors of its videos, which hold its names."""
    kind, term_id = term._meta.model_name, term.pk
    transaction.on_commit(lambda: enqueue(TERM_SEARCH_TASK, kind, term_id))


def update_term_search_vectors(*, kind: str, term_id: int) -> int:
    """Rebuilds the search vectors of the videos filed under a term (`kind`: category, event
    or tag); returns how many. The catalogue's cached searches are stale until then, so the
    content version moves once they are done."""
    term = SEARCHED_TERMS[kind].objects.filter(pk=term_id).first()
    if term is None or connections[Video.objects.db].vendor != "postgresql":
        return 0
    video_ids = list(term.videos.order_by("pk").values_list("pk", flat=True))
    for video_id in video_ids:
        update_search_vector(video_id=video_id)
    if video_ids:
        content_version.bump()
    return len(video_ids)


def _distinct(names) -> list[str]:
    return list(dict.fromkeys(name for name in names if name))


def _term_names(term: CatalogueTerm | None) -> list[str]:
    return [getattr(term, field) for field in in_every_language("name")] if term else []


def _country_names(video: Video) -> list[str]:
    if not video.country:
        return []
    names = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.append(str(video.country.name))
    return names


# --- Renditions and ingest ---------------------------------------------------------------------


@transaction.atomic
def attach_rendition(
    *,
    video: Video,
    content: File,
    filename: str,
    label: str = "",
    make_preview: bool = False,
    queue: bool = True,
) -> Rendition:
    """Store a file as a new rendition of `video` and queue its ingest after the commit.

    `queue=False` leaves the ingest to the caller (the demo loader runs it in-process).
    """
    rendition = Rendition(
        video=video,
        label=label,
        make_preview=make_preview,
        original_filename=Path(filename).name[:255],
        position=video.renditions.count(),
    )
    # The storage copies the file in chunks: a multi-gigabyte master never sits in memory.
    rendition.file.save(Path(filename).name, content, save=False)
    rendition.save()
    if queue:
        queue_ingest(rendition=rendition)
    return rendition


@transaction.atomic
def file_attached(*, rendition: Rendition) -> None:
    """An editor saved a new file on a rendition (admin): remember its name, ingest it."""
    rendition.original_filename = Path(rendition.file.name).name[:255]
    Rendition.objects.filter(pk=rendition.pk).update(original_filename=rendition.original_filename)
    queue_ingest(rendition=rendition)


def queue_ingest(*, rendition: Rendition) -> None:
    """Mark the rendition as waiting and run the ingest task once this transaction commits."""
    Rendition.objects.filter(pk=rendition.pk).update(
        status=Rendition.Status.PENDING, error="", ingested_at=None
    )
    rendition.status, rendition.error = Rendition.Status.PENDING, ""
    rendition_id = rendition.pk
    transaction.on_commit(lambda: enqueue(INGEST_TASK, rendition_id))


@contextlib.contextmanager
def _local_copy(field_file) -> Iterator[tuple[Path, str]]:
    """A local path to the stored file and its SHA-256, computed while streaming it.

    PyAV needs a seekable local file; remote storages (S3) are copied to a temporary one.
    """
    storage, name = field_file.storage, field_file.name
    try:
        local_path = Path(storage.path(name))
    except NotImplementedError:
        local_path = None
    if local_path is not None:
        if not local_path.exists():
            raise IngestError(_("The file is missing from the storage."))
        yield local_path, ingest.file_sha256(local_path)
        return
    with tempfile.TemporaryDirectory(prefix="ingest-") as folder:
        copy = Path(folder) / f"source{Path(name).suffix}"
        digest = hashlib.sha256()
        with storage.open(name, "rb") as source, copy.open("wb") as target:
            for chunk in ingest.read_chunks(source):
                digest.update(chunk)
                target.write(chunk)
        yield copy, digest.hexdigest()


def default_label(result: ProbeResult) -> str:
    height = result.height
    if height >= 2160:
        quality = "4K UHD"
    elif height >= 1080:
        quality = "HD 1080p"
    elif height >= 720:
        quality = "HD 720p"
    else:
        quality = f"SD {height}p"
    codec = {
        "h264": "H.264",
        "hevc": "H.265",
        "prores": "ProRes",
        "mpeg2video": "MPEG-2",
        "dnxhd": "DNxHD",
        "vp9": "VP9",
        "av1": "AV1",
    }.get(result.video_codec, result.video_codec.upper())
    return f"{quality} {codec} {result.container.upper()}"


TECHNICAL_FIELDS = [
    "container",
    "video_codec",
    "video_profile",
    "pixel_format",
    "audio_codec",
    "width",
    "height",
    "frame_rate",
    "bitrate",
    "audio_channels",
    "audio_sample_rate",
    "duration_seconds",
    "file_size",
    "checksum_sha256",
]


def ingest_rendition(*, rendition_id: int) -> Rendition:
    """Probe the file, fill the technical fields, make the thumbnail and (if asked) the preview.

    The slow part runs outside any transaction (a long transcode must not hold row locks);
    the results are written in one transaction at the end. A file that cannot be used marks
    only this rendition as failed, with the reason; the video is left as it was.
    """
    with transaction.atomic():
        rendition = Rendition.objects.select_for_update().get(pk=rendition_id)
        rendition.status, rendition.error = Rendition.Status.PROCESSING, ""
        rendition.save(update_fields=["status", "error"])
    video = rendition.video
    file_name = rendition.file.name
    try:
        with (
            _local_copy(rendition.file) as (path, checksum),
            tempfile.TemporaryDirectory(prefix="preview-") as work,
        ):
            result = ingest.probe(path)
            thumbnail = None if video.thumbnail else ingest.make_thumbnail(path)
            preview_path = None
            if rendition.make_preview:
                preview_path = Path(work) / "preview.mp4"
                ingest.make_preview(path, preview_path)
            return _finish_ingest(
                rendition_id=rendition_id,
                file_name=file_name,
                result=result,
                checksum=checksum,
                thumbnail=thumbnail,
                preview_path=preview_path,
            )
    except IngestError as exc:
        return _fail_ingest(rendition_id=rendition_id, message=str(exc))
    except Exception as exc:
        # Not the file's fault (storage or database trouble): record it, and let the task retry.
        logger.exception("Ingest of rendition %s failed", rendition_id)
        _fail_ingest(
            rendition_id=rendition_id,
            message=_("Unexpected error, the ingest will be retried: %(error)s") % {"error": exc},
        )
        raise


@transaction.atomic
def _finish_ingest(
    *,
    rendition_id: int,
    file_name: str,
    result: ProbeResult,
    checksum: str,
    thumbnail: bytes | None,
    preview_path: Path | None,
) -> Rendition:
    rendition = Rendition.objects.select_for_update().get(pk=rendition_id)
    video = Video.objects.select_for_update().get(pk=rendition.video_id)
    if rendition.file.name != file_name:
        # The editor replaced the file meanwhile; the task queued for the new one fills it in.
        return rendition
    for field, value in result.as_fields().items():
        setattr(rendition, field, value)
    rendition.checksum_sha256 = checksum
    rendition.label = rendition.label or default_label(result)
    rendition.status, rendition.error = Rendition.Status.READY, ""
    rendition.ingested_at = timezone.now()
    rendition.save()

    video_fields = ["duration_seconds", "updated_at"]
    # Random names: nothing to guess from the title or slug (the files stay private until the
    # video is published, public_media).
    if thumbnail and not video.thumbnail:
        video.thumbnail.save(f"{uuid.uuid4().hex}.jpg", ContentFile(thumbnail), save=False)
        video_fields.append("thumbnail")
    if preview_path is not None:
        old_preview = video.preview.name
        with preview_path.open("rb") as handle:
            video.preview.save(f"{uuid.uuid4().hex}.mp4", File(handle), save=False)
        video_fields.append("preview")
        public_media.discard_after_commit(old_preview, private=video.preview.storage)
        storage, video_id, current = video.preview.storage, video.pk, video.preview.name
        transaction.on_commit(lambda: stills.discard(storage, video_id, keep=current))
    duration_before = video.duration_seconds
    video.duration_seconds = video.renditions.ready().aggregate(longest=Max("duration_seconds"))[
        "longest"
    ]
    video.save(update_fields=video_fields)
    if video.duration_seconds != duration_before:
        # The last soundbites ran to an end not known before (or past the new one).
        captions.rebuild_soundbite_captions(video=video)
    return rendition


@transaction.atomic
def _fail_ingest(*, rendition_id: int, message: str) -> Rendition:
    rendition = Rendition.objects.select_for_update().get(pk=rendition_id)
    rendition.status, rendition.error = Rendition.Status.FAILED, message[:2000]
    # A failed file has no technical values: stale ones from an earlier file would mislead.
    for field in TECHNICAL_FIELDS:
        setattr(rendition, field, "" if field in _TEXT_FIELDS else None)
    rendition.save()
    return rendition


_TEXT_FIELDS = {
    "container",
    "video_codec",
    "video_profile",
    "pixel_format",
    "audio_codec",
    "checksum_sha256",
}


# --- Downloads ---------------------------------------------------------------------------------


@transaction.atomic
def record_download(*, user, rendition: Rendition) -> Download:
    return Download.objects.create(user=user, rendition=rendition)
