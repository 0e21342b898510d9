"""Clips: a range of a rendition, cut once by a worker and shared by everyone who asks for it.

A clip is cached per (rendition, the file's checksum, range, mode): the next user asking for
the same range of the same file gets the same row and file. Who asked is a `ClipRequest` (the
per-user limit counts them); each fetch of the file is a `media_library.Download` of the
rendition, tied to the clip by a `ClipDownload`.
"""

from __future__ import annotations

import uuid
from fractions import Fraction

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from core.timecode import to_webvtt
from media_library.models import Download, Rendition


def clip_upload_to(instance: Clip, filename: str) -> str:
    # A random folder, as for renditions: a stored path is never guessable.
    return f"clips/{uuid.uuid4().hex}/{filename}"


class ClipQuerySet(models.QuerySet["Clip"]):
    def active(self) -> ClipQuerySet:
        """Waiting for a worker or being cut: what the per-user limit counts."""
        return self.filter(status__in=[Clip.Status.PENDING, Clip.Status.RUNNING])


class Clip(models.Model):
    # A clip whose cut was interrupted or failed this many times is not tried again (a
    # poison file): neither by the sweep nor when someone asks for it again.
    MAX_ATTEMPTS = 3

    class Mode(models.TextChoices):
        FAST = "fast", _("Fast")
        EXACT = "exact", _("Frame-accurate")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a worker")
        RUNNING = "running", _("Being cut")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    rendition = models.ForeignKey(
        Rendition, verbose_name=_("rendition"), on_delete=models.CASCADE, related_name="clips"
    )
    # The rendition's checksum when the clip was asked for: a replaced file is another source.
    source_checksum = models.CharField(_("source checksum"), max_length=64)
    start_ms = models.PositiveBigIntegerField(_("in (ms)"))
    end_ms = models.PositiveBigIntegerField(_("out (ms)"))
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices)

    status = models.CharField(
        _("state"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # What the user is told (no server detail), and what went wrong, for the admin only.
    error = models.TextField(_("error"), blank=True)
    error_detail = models.TextField(_("error detail"), blank=True)
    # Each claim by a worker adds one; a worker's updates name the claim they belong to, so a
    # worker that lost its claim (presumed dead, then back) can no longer write.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    file = models.FileField(_("file"), upload_to=clip_upload_to, max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size (bytes)"), null=True, blank=True)
    checksum_sha256 = models.CharField(_("SHA-256 checksum"), max_length=64, blank=True)
    # Where the clip really starts in the rendition: the keyframe at or before the in point
    # in fast mode, the in point itself when frame-accurate.
    actual_start_ms = models.PositiveBigIntegerField(_("actual in (ms)"), null=True, blank=True)
    duration_seconds = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Last asked for or downloaded: the sweep deletes ready clips unused for CLIP_KEEP_DAYS.
    used_at = models.DateTimeField(_("last used"), default=timezone.now)

    objects = ClipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("clip")
        verbose_name_plural = _("clips")
        constraints = [
            models.UniqueConstraint(
                fields=["rendition", "source_checksum", "start_ms", "end_ms", "mode"],
                name="clip_one_per_range",
            ),
            models.CheckConstraint(condition=Q(end_ms__gt=F("start_ms")), name="clip_not_empty"),
        ]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="clip_status_beat_idx")]

    def __str__(self) -> str:
        return f"{self.rendition} · {self.range_display} ({self.get_mode_display()})"

    @property
    def gave_up(self) -> bool:
        """Failed for good: its tries are used up, and asking again does not start it anew."""
        return self.status == self.Status.FAILED and self.attempts >= self.MAX_ATTEMPTS

    @property
    def start_seconds(self) -> float:
        return self.start_ms / 1000

    @property
    def end_seconds(self) -> float:
        return self.end_ms / 1000

    @property
    def length_seconds(self) -> float:
        return (self.end_ms - self.start_ms) / 1000

    @property
    def range_display(self) -> str:
        return f"{format_ms(self.start_ms)}–{format_ms(self.end_ms)}"  # noqa: RUF001

    @property
    def starts_early_by_seconds(self) -> float:
        """How much earlier than asked a fast clip starts (its keyframe): 0 when exact."""
        if self.actual_start_ms is None:
            return 0.0
        return max(0, self.start_ms - self.actual_start_ms) / 1000

    @property
    def extension(self) -> str:
        name = self.file.name or ""
        return name.rsplit(".", 1)[-1].lower() if "." in name else self.rendition.extension

    def download_filename(self) -> str:
        """`<title>-<label>-clip-00-01-12-000-00-01-30-000.mp4`: the range in the name."""
        stem = self.rendition.download_filename().rsplit(".", 1)[0]
        span = slugify(
            f"{format_ms(self.start_ms)} {format_ms(self.end_ms)}".replace(":", "-").replace(
                ".", "-"
            )
        )
        return f"{stem}-clip-{span}.{self.extension}"


def format_ms(ms: int) -> str:
    # HH:MM:SS, or HH:MM:SS.mmm when the range is not on whole seconds: as asked, to the ms.
    text = to_webvtt(Fraction(ms, 1000))
    return text if ms % 1000 else text[:8]


class ClipRequest(models.Model):
    """A user asked for a clip (and may see its page and fetch it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="clip_requests",
    )
    clip = models.ForeignKey(
        Clip, verbose_name=_("clip"), on_delete=models.CASCADE, related_name="requests"
    )
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("clip request")
        verbose_name_plural = _("clip requests")
        constraints = [
            models.UniqueConstraint(fields=["user", "clip"], name="clip_request_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.clip}"


class ClipDownload(models.Model):
    """Which clip a `Download` of a rendition fetched (the Download row is the record)."""

    download = models.OneToOneField(
        Download,
        verbose_name=_("download"),
        on_delete=models.CASCADE,
        related_name="clip_download",
    )
    clip = models.ForeignKey(
        Clip, verbose_name=_("clip"), on_delete=models.SET_NULL, null=True, related_name="downloads"
    )
    start_ms = models.PositiveBigIntegerField(_("in (ms)"))
    end_ms = models.PositiveBigIntegerField(_("out (ms)"))
    mode = models.CharField(_("mode"), max_length=8, choices=Clip.Mode.choices)

    class Meta:
        verbose_name = _("clip download")
        verbose_name_plural = _("clip downloads")

    def __str__(self) -> str:
        return f"{self.download} · {self.start_ms}–{self.end_ms} ms"  # noqa: RUF001

    @property
    def start_display(self) -> str:
        return format_ms(self.start_ms)

    @property
    def end_display(self) -> str:
        return format_ms(self.end_ms)
