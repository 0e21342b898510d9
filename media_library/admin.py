"""The editors' side: videos with their renditions, ingest state, publication."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy
from modeltranslation.admin import TranslationAdmin

from core.admin import ChoicesInUseFieldListFilter, PublishableAdmin, RecordAdmin
from media_library import public_media, services, shot_entries, transcode_jobs
from media_library.forms import (
    RenditionAdminForm,
    ShotEntryAdminForm,
    ShotEntryFormSet,
    VideoAdminForm,
)
from media_library.models import (
    CaptionTrack,
    Category,
    Download,
    Event,
    Language,
    Rendition,
    ShotEntry,
    Tag,
    TranscodeJob,
    Video,
    in_every_language,
)

TECHNICAL_READONLY = [
    "status_badge",
    "error",
    "container",
    "video_codec",
    "audio_codec",
    "resolution",
    "frame_rate",
    "bitrate_display",
    "audio_channels",
    "audio_sample_rate",
    "duration_display",
    "human_size",
    "checksum_sha256",
    "ingested_at",
]


@admin.display(description=_("ingest state"))
def status_badge(rendition: Rendition) -> str:
    return format_html(
        '<span class="ingest-state ingest-state--{}">{}</span>',
        rendition.status,
        rendition.get_status_display(),
    )


class RenditionInline(admin.StackedInline):
    model = Rendition
    form = RenditionAdminForm
    extra = 0
    fields = ["label", "file", "make_preview", "position", *TECHNICAL_READONLY]
    readonly_fields = TECHNICAL_READONLY

    @admin.display(description=_("ingest state"))
    def status_badge(self, rendition: Rendition) -> str:
        return status_badge(rendition) if rendition.pk else "—"

    @admin.display(description=_("file size"))
    def human_size(self, rendition: Rendition) -> str:
        return filesizeformat(rendition.file_size) if rendition.file_size else "—"


class ShotEntryInline(admin.TabularInline):
    """The shot list entry by entry, in the order of their in points; saving numbers them
    again and rewrites the shot list text (`shot_entries.entries_edited`)."""

    model = ShotEntry
    form = ShotEntryAdminForm
    formset = ShotEntryFormSet
    extra = 0
    fields = [
        "start",
        "end",
        "kind",
        "description",
        "speaker_name",
        "speaker_role",
        "language",
        "quote",
    ]
    verbose_name = _("shot list entry")
    verbose_name_plural = _("shot list entries")


class CaptionTrackInline(admin.TabularInline):
    """What captions the video has; they are written from the soundbites and transcripts."""

    model = CaptionTrack
    extra = 0
    fields = ["language", "source", "cue_count", "updated_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_cues=Count("cues"))

    @admin.display(description=_("cues"))
    def cue_count(self, track: CaptionTrack) -> int:
        return getattr(track, "_cues", 0)


# --- Automatic renditions: the jobs of a video, and retrying failed ones ------------------------


@admin.display(description=_("state"))
def job_state_badge(job: TranscodeJob) -> str:
    return format_html(
        '<span class="ingest-state ingest-state--{}">{}</span>',
        job.state,
        job.get_state_display(),
    )


def rendition_jobs_table(jobs: list[TranscodeJob]) -> str:
    """The video's jobs as a read-only table (not an inline: the change form's POST stays
    as it was, with no management form to send for rows editors cannot change)."""
    if not jobs:
        return _("None: the renditions are made when a master is ingested.")
    rows = format_html_join(
        "",
        "<tr><td>{}p</td><td>{}</td><td>{} %</td><td>{}</td><td>{}</td></tr>",
        ((job.height, job_state_badge(job), job.percent, job.attempts, job.error) for job in jobs),
    )
    return format_html(
        '<table class="rendition-jobs"><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
        '<th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead>'
        "<tbody>{}</tbody></table>",
        _("height"),
        _("state"),
        _("percent"),
        _("attempts"),
        _("error"),
        rows,
    )


@admin.register(TranscodeJob)
class TranscodeJobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "state_badge", "percent", "attempts", "error", "finished_at"]
    list_filter = ["state", "height"]
    search_fields = ["video__title"]
    list_select_related = ["video"]
    actions = ["retry"]
    fields = [
        "video",
        "master",
        "height",
        "state_badge",
        "percent",
        "attempts",
        "output",
        "error",
        "error_detail",
        "heartbeat_at",
        "created_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, job: TranscodeJob) -> str:
        return job_state_badge(job)

    @admin.action(description=_("Retry the selected failed jobs"), permissions=["change"])
    def retry(self, request, queryset) -> None:
        count = transcode_jobs.retry_jobs(jobs=queryset)
        self.message_user(
            request,
            ngettext("%d job queued again.", "%d jobs queued again.", count) % count,
            messages.SUCCESS,
        )


def _announce(request, rendition: Rendition) -> None:
    messages.info(
        request,
        _("“%(file)s” is being ingested; reload the page to see its state.")
        % {"file": rendition.original_filename or rendition.file.name.rsplit("/", 1)[-1]},
    )


@admin.register(Video)
class VideoAdmin(PublishableAdmin):
    form = VideoAdminForm
    # Fits 1280 px beside the filters: one column for the renditions' states.
    list_display = [
        "list_thumbnail",
        "title",
        "status",
        "published_at",
        "category",
        "recorded_on",
        "renditions_summary",
    ]
    list_display_links = ["list_thumbnail", "title"]
    # Explicit: the counts' GROUP BY drops the model's default order (and pagination needs one).
    ordering = ["-published_at", "-pk"]
    # Only the values in use: every country and language in the world made the page 6,500 px tall.
    list_filter = [
        "status",
        ("category", admin.RelatedOnlyFieldListFilter),
        ("event", admin.RelatedOnlyFieldListFilter),
        ("languages", admin.RelatedOnlyFieldListFilter),
        ("country", ChoicesInUseFieldListFilter),
    ]
    search_fields = ["title", "summary", "shot_list", "tags__name"]  # shot_list: quotes too
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["event", "tags", "languages"]
    date_hierarchy = "recorded_on"
    inlines = [ShotEntryInline, RenditionInline, CaptionTrackInline]
    publish_label = _("Publish the selected videos now")
    unpublish_label = _("Unpublish the selected videos")
    published_message = ngettext_lazy(
        "%(count)d video published.", "%(count)d videos published.", "count"
    )
    unpublished_message = ngettext_lazy(
        "%(count)d video unpublished.", "%(count)d videos unpublished.", "count"
    )
    # The preview is made from a rendition ("make the web preview"), never uploaded.
    readonly_fields = [
        "thumbnail_image",
        "preview_link",
        "duration_display",
        "created_at",
        "updated_at",
        "rendition_jobs",
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary"]}),
        (
            _("Shot list"),
            {
                "fields": ["shot_list", "timecode_rate"],
                "description": _(
                    "Paste the shot list as the broadcasters write it; lines that cannot be "
                    "read are listed with their numbers and nothing is saved. The entries "
                    "below are made from it; edit them there, or paste a new text."
                ),
            },
        ),
        (
            _("Context"),
            {
                "fields": [
                    "recorded_on",
                    "location",
                    "country",
                    "event",
                    "category",
                    "tags",
                    "languages",
                ]
            },
        ),
        (
            _("Rights"),
            {
                "fields": ["credits", "usage_terms"],
                "description": _(
                    "Leave the usage terms empty for the site's default terms, which readers "
                    "see in their language."
                ),
            },
        ),
        (_("Publication"), {"fields": ["status", "published_at", "featured"]}),
        (
            _("Pictures"),
            {
                "fields": ["thumbnail", "thumbnail_image", "preview_link", "duration_display"],
                "description": _(
                    "Made from the renditions on ingest; upload a thumbnail (JPEG, PNG or WebP) "
                    "to replace it. They are public only while the video is published."
                ),
            },
        ),
        (
            _("Renditions being made"),
            {
                "fields": ["rendition_jobs"],
                "description": _(
                    "Made from each master on ingest (RENDITION_LADDER); retry a failed one "
                    "from the Rendition jobs list."
                ),
            },
        ),
        (_("History"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("category")
            .annotate(
                _ready=Count("renditions", filter=Q(renditions__status=Rendition.Status.READY)),
                _failed=Count("renditions", filter=Q(renditions__status=Rendition.Status.FAILED)),
            )
        )

    @admin.display(description=_("jobs"))
    def rendition_jobs(self, video: Video) -> str:
        return rendition_jobs_table(list(video.transcode_jobs.all()) if video.pk else [])

    @admin.display(description=_("thumbnail"))
    def thumbnail_image(self, video: Video) -> str:
        if not video.thumbnail:
            return "—"
        return format_html('<img src="{}" alt="" width="120" height="68">', video.thumbnail_url)

    @admin.display(description=_("thumbnail"))
    def list_thumbnail(self, video: Video) -> str:
        if not video.thumbnail:
            return "—"
        return format_html('<img src="{}" alt="" width="64" height="36">', video.thumbnail_url)

    @admin.display(description=_("web preview"))
    def preview_link(self, video: Video) -> str:
        if not video.preview:
            return "—"
        return format_html('<a href="{}">{}</a>', video.preview_url, _("Play the web preview"))

    def save_form(self, request, form, change: bool) -> Video:
        video = super().save_form(request, form, change)
        # Read by get_formset_kwargs and save_related: the entries of a pasted shot list.
        video._pasted_entries = form.pasted_entries
        video._frame_rate = form.frame_rate()
        return video

    def get_formset_kwargs(self, request, obj, inline, prefix) -> dict:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, ShotEntryInline):
            kwargs.update(
                fps=shot_entries.video_frame_rate(obj) if obj.pk else None,
                duration_ms=shot_entries.duration_ms(obj),
            )
        return kwargs

    def save_related(self, request, form, formsets, change: bool) -> None:
        video = form.instance
        pasted = getattr(video, "_pasted_entries", None)
        entries = [f for f in formsets if f.model is ShotEntry]
        others = [f for f in formsets if f.model is not ShotEntry]
        form.save_m2m()
        for formset in others:
            self.save_formset(request, form, formset, change=change)
        if pasted is not None:
            for formset in entries:  # not saved: the pasted text replaces them all
                formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            shot_entries.replace_shot_entries(video=video, entries=pasted)
            return
        for formset in entries:
            self.save_formset(request, form, formset, change=change)
            if formset.has_changed():
                shot_entries.entries_edited(video=video)

    def save_model(self, request, obj: Video, form, change: bool) -> None:
        replaced = form.initial.get("thumbnail") if "thumbnail" in form.changed_data else None
        super().save_model(request, obj, form, change)
        if replaced:
            # The old picture goes from both storages once the change commits.
            public_media.discard_after_commit(replaced.name, private=replaced.storage)

    @admin.display(description=_("renditions"), ordering="_ready")
    def renditions_summary(self, video: Video) -> str:
        ready, failed = getattr(video, "_ready", 0), getattr(video, "_failed", 0)
        summary = ngettext("%(count)d ready", "%(count)d ready", ready) % {"count": ready}
        if not failed:
            return summary
        return format_html(
            '{} · <strong class="ingest-state--failed">{}</strong>',
            summary,
            ngettext("%(count)d failed", "%(count)d failed", failed) % {"count": failed},
        )

    def save_formset(self, request, form, formset, change) -> None:
        replaced = [
            f.instance
            for f in formset.forms
            if f.instance.pk and "file" in f.changed_data and not f.cleaned_data.get("DELETE")
        ]
        super().save_formset(request, form, formset, change)
        if formset.model is not Rendition:
            return
        for rendition in [*formset.new_objects, *replaced]:
            services.file_attached(rendition=rendition)
            _announce(request, rendition)


@admin.register(Rendition)
class RenditionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status_badge", "resolution", "video_codec", "human_size", "error"]
    list_filter = ["status", "video_codec", "container"]
    search_fields = ["label", "original_filename", "video__title", "checksum_sha256"]
    list_select_related = ["video"]
    autocomplete_fields = ["video"]
    actions = ["reingest"]
    fields = [
        "video",
        "label",
        "file",
        "original_filename",
        "make_preview",
        "position",
        *TECHNICAL_READONLY,
    ]
    readonly_fields = ["original_filename", *TECHNICAL_READONLY]
    form = RenditionAdminForm

    def get_form(self, request, obj=None, **kwargs):
        kwargs["fields"] = ["video", "label", "file", "make_preview", "position"]
        return super().get_form(request, obj, **kwargs)

    @admin.display(description=_("ingest state"), ordering="status")
    def status_badge(self, rendition: Rendition) -> str:
        return status_badge(rendition)

    @admin.display(description=_("file size"), ordering="file_size")
    def human_size(self, rendition: Rendition) -> str:
        return filesizeformat(rendition.file_size) if rendition.file_size else "—"

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change or "file" in form.changed_data:
            services.file_attached(rendition=obj)
            _announce(request, obj)

    @admin.action(description=_("Ingest the selected files again"), permissions=["change"])
    def reingest(self, request, queryset) -> None:
        for rendition in queryset:
            services.queue_ingest(rendition=rendition)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("%d file queued for ingest.", "%d files queued for ingest.", count) % count,
            messages.SUCCESS,
        )


# The terms' names in each language side by side (media_library/translation.py); found by
# either, from the video form's pickers too.
NAMES = list(in_every_language("name"))


@admin.register(Category)
class CategoryAdmin(TranslationAdmin):
    list_display = [*NAMES, "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Event)
class EventAdmin(TranslationAdmin):
    list_display = [*NAMES, "starts_on", "location"]
    search_fields = [*NAMES, "location"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Tag)
class TagAdmin(TranslationAdmin):
    list_display = [*NAMES, "slug"]
    search_fields = NAMES
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Language)
class LanguageAdmin(TranslationAdmin):
    list_display = ["code", "label", *NAMES]
    search_fields = [*NAMES, "code"]
    fieldsets = [
        (
            None,
            {
                "fields": ["code", "name"],
                "description": _(
                    "Pages name a language Django knows by its code in their own language "
                    "(“en”: English, Anglais); the names below are for the codes it does not "
                    "know."
                ),
            },
        )
    ]

    @admin.display(description=_("name on this page"))
    def label(self, language: Language) -> str:
        return language.label


@admin.register(Download)
class DownloadAdmin(RecordAdmin):
    list_display = ["created_at", "user", "rendition"]
    list_select_related = ["user", "rendition__video"]
    date_hierarchy = "created_at"
    search_fields = ["user__email", "rendition__video__title"]
    raw_id_fields = ["user", "rendition"]
