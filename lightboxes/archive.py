""" "Download all": one zip of a collection, streamed while it is built.

The zip is stored (not compressed: video does not shrink) and sized, so the response carries
its Content-Length and the browser shows progress. Members are read from the storage in
64 KB pieces as the client takes them (`media_library.delivery.read_file`, local and S3), so
a worker's memory stays flat whatever the size, and nothing is written to disk. zipstream-ng
switches a member and the central directory to Zip64 wherever sizes or offsets pass 4 GB.

A manifest comes first: titles, credit lines, usage terms, SHA-256 checksums (also as a
`SHA256SUMS` file that `sha256sum -c` checks), and the items that are unavailable: those
withdrawn since they were added are listed there, never packed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db import transaction
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from zipstream import ZipStream

from clips import sidecars as clip_sidecars
from clips.models import Clip
from clips.services import record_clip_download
from lightboxes.models import Collection, Item
from lightboxes.selectors import items_of
from media_library import metadata
from media_library.delivery import read_file
from media_library.metadata.mapping import technical
from media_library.models import Rendition
from media_library.services import record_download

# The version of each video that goes into the zip, by the reader's choice.
CHOICES = {
    "highest": gettext_lazy("Highest quality available"),
    "1080": gettext_lazy("Up to 1080p (HD)"),
    "720": gettext_lazy("Up to 720p"),
    "smallest": gettext_lazy("Smallest file"),
}
DEFAULT_CHOICE = "highest"


def _quality(rendition: Rendition) -> tuple[int, int, int]:
    return (rendition.height or 0, rendition.bitrate or 0, rendition.file_size or 0)


def pick_rendition(renditions: list[Rendition], choice: str) -> Rendition | None:
    """The rendition a choice means: the best at or under a height cap (else the smallest
    above it), the best overall, or the smallest file."""
    if not renditions:
        return None
    if choice == "smallest":
        return min(renditions, key=lambda r: (r.file_size or 0, _quality(r)))
    if choice in ("1080", "720"):
        cap = int(choice)
        under = [r for r in renditions if r.height and r.height <= cap]
        if under:
            return max(under, key=_quality)
        return min(renditions, key=_quality)
    return max(renditions, key=_quality)


@dataclass
class Member:
    """One file of the zip: a video's rendition, or a clip."""

    item: Item
    deliverable: Rendition | Clip
    arcname: str
    size: int

    @property
    def video(self):
        return self.item.the_video


@dataclass
class Plan:
    collection: Collection
    choice: str
    members: list[Member] = field(default_factory=list)
    unavailable: list[Item] = field(default_factory=list)

    @property
    def filename(self) -> str:
        return f"{slugify(self.collection.name)[:60] or 'collection'}.zip"


def plan(*, collection: Collection, choice: str) -> Plan:
    """What the zip will hold: every available item's file, named by its place in the list.

    Sizes are asked of the storage (a stat, or a HEAD on S3): the zip's length is computed
    from them before the first byte goes out.
    """
    result = Plan(collection=collection, choice=choice if choice in CHOICES else DEFAULT_CHOICE)
    for number, item in enumerate(items_of(collection, with_renditions=True), start=1):
        deliverable = None
        if item.available:
            if item.is_clip:
                deliverable = item.clip
            else:
                deliverable = pick_rendition(item.video.ready_renditions, result.choice)
        if deliverable is None:
            result.unavailable.append(item)
            continue
        storage = deliverable.file.storage
        result.members.append(
            Member(
                item=item,
                deliverable=deliverable,
                arcname=f"{number:03d}-{deliverable.download_filename()}",
                size=storage.size(deliverable.file.name),
            )
        )
    return result


@transaction.atomic
def record_downloads(*, user, plan: Plan) -> None:
    """Every member is a download of the reader's (history, statistics), as a single one is."""
    for member in plan.members:
        if isinstance(member.deliverable, Clip):
            try:
                record_clip_download(user=user, clip=member.deliverable)
            except Clip.DoesNotExist:
                continue  # swept meanwhile: the zip made from the link will not hold it
        else:
            record_download(user=user, rendition=member.deliverable)


def sidecars_for(member: Member) -> list[tuple[str, bytes]]:
    """The member's metadata, packed beside it under its name plus a suffix: a NewsML-G2
    newsItem and IPTC Video Metadata Hub JSON (docs/metadata.md), of the rendition or of the
    clip. Their links name the file as the zip does. A few KB each, held in memory; the zip's
    announced length includes them."""
    deliverable = member.deliverable
    if isinstance(deliverable, Clip):
        description = clip_sidecars.describe(deliverable, filename=member.arcname)
    else:
        file = technical(deliverable, filename=member.arcname)
        description = metadata.describe(deliverable, file=file)
    return [
        (metadata.sidecar_filename(member.arcname, kind), metadata.render(description, kind))
        for kind in ("newsml", "vmh")
    ]


def manifest(plan: Plan) -> dict:
    def video_fields(item: Item) -> dict:
        video = item.the_video
        return {
            "title": video.title,
            "credit_line": video.credits,
            "usage_terms": video.usage_terms,
            "note": item.note,
            "page": video.get_absolute_url(),
        }

    return {
        "collection": plan.collection.name,
        "created_at": timezone.now().isoformat(),
        "version_chosen": plan.choice,
        "files": [
            {
                "file": member.arcname,
                **video_fields(member.item),
                "kind": "clip" if member.item.is_clip else "video",
                "version": (
                    member.deliverable.rendition.label
                    if member.item.is_clip
                    else member.deliverable.label
                ),
                "range": member.deliverable.range_display if member.item.is_clip else "",
                "size_bytes": member.size,
                "sha256": member.deliverable.checksum_sha256,
            }
            for member in plan.members
        ],
        "unavailable": [video_fields(item) for item in plan.unavailable],
    }


def manifest_text(data: dict) -> str:
    """The manifest for people: what each file is, whose it is, and how it may be used."""
    lines = [
        _("Collection: %(name)s") % {"name": data["collection"]},
        _("Made: %(time)s") % {"time": data["created_at"]},
        "",
    ]
    for entry in data["files"]:
        lines += [
            entry["file"],
            "  " + _("Title: %(title)s") % {"title": entry["title"]},
            "  " + _("Version: %(version)s") % {"version": entry["version"]},
        ]
        if entry["range"]:
            lines.append("  " + _("Clip: %(range)s") % {"range": entry["range"]})
        lines += [
            "  " + _("Credit line: %(credit)s") % {"credit": entry["credit_line"] or "—"},
            "  " + _("Usage terms: %(terms)s") % {"terms": entry["usage_terms"] or "—"},
            "  SHA-256: " + entry["sha256"],
        ]
        if entry["note"]:
            lines.append("  " + _("Note: %(note)s") % {"note": entry["note"]})
        lines.append("")
    if data["unavailable"]:
        lines.append(_("Unavailable (withdrawn since it was added, not in this zip):"))
        lines += [f"  {entry['title']}" for entry in data["unavailable"]]
        lines.append("")
    return "\n".join(lines)


def build(plan: Plan) -> ZipStream:
    """The zip, not yet read: iterating it reads each member's file as the client takes it."""
    data = manifest(plan)
    archive = ZipStream(sized=True)
    archive.add(manifest_text(data).encode(), "MANIFEST.txt")
    archive.add(json.dumps(data, indent=2, ensure_ascii=False).encode(), "manifest.json")
    sums = "".join(
        f"{entry['sha256']}  {entry['file']}\n" for entry in data["files"] if entry["sha256"]
    )
    archive.add(sums.encode(), "SHA256SUMS")
    for member in plan.members:
        file = member.deliverable.file
        # A generator: the file is opened only when the zip reaches this member.
        archive.add(read_file(file.storage, file.name), member.arcname, size=member.size)
        for name, content in sidecars_for(member):
            archive.add(content, name)
    return archive


def response(plan: Plan) -> StreamingHttpResponse:
    archive = build(plan)
    result = StreamingHttpResponse(archive, content_type="application/zip")
    result["Content-Length"] = str(len(archive))
    result["Content-Disposition"] = content_disposition_header(True, plan.filename)
    result["Cache-Control"] = "private, no-store"
    # nginx would otherwise buffer what the client has not taken yet in its temporary files.
    result["X-Accel-Buffering"] = "no"
    return result
