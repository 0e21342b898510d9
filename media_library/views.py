"""Catalogue, video page and the download path. Thin: validate, read, hand over."""

from __future__ import annotations

from functools import wraps

from csp.decorators import csp_replace
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.guards import session_has_verified_email, verified_account_required
from core.page_cache import cached_page
from media_library import (
    captions,
    delivery,
    download_context,
    embeds,
    metadata,
    public_media,
    related,
    search,
    selectors,
    services,
    shot_entries,
    stills,
)
from media_library.forms import VideoFilterForm
from media_library.models import CaptionTrack, Rendition, Video

PAGE_SIZE = 24
# Whole pages are cached per content version (any edit moves it): the timeout only bounds
# how late a scheduled video appears when the beat task that publishes it is not running.
CATALOGUE_CACHE_SECONDS = 120
VIDEO_PAGE_CACHE_SECONDS = 300


def _can_download(request: HttpRequest) -> bool:
    """Whether the viewer may download: asked once per request, by the cache and the view."""
    if not hasattr(request, "_can_download"):
        request._can_download = session_has_verified_email(request)
    return request._can_download


def _download_variant(request: HttpRequest) -> str:
    return "downloads" if _can_download(request) else "no-downloads"


@require_GET
@cached_page(timeout=CATALOGUE_CACHE_SECONDS)
def video_list(request: HttpRequest) -> HttpResponse:
    form = VideoFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else None
    page = search.catalogue_page(filters, page_number=request.GET.get("page"), per_page=PAGE_SIZE)
    return render(
        request,
        "media_library/video_list.html",
        {"form": form, "page": page, "videos": page.object_list},
    )


@require_GET
@cached_page(timeout=VIDEO_PAGE_CACHE_SECONDS, variant=_download_variant)
def video_detail(request: HttpRequest, slug: str) -> HttpResponse:
    video = get_object_or_404(Video.objects.visible_to(request.user).for_page(), slug=slug)
    related_videos, related_speeches = related.related_for(video)
    return render(
        request,
        "media_library/video_detail.html",
        {
            "video": video,
            "renditions": video.ready_renditions,
            "caption_tracks": video.caption_tracks.all(),
            "shots": shot_entries.shot_list_for(video),
            "related_videos": related_videos,
            "related_speeches": related_speeches,
            "can_download": _can_download(request),
            "is_preview": not video.is_public,
            "embed_snippet": embeds.snippet(video) if video.is_public and video.preview else "",
        },
    )


def _framed_by(view):
    """The embed page alone may be framed, by `EMBED_FRAME_ANCESTORS` (media_library.embeds)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        policy = {"frame-ancestors": embeds.frame_ancestors()}
        return xframe_options_exempt(csp_replace(policy)(view))(request, *args, **kwargs)

    return wrapped


@require_GET
@_framed_by
@cached_page(timeout=VIDEO_PAGE_CACHE_SECONDS)
def video_embed(request: HttpRequest, slug: str) -> HttpResponse:
    """The preview player alone, for other sites' pages (the snippet on the video page)."""
    video = get_object_or_404(
        Video.objects.published()
        .only("slug", "title", "thumbnail", "preview", "status", "published_at", "credits")
        .prefetch_related("caption_tracks"),
        slug=slug,
    )
    if not video.preview:
        raise Http404
    return render(
        request,
        "media_library/embed.html",
        {"video": video, "video_url": embeds.absolute(video.get_absolute_url())},
    )


@require_http_methods(["GET", "HEAD"])
def video_captions(
    request: HttpRequest, slug: str, language: str, file_format: str
) -> HttpResponse:
    """A caption track as WebVTT (the player's `<track>`) or SubRip (a download): for whoever
    may see the video, as its preview (drafts only to editors)."""
    track = get_object_or_404(
        CaptionTrack.objects.filter(
            video__in=Video.objects.visible_to(request.user)
        ).select_related("video"),
        video__slug=slug,
        language=language,
    )
    return captions.file_response(request, track=track, file_format=file_format)


@require_http_methods(["GET", "HEAD"])
def video_media(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    """The thumbnail or preview of a video that is not published (yet): only for who may see
    the video (editors; everyone once a scheduled video's time has come). Published videos'
    files are in the public storage (public_media)."""
    video = get_object_or_404(
        Video.objects.visible_to(request.user).only("slug", "thumbnail", "preview"), slug=slug
    )
    field_file = video.thumbnail if kind == "thumbnail" else video.preview
    if not field_file:
        raise Http404
    return public_media.serve(request, field_file)


@require_http_methods(["GET", "HEAD"])
def video_still(request: HttpRequest, slug: str) -> HttpResponse:
    """A frame grab of the preview at `?t=<timecode>`, as a JPEG download: for whoever may
    see the video, as its preview. A timecode that cannot be read or lies past the end gets
    a 400 page that says so."""
    video = get_object_or_404(
        Video.objects.visible_to(request.user).only(
            "slug", "title", "preview", "duration_seconds", "status", "published_at"
        ),
        slug=slug,
    )
    if not video.preview:
        raise Http404
    try:
        moment = stills.moment_ms(
            request.GET.get("t"), video=video, fps=shot_entries.video_frame_rate(video)
        )
    except stills.StillRefused as refused:
        return render(
            request,
            "media_library/still_refused.html",
            {"video": video, "reason": str(refused)},
            status=400,
        )
    response = HttpResponse(stills.still_of(video, moment), content_type="image/jpeg")
    response["Content-Disposition"] = content_disposition_header(
        True, stills.download_filename(video, moment)
    )
    # Published or not, the still goes the way of its preview: never kept by a shared cache.
    response["Cache-Control"] = "private, max-age=3600"
    return public_media.with_safe_headers(response)


def _video_page(request: HttpRequest, slug: str, **kwargs) -> str:
    """Where an anonymous visitor comes back to after logging in: the video's download
    section, not the POST (the login page then says which video they came for)."""
    return download_context.download_return_url(slug)


def _downloadable(user, **lookups) -> Rendition:
    return selectors.downloadable_rendition(videos=Video.objects.visible_to(user), **lookups)


@never_cache
@require_POST
@verified_account_required(next_url=_video_page)
def download(request: HttpRequest, slug: str, rendition_id: int) -> HttpResponse:
    """Record the download, then send the browser where the bytes are (delivery.begin)."""
    rendition = _downloadable(request.user, pk=rendition_id, video__slug=slug)
    services.record_download(user=request.user, rendition=rendition)
    return delivery.begin(request, user=request.user, rendition=rendition)


@never_cache
@require_http_methods(["GET", "HEAD"])
@verified_account_required()
def download_file(request: HttpRequest, token: str) -> HttpResponse:
    """The signed, account-bound link: resumable with Range, useless to anyone else."""
    try:
        claims = delivery.read_token(token)
    except delivery.ExpiredLink:
        return render(request, "media_library/link_expired.html", status=410)
    except delivery.InvalidLink:
        raise Http404 from None
    rendition = _downloadable(request.user, pk=claims.rendition_id)
    try:
        delivery.check_claims(claims, user=request.user, rendition=rendition)
        return delivery.serve(request, rendition)
    except delivery.InvalidLink:
        raise PermissionDenied from None


@never_cache
@require_http_methods(["GET", "HEAD"])
@verified_account_required()
def rendition_metadata(
    request: HttpRequest, slug: str, rendition_id: int, kind: str
) -> HttpResponse:
    """A rendition's metadata sidecar (NewsML-G2 or Video Metadata Hub JSON), named after
    the file it describes: for whoever may download that file."""
    rendition = _downloadable(request.user, pk=rendition_id, video__slug=slug)
    return metadata.attachment(metadata.describe(rendition), kind)
