from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.i18n import LANGUAGE_QUERY_PARAMETER, set_language

from core.page_cache import cached_page
from media_library import public_media as public_media_files
from media_library.models import Video
from newsletter import conf
from portal import health, quotes
from portal.forms import QuoteSearchForm
from speeches.models import Speech

HOME_FEATURED = 3
HOME_VIDEOS = 8
HOME_SPEECHES = 5
HOME_CACHE_SECONDS = 120


@cached_page(timeout=HOME_CACHE_SECONDS)
def home(request: HttpRequest) -> HttpResponse:
    """The editors' featured footage first, then the newest, then the newest speeches."""
    cards = Video.objects.published().for_cards()
    featured = list(cards.filter(featured=True).sorted_by()[:HOME_FEATURED])
    return render(
        request,
        "home.html",
        {
            "featured_videos": featured,
            # The catalogue's own "newest" order: one index serves both pages (bench, P1).
            "latest_videos": cards.exclude(pk__in=[video.pk for video in featured]).sorted_by()[
                :HOME_VIDEOS
            ],
            "latest_speeches": Speech.objects.published().newest_first()[:HOME_SPEECHES],
        },
    )


def switch_language(request: HttpRequest) -> HttpResponse:
    """Django's `set_language` (the language cookie, then back to `next`), except that a speech
    with a published translation into the chosen language leads to that translation: a reader
    who switches to French on a speech given in English reads it in French."""
    response = set_language(request)
    language = request.POST.get(LANGUAGE_QUERY_PARAMETER, "")
    if request.method == "POST" and response.status_code == 302 and check_for_language(language):
        translated = _translated_page(response["Location"], language)
        if translated:
            response["Location"] = translated
    return response


def _translated_page(url: str, language: str) -> str:
    """The page `url` shows, in its version for `language`; empty when it has none."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return ""
    if match.view_name != "speeches:speech_detail":
        return ""
    version = Speech.objects.version_in(language, slug=match.kwargs["slug"])
    return version.get_absolute_url() if version is not None else ""


@never_cache
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin's sign-in is the site's: one login form, with its rate limits and lockout.

    Django's own admin login has neither, so a password could be guessed there without end.
    A signed-in account that is not staff gets a 403, not a loop back to the login.
    """
    if request.user.is_authenticated:
        raise PermissionDenied
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("admin:index")
    return redirect(f"{reverse('account_login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: each service "ok" or "unavailable", 503 when any is down; the reasons go
    to the log."""
    return _checks_response(health.run_checks())


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness of the installation: liveness plus workers for every queue and a live beat."""
    return _checks_response(health.run_readiness())


def _checks_response(checks: dict[str, bool]) -> JsonResponse:
    healthy = all(checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "checks": {name: "ok" if ok else "unavailable" for name, ok in checks.items()},
        },
        status=200 if healthy else 503,
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors that touch the database: the database may be what failed.
    from django.template import loader

    template = loader.get_template("500.html")
    return HttpResponse(template.render({}), status=500)


def public_media(request: HttpRequest, path: str) -> HttpResponse:
    """Thumbnails and previews in the one-command run (nginx serves them in production).

    Only pictures and videos, each with its one content type, never sniffed: anything else in
    the folder is a 404, so nothing there is ever served as HTML or script.
    """
    from django.views.static import serve

    content_type = public_media_files.content_type_for(path)
    if content_type is None:
        raise Http404
    response = serve(request, path, document_root=settings.PUBLIC_MEDIA_ROOT)
    response.headers["Content-Type"] = content_type
    return public_media_files.with_safe_headers(response)


QUOTES_CACHE_SECONDS = 120


@require_GET
@cached_page(timeout=QUOTES_CACHE_SECONDS)
def quote_search(request: HttpRequest) -> HttpResponse:
    """Words said on camera: soundbites and timecoded transcripts, each with a citation."""
    form = QuoteSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    return render(
        request,
        "quotes/search.html",
        {
            "form": form,
            "query": query,
            "quotes": quotes.search_quotes(query),
            # Citations give the site's own address, never the request's Host: the page is
            # cached by path and language, so one reader's Host would reach the next.
            "site_root": conf.site_url(),
        },
    )
