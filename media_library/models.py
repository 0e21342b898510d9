"""The catalogue: videos, their downloadable renditions, and who downloaded what."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connections, models
from django.db.models import (
    Case,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Lead, Least, NullIf
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename, slugify
from django.utils.translation import get_language, get_language_info, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from core import websearch
from core.publishable import Publishable, PublishableQuerySet
from media_library.formatting import format_duration
from media_library.storage import public_storage

# The text-search configuration of the stored vector and of every query against it.
SEARCH_CONFIG = "english"
# The operators of `websearch` syntax besides phrases: `or` between words, `-` before one.
WEBSEARCH_OR_NOT = re.compile(r"(?:^|\s)(?:or\s|-)", re.IGNORECASE)


class SearchVectorIndex(GinIndex):
    """A GIN index on PostgreSQL; a plain index elsewhere, so SQLite can run the migrations."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        return models.Index.create_sql(self, model, schema_editor, **kwargs)


class PhraseSearchQuery(SearchQuery):
    """A `websearch` query AND the adjacent-word pairs of its quoted phrases (migration 0003)."""

    def __init__(self, value: str, *, config: str) -> None:
        super().__init__(value, config=config, search_type="websearch")
        self.function = "search_phrase_query"


def in_every_language(field: str) -> tuple[str, ...]:
    """A term's translated field in each language (media_library/translation.py), for `only()`:
    `term.name` reads the page's language's, or the English one."""
    return tuple(f"{field}_{code}" for code, _name in settings.LANGUAGES)


class CatalogueTerm(models.Model):
    """A term videos are filed under (category, event, tag, language), shown by its name in
    the page's language (media_library/translation.py)."""

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SluggedTerm(CatalogueTerm):
    """A term with a unique name and slug (category, tag); an event's may be longer."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta(CatalogueTerm.Meta):
        abstract = True


class Category(SluggedTerm):
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta(SluggedTerm.Meta):
        ordering = ["position", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class Event(CatalogueTerm):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)

    class Meta(CatalogueTerm.Meta):
        ordering = ["-starts_on", "name"]
        verbose_name = _("event")
        verbose_name_plural = _("events")


class Tag(SluggedTerm):
    class Meta(SluggedTerm.Meta):
        verbose_name = _("tag")
        verbose_name_plural = _("tags")


class Language(CatalogueTerm):
    """A spoken language of a video's audio (ISO 639-1 code)."""

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta(CatalogueTerm.Meta):
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The language's name in the page's language ("Anglais" on a French page): Django's,
        as a speech's language and the caption tracks are named, when Django knows the code;
        else the name editors gave."""
        try:
            return str(get_language_info(self.code.lower())["name_translated"])
        except KeyError:
            return self.name


def _filed_under(term: type[CatalogueTerm], verbose_name: str) -> models.ForeignKey:
    """A video's optional term: deleting the term leaves its videos unfiled, not deleted."""
    return models.ForeignKey(
        term,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="videos",
    )


# The usage terms of a video whose editors wrote none: the site's own, in the reader's
# language (a video's own terms are shown as written).
DEFAULT_USAGE_TERMS = _(
    "Free of charge for editorial use by journalists and broadcasters. Credit the source as "
    "shown. Not for commercial, advertising or political campaign use. Do not alter the "
    "meaning of the footage."
)

# The catalogue's default order, which video_newest_idx (migration 0002) serves.
NEWEST_FIRST = [F("published_at").desc(nulls_last=True), "-pk"]
# The catalogue's orders by the names of its sort field; the default is the newest first.
ORDERS = {
    "newest": NEWEST_FIRST,
    "oldest": [F("published_at").asc(nulls_first=True), "pk"],
    "recorded": [F("recorded_on").desc(nulls_last=True), "-pk"],
    "title": ["title", "pk"],
    "duration": [F("duration_seconds").asc(nulls_last=True), "pk"],
}


def _search_query(query: str) -> SearchQuery:
    return SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)


def _in_video_text(text: str) -> Q:
    """Where a word or phrase is found without full-text search: what the vector holds."""
    named = Q()
    for field in in_every_language("name"):  # a tag's name in any language, as in the vector
        named |= Q(**{f"{field}__icontains": text})
    tagged = Tag.objects.filter(named, videos=OuterRef("pk"))
    return (
        Q(title__icontains=text)
        | Q(summary__icontains=text)
        | Q(shot_list__icontains=text)
        | Q(Exists(tagged))
    )


# What a card (templates/media_library/_video_card.html) reads of a video, and what decides
# its media's URLs (status, published_at).
CARD_FIELDS = (
    "slug",
    "title",
    "thumbnail",
    "status",
    "published_at",
    "recorded_on",
    "duration_seconds",
    "category",
    *in_every_language("category__name"),
    # The API's list names the category by its slug too (api.serializers).
    "category__slug",
    "event",
    *in_every_language("event__name"),
    "event__slug",
)
# Between the names of a card's tags, read in its one query (no tag name holds a line break:
# the admin's text input cannot type one).
TAG_SEPARATOR = "\n"


def name_in_page_language(field: str) -> Coalesce:
    """A term's name in the active language, or the English one where it has none: what
    `term.name` gives (modeltranslation's fallback), for queries that read names as columns."""
    language = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE.split("-")[0]
    return Coalesce(NullIf(F(f"{field}_{language}"), Value("")), F(f"{field}_en"))


class JoinedNames(models.Aggregate):
    """Text values joined by TAG_SEPARATOR: STRING_AGG on PostgreSQL, GROUP_CONCAT on SQLite."""

    function = "STRING_AGG"
    output_field = models.TextField()

    def __init__(self, expression, **extra):
        super().__init__(expression, Value(TAG_SEPARATOR), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


class VideoQuerySet(PublishableQuerySet):
    def for_cards(self) -> VideoQuerySet:
        """Everything the card template reads, in the same query, and nothing else: not the
        search vector (twice the rest of the row), nor the summary or shot list. Its tags'
        names come as one column (`Video.card_tags`), so that a page of cards is one query."""
        tagging = self.model.tags.through.objects.filter(video=OuterRef("pk"))
        names = (
            tagging.order_by()
            .values("video")
            .annotate(names=JoinedNames(name_in_page_language("tag__name")))
        )
        return (
            self.select_related("category", "event")
            .only(*CARD_FIELDS)
            .annotate(card_tag_names=Subquery(names.values("names")))
        )

    def for_page(self) -> VideoQuerySet:
        """Everything the video page reads of the video, in one query per relation (its
        shot list is `shot_entries.shot_list_for`)."""
        return (
            self.defer("search_vector")
            .select_related("category", "event")
            .prefetch_related(
                Prefetch(
                    "renditions", queryset=Rendition.objects.ready(), to_attr="ready_renditions"
                ),
                "tags",
                "languages",
                "caption_tracks",
            )
        )

    def search(self, query: str) -> VideoQuerySet:
        """Videos matching `query` in title, summary, shot list or tags.

        PostgreSQL: the stored, GIN-indexed vector with `websearch` syntax. Elsewhere (SQLite,
        the one-command run) the same syntax read by `core.websearch`: phrases, `-word` and
        `or` select the same videos. The order of the matches is `by_relevance()`'s or
        `sorted_by()`'s.
        """
        query = " ".join(query.split())
        if not query:
            return self
        if websearch.full_text(connections[self.db]):
            matching = _search_query(query)
            if '"' in query and not WEBSEARCH_OR_NOT.search(query):
                # Every quoted phrase must also hold its words' pairs, which the GIN index finds
                # (migration 0003); the positions then need checking on those rows only. (Under
                # `or` or `-` a phrase is not required, so its pairs cannot be either.)
                matching = PhraseSearchQuery(query, config=SEARCH_CONFIG)
            return self.filter(search_vector=matching)
        found = websearch.matches(query, _in_video_text)
        return self.none() if found is None else self.filter(found)

    def by_relevance(self, query: str) -> VideoQuerySet:
        """Sorted for `query`: title hits first, then ts_rank, then newest (filters nothing).

        Annotates `title_hit` and `rank` (PostgreSQL's ts_rank; 0 elsewhere, where a title hit
        is a title that the query matches on its own).
        """
        query = " ".join(query.split())
        if not query:
            return self.sorted_by()
        ranked = self
        if websearch.full_text(connections[self.db]):
            search_query = _search_query(query)
            rank = SearchRank(F("search_vector"), search_query)
            # The title is the stored vector's weight-A part: filtering the vector is far
            # cheaper than running to_tsvector over every matching title again.
            title_vector = Func(
                F("search_vector"),
                Value("{a}"),
                function="ts_filter",
                output_field=SearchVectorField(),
            )
            ranked = self.alias(title_vector=title_vector)
            in_title = Q(title_vector=search_query)
        else:
            rank = Value(0.0, output_field=models.FloatField())
            in_title = websearch.matches(query, websearch.in_columns("title")) or Q(pk__in=[])
        return ranked.annotate(
            rank=rank,
            title_hit=Case(
                When(in_title, then=Value(1)), default=Value(0), output_field=models.IntegerField()
            ),
        ).order_by("-title_hit", "-rank", *NEWEST_FIRST)

    def filtered(
        self,
        *,
        category: Category | None = None,
        event: Event | None = None,
        language: Language | None = None,
        country: str = "",
        date_from=None,
        date_to=None,
        min_height: int | None = None,
    ) -> VideoQuerySet:
        qs = self
        if category is not None:
            qs = qs.filter(category=category)
        if event is not None:
            qs = qs.filter(event=event)
        if language is not None:
            spoken = Video.languages.through.objects.filter(video=OuterRef("pk"), language=language)
            qs = qs.filter(Exists(spoken))
        if country:
            qs = qs.filter(country=country)
        if date_from:
            qs = qs.filter(recorded_on__gte=date_from)
        if date_to:
            qs = qs.filter(recorded_on__lte=date_to)
        if min_height:
            sharp = Rendition.objects.ready().filter(video=OuterRef("pk"), height__gte=min_height)
            qs = qs.filter(Exists(sharp))
        return qs

    def sorted_by(self, sort: str = "") -> VideoQuerySet:
        """One of the catalogue's `ORDERS` by name; the newest first by default."""
        return self.order_by(*ORDERS.get(sort, NEWEST_FIRST))


class Video(Publishable):
    title = models.CharField(_("title"), max_length=255)
    slug = models.SlugField(_("slug"), max_length=255, unique=True)
    summary = models.TextField(_("summary"), blank=True)
    # The shot list as text, as broadcasters write it: what the editor pasted, rewritten from
    # the entries (ShotEntry) whenever they change (shot_entries.py). The search reads it.
    shot_list = models.TextField(
        _("shot list"),
        blank=True,
        help_text=_(
            "Paste the shot list as broadcasters write it, one entry per line starting with "
            "its timecode: “00:00:12 Wide shot of …”, “00:01:05 - 00:01:20 SOUNDBITE (English) "
            "Name, role: “quote””. Saving replaces the entries below; or edit the entries and "
            "leave this text as it is."
        ),
    )
    recorded_on = models.DateField(_("date recorded"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    country = CountryField(_("country"), blank=True)
    event = _filed_under(Event, _("event"))
    category = _filed_under(Category, _("category"))
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="videos")
    featured = models.BooleanField(
        _("featured"),
        default=False,
        help_text=_("Shown first on the home page, while published."),
    )
    languages = models.ManyToManyField(
        Language, verbose_name=_("languages"), blank=True, related_name="videos"
    )
    credits = models.CharField(_("credit line"), max_length=255, blank=True)
    usage_terms = models.TextField(_("usage terms"), blank=True)
    # Stored in the private storage; public_media.sync() copies them to the public one while
    # the video is published, and removes them from it when it is not (docs/media.md).
    thumbnail = models.FileField(
        _("thumbnail"), upload_to="thumbnails/", max_length=255, blank=True
    )
    preview = models.FileField(_("web preview"), upload_to="previews/", max_length=255, blank=True)
    # Copied from the longest ready rendition at ingest, so cards need no extra query.
    duration_seconds = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = VideoQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("video")
        verbose_name_plural = _("videos")
        # Also, on PostgreSQL only (migration 0002): video_newest_idx, the catalogue's and home
        # page's order (published_at DESC NULLS LAST, id DESC), which SQLite cannot index.
        indexes = [
            SearchVectorIndex(fields=["search_vector"], name="video_search_vector_idx"),
            models.Index(fields=["status", "published_at"], name="video_status_published_idx"),
            models.Index(fields=["recorded_on"], name="video_recorded_on_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("media_library:video_detail", kwargs={"slug": self.slug})

    @property
    def duration_display(self) -> str:
        return format_duration(self.duration_seconds)

    @property
    def terms_of_use(self) -> str:
        """The usage terms that apply: the video's own, else the site's default ones."""
        return self.usage_terms or str(DEFAULT_USAGE_TERMS)

    @property
    def has_public_media(self) -> bool:
        """Whether its thumbnail and preview have their copies in the public storage: once
        published (`core.publishing`), not yet while only scheduled, even with its time past."""
        return self.status == self.Status.PUBLISHED and self.is_public

    @property
    def thumbnail_url(self) -> str:
        return self._media_url(self.thumbnail, "thumbnail")

    @property
    def preview_url(self) -> str:
        return self._media_url(self.preview, "preview")

    def _media_url(self, field_file, kind: str) -> str:
        """The public copy's URL once published; else the view that checks who may see it
        (editors, and everyone once a scheduled video's time has come, until beat runs)."""
        if not field_file:
            return ""
        if self.has_public_media:
            return public_storage().url(field_file.name)
        url = reverse("media_library:video_media", kwargs={"slug": self.slug, "kind": kind})
        # The name changes with the file: a replaced picture is never an old cached one.
        return f"{url}?v={field_file.name.rsplit('/', 1)[-1].split('.')[0][:12]}"

    @property
    def card_tags(self) -> list[str]:
        """Its tags' names in order, as `VideoQuerySet.for_cards` read them (none otherwise)."""
        names = getattr(self, "card_tag_names", None)
        return sorted(names.split(TAG_SEPARATOR), key=str.casefold) if names else []

    @property
    def display_date(self):
        return self.recorded_on or (self.published_at.date() if self.published_at else None)


def rendition_upload_to(instance: Rendition, filename: str) -> str:
    # A random folder: names never collide, and a path is never guessable from the title.
    return f"renditions/{uuid.uuid4().hex}/{get_valid_filename(filename)}"


class RenditionQuerySet(models.QuerySet["Rendition"]):
    def ready(self) -> RenditionQuerySet:
        return self.filter(status=Rendition.Status.READY)


class Rendition(models.Model):
    """One downloadable file of a video. Technical fields come from the file, on ingest."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for ingest")
        PROCESSING = "processing", _("Ingesting")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    video = models.ForeignKey(
        Video, verbose_name=_("video"), on_delete=models.CASCADE, related_name="renditions"
    )
    label = models.CharField(
        _("label"),
        max_length=100,
        blank=True,
        help_text=_('E.g. "HD 1080p broadcast master". Left empty, it is made from the file.'),
    )
    file = models.FileField(_("file"), upload_to=rendition_upload_to, max_length=255)
    original_filename = models.CharField(_("original file name"), max_length=255, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    make_preview = models.BooleanField(
        _("make the web preview from this file"),
        default=False,
        help_text=_("A small H.264 copy for the in-page player."),
    )

    status = models.CharField(
        _("ingest state"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    error = models.TextField(_("ingest error"), blank=True)
    ingested_at = models.DateTimeField(_("ingested"), null=True, blank=True)

    container = models.CharField(_("container"), max_length=50, blank=True)
    video_codec = models.CharField(_("video codec"), max_length=50, blank=True)
    video_profile = models.CharField(_("video profile"), max_length=80, blank=True)
    pixel_format = models.CharField(_("pixel format"), max_length=30, blank=True)
    audio_codec = models.CharField(_("audio codec"), max_length=50, blank=True)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    frame_rate = models.DecimalField(
        _("frame rate"), max_digits=8, decimal_places=3, null=True, blank=True
    )
    bitrate = models.PositiveBigIntegerField(_("bitrate (bit/s)"), null=True, blank=True)
    audio_channels = models.PositiveSmallIntegerField(_("audio channels"), null=True, blank=True)
    audio_sample_rate = models.PositiveIntegerField(
        _("audio sample rate (Hz)"), null=True, blank=True
    )
    duration_seconds = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    file_size = models.PositiveBigIntegerField(_("file size (bytes)"), null=True, blank=True)
    checksum_sha256 = models.CharField(_("SHA-256 checksum"), max_length=64, blank=True)
    # "créée": core's "created" (créé) is for speeches and the like.
    created_at = models.DateTimeField(pgettext_lazy("rendition", "created"), auto_now_add=True)

    objects = RenditionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "-height", "pk"]
        verbose_name = _("rendition")
        verbose_name_plural = _("renditions")

    def __str__(self) -> str:
        return f"{self.video} · {self.label or self.original_filename or self.pk}"

    @property
    def resolution(self) -> str:
        return f"{self.width}×{self.height}" if self.width and self.height else ""  # noqa: RUF001

    @property
    def frame_rate_display(self) -> str:
        if self.frame_rate is None:
            return ""
        return f"{self.frame_rate.normalize():f}"

    @property
    def bitrate_display(self) -> str:
        if not self.bitrate:
            return ""
        if self.bitrate >= 1_000_000:
            return f"{self.bitrate / 1_000_000:.1f} Mbit/s"
        return f"{self.bitrate / 1000:.0f} kbit/s"

    @property
    def duration_display(self) -> str:
        return format_duration(self.duration_seconds)

    @property
    def extension(self) -> str:
        name = self.original_filename or self.file.name or ""
        return name.rsplit(".", 1)[-1].lower() if "." in name else "mp4"

    def download_filename(self) -> str:
        """The name the browser saves: from the title and the label, never the stored path."""
        stem = slugify(self.video.title)[:80] or "video"
        label = slugify(self.label).removesuffix(f"-{self.extension}")[:40]
        return f"{stem}-{label}.{self.extension}" if label else f"{stem}.{self.extension}"


class DownloadQuerySet(models.QuerySet["Download"]):
    def for_user(self, user) -> DownloadQuerySet:
        return (
            self.filter(user=user)
            .select_related("rendition", "rendition__video")
            .order_by("-created_at", "-pk")
        )


class Download(models.Model):
    """A verified account fetched a rendition: the My account history and the statistics."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="downloads",
    )
    rendition = models.ForeignKey(
        Rendition, verbose_name=_("rendition"), on_delete=models.CASCADE, related_name="downloads"
    )
    created_at = models.DateTimeField(_("downloaded"), default=timezone.now, db_index=True)

    objects = DownloadQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("download")
        verbose_name_plural = _("downloads")
        indexes = [models.Index(fields=["user", "-created_at"], name="download_user_created_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.rendition} · {self.created_at:%Y-%m-%d %H:%M}"


# --- Timecoded content: shot lists and captions ---------------------------------------------


class ShotEntryQuerySet(models.QuerySet["ShotEntry"]):
    def with_ends(self) -> ShotEntryQuerySet:
        """Annotates `end_at_ms`: the entry's own out point, else the next entry's in point,
        else the video's end (None while its duration is unknown); never past the video's
        end. Computed over the rows the queryset selects: filter by video, not by entry."""
        next_start = Window(
            Lead("start_ms"),
            partition_by=[F("video_id")],
            order_by=[F("position").asc(), F("pk").asc()],
        )
        video_end = Cast(F("video__duration_seconds") * 1000, models.IntegerField())
        end = Coalesce(F("end_ms"), next_start, video_end)
        return self.annotate(
            end_at_ms=Case(
                When(video__duration_seconds__isnull=True, then=end),
                default=Least(end, video_end),
                output_field=models.IntegerField(),
            )
        ).order_by("video_id", "position", "pk")


class ShotEntry(models.Model):
    """One line of a video's shot list: a shot, a soundbite, text on screen, upsound or a
    graphic, from its in point to its out point.

    Moments are whole milliseconds from the start of the video (`start_ms`, `end_ms`), as read
    by `core.timecode` from what the editor typed (`media_library.shotlist`). `end_ms` is None
    when the shot list gives no out point: the entry then runs to the next entry's in point,
    or to the video's end (`ShotEntryQuerySet.with_ends`). `position` is the order of the
    entries, which is that of their in points (`shot_entries.replace_shot_entries`).
    """

    class Kind(models.TextChoices):
        SHOT = "shot", _("Shot")
        SOUNDBITE = "soundbite", _("Soundbite")
        TEXT_ON_SCREEN = "text_on_screen", _("Text on screen")
        UPSOUND = "upsound", _("Upsound")
        GRAPHIC = "graphic", _("Graphic")

    video = models.ForeignKey(
        Video, verbose_name=_("video"), on_delete=models.CASCADE, related_name="shot_entries"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    start_ms = models.PositiveIntegerField(_("in point (ms)"))
    end_ms = models.PositiveIntegerField(_("out point (ms)"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SHOT)
    description = models.TextField(_("description"), blank=True)
    speaker_name = models.CharField(_("speaker"), max_length=200, blank=True)
    speaker_role = models.CharField(_("speaker's role"), max_length=300, blank=True)
    # An ISO 639-1 code (Django's LANG_INFO keys): "en", "fr".
    language = models.CharField(_("language"), max_length=16, blank=True)
    quote = models.TextField(_("verbatim quote"), blank=True)

    objects = ShotEntryQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("shot list entry")
        verbose_name_plural = _("shot list entries")
        indexes = [models.Index(fields=["video", "position"], name="shotentry_video_pos_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_ms__isnull=True) | Q(end_ms__gt=F("start_ms")),
                name="shotentry_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.video} · {self.start_ms} ms · {self.get_kind_display()}"

    @property
    def is_soundbite(self) -> bool:
        return self.kind == self.Kind.SOUNDBITE


class CaptionTrack(models.Model):
    """A video's captions in one language: at most one track per language.

    Its cues come from the speech transcript timecoded against the video (`TRANSCRIPT`,
    written by the speeches app through `captions.replace_caption_track`), or, where there is
    no such track, from the video's soundbites in that language (`SOUNDBITES`, rebuilt by
    `captions.rebuild_soundbite_captions` whenever the shot list changes).
    """

    class Source(models.TextChoices):
        TRANSCRIPT = "transcript", _("Transcript")
        SOUNDBITES = "soundbites", _("Soundbites")

    video = models.ForeignKey(
        Video, verbose_name=_("video"), on_delete=models.CASCADE, related_name="caption_tracks"
    )
    language = models.CharField(_("language"), max_length=16)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    updated_at = models.DateTimeField(pgettext_lazy("caption track", "updated"), auto_now=True)

    class Meta:
        ordering = ["language", "pk"]
        verbose_name = _("caption track")
        verbose_name_plural = _("caption tracks")
        constraints = [
            models.UniqueConstraint(fields=["video", "language"], name="captiontrack_one_per_lang")
        ]

    def __str__(self) -> str:
        return f"{self.video} · {self.language}"

    @property
    def label(self) -> str:
        """The language's own name ("English", "français"), as players list tracks."""
        info = LANG_INFO.get(self.language) or {}
        return info.get("name_local", self.language)


class CaptionCue(models.Model):
    """One cue of a caption track: text shown from `start_ms` to `end_ms` (milliseconds)."""

    track = models.ForeignKey(
        CaptionTrack, verbose_name=_("caption track"), on_delete=models.CASCADE, related_name="cues"
    )
    position = models.PositiveIntegerField(_("position"))
    start_ms = models.PositiveIntegerField(_("start (ms)"))
    end_ms = models.PositiveIntegerField(_("end (ms)"))
    text = models.TextField(_("text"))
    speaker = models.CharField(_("speaker"), max_length=200, blank=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("caption cue")
        verbose_name_plural = _("caption cues")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_ms__gt=F("start_ms")), name="captioncue_end_after_start"
            ),
            models.UniqueConstraint(fields=["track", "position"], name="captioncue_track_position"),
        ]

    def __str__(self) -> str:
        return f"{self.track} · {self.start_ms} ms"


# --- Automatic renditions (media_library/transcode_jobs.py) ----------------------------------


class TranscodeJob(models.Model):
    """One rung of the rendition ladder made from a master: the worker's claim, heartbeat and
    progress; once done, `output` is an ordinary rendition of the video."""

    MAX_ATTEMPTS = 3

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    video = models.ForeignKey(
        Video, verbose_name=_("video"), on_delete=models.CASCADE, related_name="transcode_jobs"
    )
    master = models.ForeignKey(
        Rendition,
        verbose_name=_("master"),
        on_delete=models.CASCADE,
        related_name="transcode_jobs",
    )
    height = models.PositiveSmallIntegerField(_("height"))
    output = models.OneToOneField(
        Rendition,
        verbose_name=_("rendition made"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="made_by",
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    percent = models.PositiveSmallIntegerField(_("percent"), default=0)
    error = models.TextField(_("error"), blank=True)
    error_detail = models.TextField(_("error detail"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-height", "pk"]
        verbose_name = _("rendition job")
        verbose_name_plural = _("rendition jobs")
        constraints = [
            models.UniqueConstraint(fields=["master", "height"], name="transcode_job_per_rung")
        ]

    def __str__(self) -> str:
        return f"{self.video} · {self.height}p"
