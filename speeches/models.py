from __future__ import annotations

import hashlib

from django.conf import global_settings
from django.core.cache import cache
from django.db import models
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from core.publishable import Publishable, PublishableQuerySet
from media_library.models import Video
from speeches.rendering import render_markdown

# Bump when render_markdown's output changes, so cached transcripts are rendered anew.
RENDERING_VERSION = 1
BODY_HTML_CACHE_SECONDS = 24 * 3600


def language_choices() -> list[tuple[str, str]]:
    # A callable, so the migration refers to it instead of copying Django's long list.
    return sorted(global_settings.LANGUAGES, key=lambda choice: str(choice[1]))


class SpeechQuerySet(PublishableQuerySet):
    def newest_first(self) -> SpeechQuerySet:
        return self.order_by("-date_delivered", "-published_at", "-pk")

    def with_public_relations(self) -> SpeechQuerySet:
        """Prefetch what a detail page links to, keeping only what the public may see.

        The results land in `public_translations` and `public_related_videos` (lists).
        """
        return self.prefetch_related(
            Prefetch(
                "related_videos",
                queryset=Video.objects.published().only("title", "slug").order_by("title"),
                to_attr="public_related_videos",
            ),
            Prefetch(
                "translations",
                queryset=Speech.objects.published().only("title", "slug", "language"),
                to_attr="public_translations",
            ),
        )

    def search(self, query: str) -> SpeechQuerySet:
        query = query.strip()
        if not query:
            return self
        return self.filter(
            Q(title__icontains=query)
            | Q(speaker_name__icontains=query)
            | Q(event__icontains=query)
            | Q(location__icontains=query)
            | Q(body__icontains=query)
        )


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
