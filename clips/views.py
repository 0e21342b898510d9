"""The clip form, the clip's status page, and its download: thin, as the download views."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.guards import verified_account_required
from clips import services, sidecars
from clips.forms import ClipForm
from clips.models import Clip, format_ms
from media_library import delivery, metadata
from media_library.models import Rendition, Video

SIGNING_SALT = "clips.download"
# How often the status page reloads itself while the clip is being cut (no script needed).
REFRESH_SECONDS = 3


def _video(request: HttpRequest, slug: str) -> Video:
    return get_object_or_404(Video.objects.visible_to(request.user), slug=slug)


def _status_url(clip: Clip) -> str:
    return reverse(
        "clips:clip_status", kwargs={"slug": clip.rendition.video.slug, "clip_id": clip.pk}
    )


@never_cache
@require_http_methods(["GET", "POST"])
@verified_account_required()
def clip_form(request: HttpRequest, slug: str) -> HttpResponse:
    video = _video(request, slug)
    renditions = list(video.renditions.ready().filter(duration_seconds__gt=0))
    if request.method == "POST":
        form = ClipForm(request.POST, renditions=renditions)
        if form.is_valid():
            data = form.cleaned_data
            try:
                clip = services.request_clip(
                    user=request.user,
                    rendition=data["rendition_object"],
                    start_ms=data["start_ms"],
                    end_ms=data["end_ms"],
                    mode=data["mode"],
                )
            except services.ClipRefused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                return HttpResponseRedirect(_status_url(clip))
    else:
        form = ClipForm(renditions=renditions, initial=ClipForm.initial_from_query(request.GET))
    return render(
        request,
        "clips/clip_form.html",
        {"video": video, "form": form, "renditions": renditions},
        status=400 if form.errors else 200,
    )


def _requested(request: HttpRequest, slug: str, clip_id: int) -> Clip:
    clip = services.requested_clip(user=request.user, clip_id=clip_id)
    if clip is None or clip.rendition.video.slug != slug:
        raise Http404
    _video(request, slug)  # still visible to them
    return clip


@never_cache
@require_http_methods(["GET", "HEAD"])
@verified_account_required()
def clip_status(request: HttpRequest, slug: str, clip_id: int) -> HttpResponse:
    clip = _requested(request, slug, clip_id)
    busy = clip.status in {Clip.Status.PENDING, Clip.Status.RUNNING}
    return render(
        request,
        "clips/clip_status.html",
        {
            "clip": clip,
            "video": clip.rendition.video,
            "busy": busy,
            "refresh_seconds": REFRESH_SECONDS,
            # The form again, filled in as this clip was asked for.
            "again_url": reverse("clips:clip_form", kwargs={"slug": slug})
            + "?"
            + urlencode(
                {
                    "in": format_ms(clip.start_ms),
                    "out": format_ms(clip.end_ms),
                    "rendition": clip.rendition_id,
                    "mode": clip.mode,
                }
            ),
        },
    )


@never_cache
@require_POST
@verified_account_required()
def clip_download(request: HttpRequest, slug: str, clip_id: int) -> HttpResponse:
    """Record the download, then send the browser where the bytes are, as for renditions."""
    clip = _requested(request, slug, clip_id)
    if clip.status != Clip.Status.READY or clip.rendition.status != Rendition.Status.READY:
        return HttpResponseRedirect(_status_url(clip))
    try:
        services.record_clip_download(user=request.user, clip=clip)
    except Clip.DoesNotExist:
        raise Http404 from None  # deleted by the sweep (unused for days) a moment ago
    link = reverse(
        "clips:clip_file",
        kwargs={"token": delivery.make_token(user=request.user, rendition=clip, salt=SIGNING_SALT)},
    )
    return delivery.begin(request, user=request.user, rendition=clip, link=link)


@never_cache
@require_http_methods(["GET", "HEAD"])
@verified_account_required()
def clip_file(request: HttpRequest, token: str) -> HttpResponse:
    """The signed, account-bound link to a clip: resumable with Range, useless to others."""
    try:
        claims = delivery.read_token(token, salt=SIGNING_SALT)
    except delivery.ExpiredLink:
        return render(request, "media_library/link_expired.html", status=410)
    except delivery.InvalidLink:
        raise Http404 from None
    clip = _requested_by_id(request, claims.rendition_id)
    try:
        delivery.check_claims(claims, user=request.user, rendition=clip)
        return delivery.serve(request, clip)
    except delivery.InvalidLink:
        raise PermissionDenied from None


def _requested_by_id(request: HttpRequest, clip_id: int) -> Clip:
    clip = services.requested_clip(user=request.user, clip_id=clip_id)
    if (
        clip is None
        or clip.status != Clip.Status.READY
        or not Video.objects.visible_to(request.user).filter(pk=clip.rendition.video_id).exists()
    ):
        raise Http404
    return clip


@never_cache
@require_http_methods(["GET", "HEAD"])
@verified_account_required()
def clip_metadata(request: HttpRequest, slug: str, clip_id: int, kind: str) -> HttpResponse:
    """A ready clip's metadata sidecar, as a rendition's (docs/metadata.md): the clip's own
    name, size, duration and checksum, and the shot list entries within its range."""
    clip = _requested(request, slug, clip_id)
    if clip.status != Clip.Status.READY:
        raise Http404
    description = sidecars.describe(clip)
    return metadata.attachment(description, kind)
