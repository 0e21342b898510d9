from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from core.admin import ChoicesInUseFieldListFilter, PublishableAdmin
from speeches import services
from speeches.forms import SpeechAdminForm
from speeches.models import Speech


@admin.register(Speech)
class SpeechAdmin(PublishableAdmin):
    form = SpeechAdminForm
    list_display = ["title", "speaker_name", "date_delivered", "language", "status",
                    "published_at", "preview_link"]  # fmt: skip
    list_filter = [
        "status",
        ("language", ChoicesInUseFieldListFilter),
        ("speaker_name", admin.AllValuesFieldListFilter),
        ("event", admin.AllValuesFieldListFilter),
        "date_delivered",
    ]
    search_fields = ["title", "speaker_name", "speaker_role", "event", "location", "body"]
    date_hierarchy = "date_delivered"
    prepopulated_fields = {"slug": ["title"]}
    # Searched by title as the editor types: a select box of the whole catalogue would not
    # scale, and a raw id ("4") tells the editor nothing.
    autocomplete_fields = ["related_videos", "timecode_video", "translations"]
    readonly_fields = ["created_at", "updated_at"]
    publish_label = _("Publish the selected speeches now")
    unpublish_label = _("Unpublish the selected speeches (back to draft)")
    published_message = ngettext_lazy(
        "%(count)d speech published.", "%(count)d speeches published.", "count"
    )
    unpublished_message = ngettext_lazy(
        "%(count)d speech unpublished.", "%(count)d speeches unpublished.", "count"
    )
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
            _("Timecodes"),
            {
                "fields": ["timecode_video", "captions"],
                "description": _(
                    "A paragraph's timecode is the moment it is spoken in the video: readers "
                    "play the video from there. Write it at the start of the paragraph in the "
                    "transcript, as [00:01:12], or paste the speech's captions below."
                ),
            },
        ),
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

    def save_related(self, request: HttpRequest, form: SpeechAdminForm, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        services.set_timecodes(speech=form.instance, timecodes=form.timecodes)
        # Where its captions and its translations' were before the edit: a language changed
        # or a translation unlinked leaves tracks there that the new state no longer names.
        initial = form.initial if change else {}
        translations = initial.get("translations") or []
        previous = services.caption_places(
            [
                (initial.get("timecode_video"), initial.get("language")),
                *((t.timecode_video_id, t.language) for t in translations),
            ]
        )
        services.captions_changed(
            speech_ids=[form.instance.pk, *(t.pk for t in translations)], previous=previous
        )
        if form.unmatched:
            self.message_user(
                request,
                _(
                    "The captions did not contain the first words of the paragraphs at lines "
                    "%(lines)s: give them their timecodes by hand if they need one."
                )
                % {"lines": ", ".join(str(line) for line in form.unmatched)},
                messages.WARNING,
            )

    # --- Publication rights -------------------------------------------------------------------

    def has_publish_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("speeches.publish_speech")

    def get_readonly_fields(self, request: HttpRequest, obj: Speech | None = None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_publish_permission(request):
            # Writers without the publish right prepare drafts; someone else publishes.
            fields += ["status", "published_at"]
        return fields

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
