from __future__ import annotations

import hashlib

from django.conf import global_settings
from django.core.cache import cache
from django.db import models
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from core import websearch
from core.publishable import Publishable, PublishableQuerySet
from media_library.models import Video
from speeches import timecodes as tc
from speeches.rendering import (
    PARAGRAPH_ANCHOR,
    link_timecodes,
    render_markdown,
    render_transcript,
)

# Bump when render_markdown's output changes, so cached transcripts are rendered anew.
# 2: the transcript HTML marks its timecoded paragraphs (rendering.render_transcript).
# 3: marker characters typed in the transcript are dropped (rendering.render_transcript).
RENDERING_VERSION = 3
BODY_HTML_CACHE_SECONDS = 24 * 3600
# The columns of the video of the timecodes a speech page does not read.
HEAVY_VIDEO_FIELDS = ("search_vector", "summary", "shot_list", "usage_terms")
# What the related videos' links and the inline player read (title, media and their URLs).
INLINE_VIDEO_FIELDS = ("title", "slug", "thumbnail", "preview", "status", "published_at")


SEARCHED_COLUMNS = websearch.in_columns("title", "speaker_name", "event", "location", "body")


def language_choices() -> list[tuple[str, str]]:
    # A callable, so the migration refers to it instead of copying Django's long list.
    return sorted(global_settings.LANGUAGES, key=lambda choice: str(choice[1]))


def _same_language(code: str, language: str) -> bool:
    return code.lower().split("-")[0] == language.lower().split("-")[0]


class SpeechQuerySet(PublishableQuerySet):
    def newest_first(self) -> SpeechQuerySet:
        return self.order_by("-date_delivered", "-published_at", "-pk")

    def with_public_relations(self) -> SpeechQuerySet:
        """Prefetch what a detail page links to, keeping only what the public may see.

        The results land in `public_translations` and `public_related_videos` (lists).
        """
        return (
            self.prefetch_related(
                Prefetch(
                    "related_videos",
                    queryset=Video.objects.published().only(*INLINE_VIDEO_FIELDS).order_by("title"),
                    to_attr="public_related_videos",
                ),
                Prefetch(
                    "translations",
                    queryset=Speech.objects.published().only(
                        "title", "slug", "language", "timecode_video_id"
                    ),
                    to_attr="public_translations",
                ),
            )
            .select_related("timecode_video")
            .defer(*(f"timecode_video__{name}" for name in HEAVY_VIDEO_FIELDS))
        )

    def version_in(self, language: str, *, slug: str) -> Speech | None:
        """The published speech `slug` as readers of `language` want it: its published
        translation into that language when it has one ("fr" also finds "fr-ca"), else None
        (the speech itself is then the page to stay on)."""
        speech = self.published().filter(slug=slug).only("pk", "language").first()
        if speech is None or _same_language(speech.language, language):
            return None
        versions = speech.translations.published().only("slug", "language").order_by("pk")
        return next((v for v in versions if _same_language(v.language, language)), None)

    def search(self, query: str) -> SpeechQuerySet:
        """Speeches matching `query` (the search box's syntax: phrases, `-word`, `or`, as
        `core.websearch` reads it) in title, speaker, event, place or transcript; the same
        plain-text reading on every database."""
        if not query.strip():
            return self
        found = websearch.matches(query, SEARCHED_COLUMNS)
        return self.none() if found is None else self.filter(found)


class Speech(Publishable):
    title = models.CharField(_("title"), max_length=255)
    slug = models.SlugField(
        _("slug"),
        max_length=255,
        unique=True,
        help_text=_("The last part of the speech's web address."),
    )
    speaker_name = models.CharField(_("speaker"), max_length=200)
    speaker_role = models.CharField(
        _("speaker's role"),
        max_length=200,
        blank=True,
        help_text=_("For example: NATO Secretary General."),
    )
    event = models.CharField(_("event"), max_length=255, blank=True)
    location = models.CharField(_("place"), max_length=255, blank=True)
    date_delivered = models.DateField(_("date delivered"))
    language = models.CharField(
        _("language"), max_length=10, choices=language_choices, default="en"
    )
    body = models.TextField(
        _("transcript"),
        help_text=_(
            "Markdown: leave a blank line between paragraphs; *emphasis*, **strong**, "
            "> quotation, [link text](https://example.org). HTML is cleaned on output."
        ),
    )
    translations = models.ManyToManyField(
        "self",
        blank=True,
        symmetrical=True,
        verbose_name=_("translations"),
        help_text=_("The same speech in other languages. Links apply in both directions."),
    )
    related_videos = models.ManyToManyField(
        "media_library.Video",
        blank=True,
        related_name="related_speeches",
        verbose_name=_("related videos"),
        help_text=_("Footage of this speech or its event. Only published videos are shown."),
    )
    timecode_video = models.ForeignKey(
        "media_library.Video",
        verbose_name=_("video of the timecodes"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="timecoded_speeches",
        help_text=_(
            "The related video in which the transcript's timecodes are spoken. Left empty, "
            "it is the related video when there is only one."
        ),
    )

    objects = SpeechQuerySet.as_manager()

    class Meta:
        verbose_name = _("speech")
        verbose_name_plural = _("speeches")
        ordering = ["-date_delivered", "-published_at", "-pk"]
        permissions = [("publish_speech", _("Can publish and unpublish speeches"))]
        indexes = [
            models.Index(fields=["status", "published_at"], name="speech_status_pub_idx"),
            models.Index(fields=["-date_delivered"], name="speech_date_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("speeches:speech_detail", kwargs={"slug": self.slug})

    @cached_property
    def body_html(self) -> SafeString:
        """The transcript as sanitised HTML, rendered once per distinct text.

        Markdown and nh3 cost about a sixth of a detail page (bench profile, issue 8); the key
        is the text's own hash, so an edit can never be served stale.
        """
        digest = hashlib.sha256(self.body.encode()).hexdigest()
        key = f"speeches:body_html:{RENDERING_VERSION}:{digest}"
        html = cache.get(key)
        if html is None:
            html = render_markdown(self.body)
            cache.set(key, html, BODY_HTML_CACHE_SECONDS)
        return mark_safe(html)  # noqa: S308 - cleaned by nh3

    @cached_property
    def timed_version(self) -> Speech | None:
        """The speech whose timecodes this page shows: itself when timecoded; else a public
        translation (prefetched by `with_public_relations`) timecoded against a video and with
        as many paragraphs, which a translation keeps (one query then, none otherwise)."""
        if self.timecode_video_id is not None:
            return self
        for version in getattr(self, "public_translations", ()):
            if version.timecode_video_id is None:
                continue
            version = (
                Speech.objects.select_related("timecode_video")
                .defer(*(f"timecode_video__{name}" for name in HEAVY_VIDEO_FIELDS))
                .get(pk=version.pk)
            )
            if len(tc.paragraphs(version.body)) == len(tc.paragraphs(self.body)):
                return version
        return None

    @cached_property
    def timecodes(self) -> dict[int, int]:
        """Paragraph position -> milliseconds (`timed_version`'s); none without a video of
        the timecodes (one query then, none otherwise)."""
        version = self.timed_version
        if version is None:
            return {}
        return dict(version.timecoded_paragraphs.values_list("position", "start_ms"))

    @cached_property
    def timecode_player(self) -> Video | None:
        """The video of the timecodes if the public may see it, else None."""
        version = self.timed_version
        video = version.timecode_video if version is not None else None
        return video if video is not None and video.is_public else None

    @cached_property
    def inline_player(self) -> Video | None:
        """The video the page plays inline: the video of the timecodes, which the transcript's
        timecodes seek, when public and with a preview; else, when the speech has no public
        video of the timecodes, its first public related video with a preview (no query:
        `with_public_relations` prefetched them)."""
        timed = self.timecode_player
        if timed is not None:
            return timed if timed.preview else None
        return next(
            (video for video in getattr(self, "public_related_videos", ()) if video.preview),
            None,
        )

    @property
    def play_target(self) -> str:
        """Where "play from here" links go, before their `#t=`: the preview file, which any
        browser opens at the fragment's moment (the page's script seeks the page's player
        instead), or the video's page when it has no preview; empty without a public video."""
        video = self.timecode_player
        if video is None:
            return ""
        return video.preview_url or video.get_absolute_url()

    @cached_property
    def transcript(self) -> SafeString:
        """The transcript as readers see it: each timecoded paragraph opens with its
        timecode, a link that plays the video from there."""
        if not self.timecodes:
            return self.body_html
        return link_timecodes(
            self.transcript_html(self.timecodes),
            timecodes=self.timecodes,
            target=self.play_target,
            label=_("Play from"),
        )

    def transcript_html(self, timecodes: dict[int, int]) -> SafeString:
        """The transcript with a marker where each timecoded paragraph starts (`timecodes`:
        paragraph position -> milliseconds), rendered once per distinct text and timecodes.

        The markers become "play from here" links in the page (rendering.link_timecodes),
        whose target may change (a video published, a preview made) without the text doing so.
        """
        if not timecodes:
            return self.body_html
        signature = repr(sorted(timecodes.items())) + "\n" + self.body
        digest = hashlib.sha256(signature.encode()).hexdigest()
        key = f"speeches:transcript_html:{RENDERING_VERSION}:{digest}"
        html = cache.get(key)
        if html is None:
            html = render_transcript(self.body, positions=set(timecodes))
            cache.set(key, html, BODY_HTML_CACHE_SECONDS)
        return mark_safe(html)  # noqa: S308 - cleaned by nh3, markers are private-use text


class TimecodedParagraphQuerySet(models.QuerySet["TimecodedParagraph"]):
    def public(self) -> TimecodedParagraphQuerySet:
        """Of published speeches whose video of the timecodes is published too."""
        return self.filter(
            speech__in=Speech.objects.published(),
            speech__timecode_video__in=Video.objects.published(),
        )


class TimecodedParagraph(models.Model):
    """A paragraph of a transcript with the moment it is spoken in the speech's video.

    Written from the transcript by `services.set_timecodes`: `text` is the paragraph as plain
    text (quote search, captions, citations); the Markdown stays the transcript's `body`.
    """

    speech = models.ForeignKey(
        Speech,
        verbose_name=_("speech"),
        on_delete=models.CASCADE,
        related_name="timecoded_paragraphs",
    )
    position = models.PositiveIntegerField(_("paragraph"))
    start_ms = models.PositiveIntegerField(_("start (milliseconds)"))
    text = models.TextField(_("text"))

    objects = TimecodedParagraphQuerySet.as_manager()

    class Meta:
        ordering = ["speech", "position"]
        verbose_name = _("timecoded paragraph")
        verbose_name_plural = _("timecoded paragraphs")
        constraints = [
            models.UniqueConstraint(fields=["speech", "position"], name="speech_paragraph_unique")
        ]

    def __str__(self) -> str:
        return f"{self.speech_id} ¶{self.position} @{self.start_ms} ms"

    def get_absolute_url(self) -> str:
        """The paragraph in its speech's page (its timecode carries the anchor)."""
        return f"{self.speech.get_absolute_url()}#{PARAGRAPH_ANCHOR}{self.position}"
