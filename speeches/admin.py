from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from speeches import services
from speeches.models import Speech


@admin.register(Speech)
class SpeechAdmin(admin.ModelAdmin):
    list_display = ["title", "speaker_name", "date_delivered", "language", "status",
                    "published_at", "preview_link"]  # fmt: skip
    list_filter = [
        "status",
        "language",
        ("speaker_name", admin.AllValuesFieldListFilter),
        ("event", admin.AllValuesFieldListFilter),
        "date_delivered",
    ]
    search_fields = ["title", "speaker_name", "speaker_role", "event", "location", "body"]
    date_hierarchy = "date_delivered"
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["translations"]
    # Ids with a lookup pop-up: a select box of the whole catalogue would not scale.
    raw_id_fields = ["related_videos"]
    readonly_fields = ["created_at", "updated_at"]
    actions = ["publish_selected", "unpublish_selected"]
    list_per_page = 50
    fieldsets = [
        (None, {"fields": ["title", "slug", "body"]}),
        (
            _("Speaker and occasion"),
            {"fields": ["speaker_name", "speaker_role", "event", "location", "date_delivered"]},
        ),
        (_("Language and translations"), {"fields": ["language", "translations"]}),
        (_("Related videos"), {"fields": ["related_videos"]}),
        (
            _("Publication"),
            {
                "fields": ["status", "published_at", "created_at", "updated_at"],
                "description": _(
                    "Draft: only editors see it (use “View on site” for a preview). "
                    "Scheduled: it becomes public by itself at the publication time. "
                    "Published: public now."
                ),
            },
        ),
    ]

    def save_model(self, request: HttpRequest, obj: Speech, form, change: bool) -> None:
        # "Published" with the time left empty means "now": the feed and sitemap need a date.
        if obj.status == Speech.Status.PUBLISHED and obj.published_at is None:
            obj.published_at = timezone.now()
        super().save_model(request, obj, form, change)

    # --- Publication rights -------------------------------------------------------------------

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("speeches.publish_speech")

    def get_readonly_fields(self, request: HttpRequest, obj: Speech | None = None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            # Writers without the publish right prepare drafts; someone else publishes.
            fields += ["status", "published_at"]
        return fields

    @admin.action(description=_("Publish the selected speeches now"), permissions=["publish"])
    def publish_selected(self, request: HttpRequest, queryset: QuerySet[Speech]) -> None:
        speeches = list(queryset)
        for speech in speeches:
            services.publish_speech(speech=speech)
        self.message_user(
            request,
            ngettext("%(count)d speech published.", "%(count)d speeches published.", len(speeches))
            % {"count": len(speeches)},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Unpublish the selected speeches (back to draft)"), permissions=["publish"]
    )
    def unpublish_selected(self, request: HttpRequest, queryset: QuerySet[Speech]) -> None:
        speeches = list(queryset)
        for speech in speeches:
            services.unpublish_speech(speech=speech)
        self.message_user(
            request,
            ngettext(
                "%(count)d speech unpublished.", "%(count)d speeches unpublished.", len(speeches)
            )
            % {"count": len(speeches)},
            messages.SUCCESS,
        )

    # --- Preview ------------------------------------------------------------------------------

    def get_urls(self):
        preview = path(
            "<int:object_id>/preview/",
            self.admin_site.admin_view(self.preview_view),
            name="speeches_speech_preview",
        )
        return [preview, *super().get_urls()]

    def view_on_site(self, obj: Speech) -> str:
        # A draft's public address is a 404: "View on site" shows the preview instead.
        if obj.is_public:
            return obj.get_absolute_url()
        return reverse("admin:speeches_speech_preview", args=[obj.pk])

    @admin.display(description=_("Preview"))
    def preview_link(self, obj: Speech) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:speeches_speech_preview", args=[obj.pk]),
            _("Preview"),
        )

    def preview_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """The public page of any speech, draft or scheduled, as readers will see it."""
        speech = get_object_or_404(Speech.objects.with_public_relations(), pk=object_id)
        if not self.has_view_or_change_permission(request, speech):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "speeches/speech_detail.html",
            {
                "speech": speech,
                "preview": True,
                "change_url": reverse("admin:speeches_speech_change", args=[speech.pk]),
            },
        )
