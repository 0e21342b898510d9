"""Catalogue, video page and the download path. Thin: validate, read, hand over."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.guards import verified_account_required
from media_library import delivery, related, services
from media_library.forms import VideoFilterForm
from media_library.models import Rendition, Video

PAGE_SIZE = 24
# The rendered filters and cards of one catalogue URL; any edit moves content_version.
CATALOGUE_CACHE_SECONDS = 120


@require_GET
def video_list(request: HttpRequest) -> HttpResponse:
    form = VideoFilterForm(request.GET or None)
    videos = Video.objects.published().for_cards()
    searching = False
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        searching = bool(data["q"].strip())
        videos = (
            videos.search(data["q"])
            .filtered(
                category=data["category"],
                event=data["event"],
                language=data["language"],
                country=data["country"],
                date_from=data["date_from"],
                date_to=data["date_to"],
                min_height=data["min_height"],
            )
            .sorted_by(data["sort"], searching=searching)
        )
    else:
        videos = videos.sorted_by()
    page = Paginator(videos, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "media_library/video_list.html",
        {
            "form": form,
            "page": page,
            "videos": page.object_list,
            "searching": searching,
            "content_version": related.content_version(),
            "cache_seconds": CATALOGUE_CACHE_SECONDS,
        },
    )


@require_GET
def video_detail(request: HttpRequest, slug: str) -> HttpResponse:
    videos = Video.objects.visible_to(request.user)
    if request.user.is_authenticated:
        # The download buttons depend on it: asked in the same query as the video.
        videos = videos.annotate(
            viewer_verified=Exists(EmailAddress.objects.filter(user=request.user, verified=True))
        )
    video = get_object_or_404(
        videos.select_related("category", "event").prefetch_related(
            Prefetch("renditions", queryset=Rendition.objects.ready(), to_attr="ready_renditions"),
            "tags",
            "languages",
        ),
        slug=slug,
    )
    related_videos, related_speeches = related.related_for(video)
    return render(
        request,
        "media_library/video_detail.html",
        {
            "video": video,
            "renditions": video.ready_renditions,
            "related_videos": related_videos,
            "related_speeches": related_speeches,
            "can_download": getattr(video, "viewer_verified", False),
            "is_preview": not video.is_public(),
        },
    )


def _video_page(request: HttpRequest, slug: str, **kwargs) -> str:
    """Where an anonymous visitor comes back to after logging in: the video, not the POST."""
    return reverse("media_library:video_detail", kwargs={"slug": slug})


def _downloadable(user, **lookups) -> Rendition:
    return get_object_or_404(
        Rendition.objects.ready().select_related("video"),
        video__in=Video.objects.visible_to(user),
        **lookups,
    )


@never_cache
@require_POST
@verified_account_required(next_url=_video_page)
def download(request: HttpRequest, slug: str, rendition_id: int) -> HttpResponse:
    """Record the download, then send the browser to the signed link that serves the bytes."""
    rendition = _downloadable(request.user, pk=rendition_id, video__slug=slug)
    services.record_download(user=request.user, rendition=rendition)
    if settings.MEDIA_STORAGE == "s3":
        # Straight to the object store: one redirect fewer, the presigned URL is short-lived.
        return delivery.deliver(request, rendition)
    return delivery.HttpResponseSeeOther(
        delivery.signed_download_url(user=request.user, rendition=rendition)
    )


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
        return delivery.deliver(request, rendition)
    except delivery.InvalidLink:
        raise PermissionDenied from None
