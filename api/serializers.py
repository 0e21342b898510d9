"""What the API says of each thing: read-only, built from what the selectors fetched (no
serializer field may run a query of its own: query counts are asserted per page)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from media_library.models import Category, Event, Rendition, Tag, Video
from media_library.services import TECHNICAL_FIELDS
from speeches.models import Speech


def absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request is not None else path


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name"]


class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["slug", "name", "starts_on", "location"]


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["slug", "name"]


class VideoSummarySerializer(serializers.Serializer):
    """A video in a list: what the catalogue's card shows (VideoQuerySet.for_cards)."""

    slug = serializers.SlugField()
    title = serializers.CharField()
    published_at = serializers.DateTimeField()
    recorded_on = serializers.DateField(allow_null=True)
    duration_seconds = serializers.FloatField(allow_null=True)
    category = CategorySerializer(allow_null=True)
    thumbnail_url = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, video: Video) -> str:
        return absolute(self.context.get("request"), reverse("api:video-detail", args=[video.slug]))

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, video: Video) -> str:
        return absolute(self.context.get("request"), video.get_absolute_url())

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_thumbnail_url(self, video: Video) -> str | None:
        url = video.thumbnail_url
        return absolute(self.context.get("request"), url) if url else None


_DATETIME = serializers.DateTimeField()


def video_summaries(videos, *, request) -> list[dict]:
    """`VideoSummarySerializer(videos, many=True).data`, built directly: the list's hot path.

    DRF's field machinery and a `reverse()` per link cost about 25 ms for a page of 50; the
    links differ only by slug, so their prefixes are reversed once. The contract tests
    validate these dicts against the schema, and `test_the_fast_list_equals_the_serializer`
    holds them equal to the serializer's output.
    """
    api_prefix = absolute(request, reverse("api:video-detail", args=["-"]))[:-2]
    web_prefix = absolute(request, reverse("media_library:video_detail", args=["-"]))[:-2]
    items = []
    for video in videos:
        thumbnail = video.thumbnail_url
        category = video.category
        items.append(
            {
                "slug": video.slug,
                "title": video.title,
                "published_at": _DATETIME.to_representation(video.published_at),
                "recorded_on": video.recorded_on.isoformat() if video.recorded_on else None,
                "duration_seconds": video.duration_seconds,
                "category": {"slug": category.slug, "name": category.name} if category else None,
                "thumbnail_url": absolute(request, thumbnail) if thumbnail else None,
                "url": f"{api_prefix}{video.slug}/",
                "web_url": f"{web_prefix}{video.slug}/",
            }
        )
    return items


class RenditionSerializer(serializers.ModelSerializer):
    frame_rate = serializers.FloatField(allow_null=True)
    download_url_endpoint = serializers.SerializerMethodField()
    newsml_url = serializers.SerializerMethodField()
    vmh_url = serializers.SerializerMethodField()

    class Meta:
        model = Rendition
        fields = [
            "id",
            "label",
            *TECHNICAL_FIELDS,
            "download_url_endpoint",
            "newsml_url",
            "vmh_url",
        ]

    def _link(self, name: str, rendition: Rendition) -> str:
        path = reverse(
            name, kwargs={"slug": self.context["video_slug"], "rendition_id": rendition.pk}
        )
        return absolute(self.context.get("request"), path)

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url_endpoint(self, rendition: Rendition) -> str:
        return self._link("api:rendition-download-url", rendition)

    @extend_schema_field(OpenApiTypes.URI)
    def get_newsml_url(self, rendition: Rendition) -> str:
        """The NewsML-G2 sidecar (a token's GET)."""
        return self._link("api:rendition-newsml", rendition)

    @extend_schema_field(OpenApiTypes.URI)
    def get_vmh_url(self, rendition: Rendition) -> str:
        """The IPTC Video Metadata Hub JSON sidecar (a token's GET)."""
        return self._link("api:rendition-vmh", rendition)


class ShotEntrySerializer(serializers.Serializer):
    kind = serializers.CharField()
    start_ms = serializers.IntegerField()
    end_ms = serializers.IntegerField(allow_null=True)
    description = serializers.CharField()
    speaker_name = serializers.CharField()
    speaker_role = serializers.CharField()
    language = serializers.CharField()
    quote = serializers.CharField()


class CaptionTrackSerializer(serializers.Serializer):
    language = serializers.CharField()
    label = serializers.CharField()
    source = serializers.CharField()
    vtt_url = serializers.SerializerMethodField()
    srt_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_vtt_url(self, track: dict) -> str:
        return absolute(self.context.get("request"), track["vtt_url"])

    @extend_schema_field(OpenApiTypes.URI)
    def get_srt_url(self, track: dict) -> str:
        return absolute(self.context.get("request"), track["srt_url"])


class SpeechLinkSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    language = serializers.CharField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, speech: Speech) -> str:
        return absolute(
            self.context.get("request"), reverse("api:speech-detail", args=[speech.slug])
        )


class VideoLinkSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, video: Video) -> str:
        return absolute(self.context.get("request"), reverse("api:video-detail", args=[video.slug]))


class VideoDetailSerializer(VideoSummarySerializer):
    summary = serializers.CharField()
    location = serializers.CharField()
    country = serializers.CharField()
    event = EventSerializer(allow_null=True)
    tags = TagSerializer(many=True)
    languages = serializers.SerializerMethodField()
    credit_line = serializers.CharField(source="credits")
    # The site's default terms, in the negotiated language, where the video has none.
    usage_terms = serializers.CharField(source="terms_of_use")
    renditions = RenditionSerializer(source="ready_renditions", many=True)
    shot_list = ShotEntrySerializer(source="api_shot_list", many=True)
    caption_tracks = CaptionTrackSerializer(source="api_caption_tracks", many=True)
    related_speeches = SpeechLinkSerializer(source="api_related_speeches", many=True)

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_languages(self, video: Video) -> list[str]:
        return [language.code for language in video.languages.all()]  # prefetched


class TimecodedParagraphSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    start_ms = serializers.IntegerField()
    text = serializers.CharField()


class SpeechSummarySerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    speaker_name = serializers.CharField()
    speaker_role = serializers.CharField()
    event = serializers.CharField()
    location = serializers.CharField()
    date_delivered = serializers.DateField()
    language = serializers.CharField()
    published_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, speech: Speech) -> str:
        return absolute(
            self.context.get("request"), reverse("api:speech-detail", args=[speech.slug])
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, speech: Speech) -> str:
        return absolute(self.context.get("request"), speech.get_absolute_url())


class SpeechDetailSerializer(SpeechSummarySerializer):
    transcript_markdown = serializers.CharField(source="body")
    transcript_html = serializers.CharField(source="body_html")
    timecode_video = VideoLinkSerializer(source="timecode_player", allow_null=True)
    timecoded_paragraphs = TimecodedParagraphSerializer(
        source="api_timecoded_paragraphs", many=True
    )
    translations = SpeechLinkSerializer(source="public_translations", many=True)
    related_videos = VideoLinkSerializer(source="public_related_videos", many=True)


class DownloadUrlSerializer(serializers.Serializer):
    url = serializers.URLField()
    expires_in_seconds = serializers.IntegerField()
    filename = serializers.CharField()
    checksum_sha256 = serializers.CharField()


def paginated(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The schema of a cursor page of `item`."""
    return type(
        name,
        (serializers.Serializer,),
        {
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": item(many=True),
        },
    )
