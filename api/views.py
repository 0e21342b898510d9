"""/api/v1/: thin views over the selectors; public metadata needs no token, download URLs do.

Only published content is ever listed or shown, whoever the token belongs to.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.guards import has_verified_email
from api import caching, selectors
from api.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    SlugCursorPagination,
    SpeechCursorPagination,
    VideoCursor,
)
from api.problems import problem, problems
from api.serializers import (
    CategorySerializer,
    DownloadUrlSerializer,
    EventSerializer,
    SpeechDetailSerializer,
    SpeechSummarySerializer,
    TagSerializer,
    VideoDetailSerializer,
    VideoSummarySerializer,
    paginated,
    video_summaries,
)
from media_library import delivery, metadata, search, services
from media_library.forms import SORT_CHOICES, VideoFilterForm

# As the site's catalogue (media_library.views): any edit moves the content version at once;
# the timeout bounds how late a scheduled video appears when beat is not running.
CACHE_SECONDS = 120
PAGE_SIZE_PARAMETER = OpenApiParameter(
    "page_size",
    int,
    # The docs page shows these descriptions: lazy, so they are in the reader's language.
    description=lazy(
        lambda: (
            _("Videos a page: 1 to %(most)d, %(default)d by default.")
            % {"most": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE}
        ),
        str,
    )(),
)
CURSOR_PARAMETER = OpenApiParameter(
    "cursor", str, description=gettext_lazy("From the next or previous link of a page.")
)
VIDEO_FILTERS = [
    OpenApiParameter(
        "q", str, description=gettext_lazy("Words from the title, summary, shot list or tags.")
    ),
    OpenApiParameter("category", str, description=gettext_lazy("A category's slug.")),
    OpenApiParameter("event", str, description=gettext_lazy("An event's slug.")),
    OpenApiParameter("language", str, description=gettext_lazy("A spoken language's code.")),
    OpenApiParameter("country", str, description=gettext_lazy("An ISO 3166-1 alpha-2 code.")),
    OpenApiParameter(
        "date_from", OpenApiTypes.DATE, description=gettext_lazy("Recorded on or after.")
    ),
    OpenApiParameter(
        "date_to", OpenApiTypes.DATE, description=gettext_lazy("Recorded on or before.")
    ),
    OpenApiParameter(
        "min_height", int, enum=[720, 1080, 2160], description=gettext_lazy("Minimum resolution")
    ),
    OpenApiParameter(
        "sort",
        str,
        enum=[value for value, _label in SORT_CHOICES if value],
        description=gettext_lazy("Sort by"),
    ),
    CURSOR_PARAMETER,
    PAGE_SIZE_PARAMETER,
]


class VideoList(APIView):
    @extend_schema(
        operation_id="videos_list",
        parameters=VIDEO_FILTERS,
        responses={200: paginated(VideoSummarySerializer, "PaginatedVideoList"), **problems(400)},
    )
    def get(self, request: Request) -> Response:
        return caching.cached_json(request, lambda: self._page(request), timeout=CACHE_SECONDS)

    def _page(self, request: Request) -> Response:
        form = VideoFilterForm(request.query_params)
        if not form.is_valid():
            return problem(
                400,
                _("Some parameters are not valid: see errors."),
                errors={name: [str(e) for e in errs] for name, errs in form.errors.items()},
            )
        page_number, size = VideoCursor.read(request)
        page = search.catalogue_page(form.cleaned_data, page_number=page_number, per_page=size)
        if page.number != page_number and page_number != 1:
            return problem(400, _("This cursor is past the end of the list."))
        return Response(
            {
                "next": VideoCursor.link(request, page=page.number + 1, size=size)
                if page.has_next()
                else None,
                "previous": VideoCursor.link(request, page=page.number - 1, size=size)
                if page.has_previous()
                else None,
                "results": video_summaries(page.object_list, request=request),
            }
        )


class VideoDetail(APIView):
    @extend_schema(
        operation_id="videos_retrieve", responses={200: VideoDetailSerializer, **problems(404)}
    )
    def get(self, request: Request, slug: str) -> Response:
        video = selectors.video_for_api(slug)
        context = {"request": request, "video_slug": video.slug}
        return Response(VideoDetailSerializer(video, context=context).data)


class RenditionDownloadUrl(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="renditions_download_url",
        description=gettext_lazy(
            "A signed download URL for one rendition, recorded in your download history."
        ),
        request=None,
        responses={200: DownloadUrlSerializer, **problems(403, 404)},
    )
    def post(self, request: Request, slug: str, rendition_id: int) -> Response:
        # Asked of the database on every request, as the web's downloads do.
        if not has_verified_email(request.user):
            return problem(403, _("Verify your email address to download videos."))
        rendition = selectors.published_rendition(pk=rendition_id, video__slug=slug)
        services.record_download(user=request.user, rendition=rendition)
        if delivery.mode() is delivery.Mode.PRESIGNED:
            url = delivery.presigned_url(rendition)
            expires = settings.DOWNLOAD_URL_EXPIRY_SECONDS
        else:
            token = delivery.make_token(user=request.user, rendition=rendition)
            url = request.build_absolute_uri(reverse("api:file", kwargs={"token": token}))
            expires = delivery.LINK_MAX_AGE_SECONDS
        body = {
            "url": url,
            "expires_in_seconds": expires,
            "filename": rendition.download_filename(),
            "checksum_sha256": rendition.checksum_sha256,
        }
        response = Response(DownloadUrlSerializer(body).data)
        response["Cache-Control"] = "no-store"
        return response


class RenditionMetadata(APIView):
    """A rendition's metadata sidecar: NewsML-G2 (`newsml.xml`) or IPTC Video Metadata Hub
    JSON (`vmh.json`), the documents the site offers beside each download."""

    permission_classes = [permissions.IsAuthenticated]
    kind = "newsml"

    def get(self, request: Request, slug: str, rendition_id: int):
        if not has_verified_email(request.user):
            return problem(403, _("Verify your email address to download videos."))
        rendition = selectors.published_rendition(pk=rendition_id, video__slug=slug)
        return metadata.attachment(metadata.describe(rendition), self.kind)


class RenditionNewsML(RenditionMetadata):
    kind = "newsml"

    @extend_schema(
        operation_id="renditions_newsml",
        description=gettext_lazy(
            "The rendition's NewsML-G2 newsItem (IPTC): the video's metadata, its shot list "
            "and the file's technical properties."
        ),
        responses={
            (200, metadata.NEWSML_CONTENT_TYPE): OpenApiTypes.STR,
            **problems(403, 404),
        },
    )
    def get(self, request: Request, slug: str, rendition_id: int):
        return super().get(request, slug, rendition_id)


class RenditionVMH(RenditionMetadata):
    kind = "vmh"

    @extend_schema(
        operation_id="renditions_vmh",
        description=gettext_lazy(
            "The same metadata as IPTC Video Metadata Hub JSON: the whole file first, then "
            "one object per shot list entry."
        ),
        responses={
            (200, "application/json"): {"type": "array", "items": {"type": "object"}},
            **problems(403, 404),
        },
    )
    def get(self, request: Request, slug: str, rendition_id: int):
        return super().get(request, slug, rendition_id)


class SignedFile(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        operation_id="files_retrieve",
        description=gettext_lazy(
            "The file behind a signed download URL, for a token of the account it was made for."
        ),
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            (206, "application/octet-stream"): OpenApiTypes.BINARY,
            **problems(403, 404, 410),
        },
    )
    def get(self, request: Request, token: str):
        try:
            claims = delivery.read_token(token)
        except delivery.ExpiredLink:
            return problem(410, _("This download link has expired: ask for a new one."))
        except delivery.InvalidLink:
            raise Http404 from None
        if not has_verified_email(request.user):
            return problem(403, _("Verify your email address to download videos."))
        rendition = selectors.published_rendition(pk=claims.rendition_id)
        try:
            delivery.check_claims(claims, user=request.user, rendition=rendition)
        except delivery.InvalidLink:
            return problem(403, _("This download link was made for another account or file."))
        return delivery.serve(request._request, rendition)


class SpeechList(generics.ListAPIView):
    serializer_class = SpeechSummarySerializer
    pagination_class = SpeechCursorPagination

    def get_queryset(self):
        return selectors.speeches_for_api()

    @extend_schema(
        operation_id="speeches_list",
        responses={200: SpeechSummarySerializer(many=True), **problems(400)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SpeechDetail(APIView):
    @extend_schema(
        operation_id="speeches_retrieve", responses={200: SpeechDetailSerializer, **problems(404)}
    )
    def get(self, request: Request, slug: str) -> Response:
        speech = selectors.speech_for_api(slug)
        return Response(SpeechDetailSerializer(speech, context={"request": request}).data)


class CategoryList(generics.ListAPIView):
    serializer_class = CategorySerializer
    pagination_class = SlugCursorPagination
    queryset = selectors.categories()


class EventList(generics.ListAPIView):
    serializer_class = EventSerializer
    pagination_class = SlugCursorPagination
    queryset = selectors.events()


class TagList(generics.ListAPIView):
    serializer_class = TagSerializer
    pagination_class = SlugCursorPagination
    queryset = selectors.tags()


@extend_schema(exclude=True)
class NoSuchEndpoint(APIView):
    """Any other path under /api/v1/: a problem, not the site's HTML 404 page."""

    def dispatch_not_found(self, request, *args, **kwargs):
        raise exceptions.NotFound

    get = post = put = patch = delete = head = options = dispatch_not_found
