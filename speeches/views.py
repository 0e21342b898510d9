from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods

from core.page_cache import cached_page
from speeches import transcript_files
from speeches.forms import SpeechFilterForm
from speeches.models import Speech

SPEECHES_PER_PAGE = 20
# Whole pages are cached per content version (any edit moves it): the timeout only bounds
# how late a scheduled speech appears when the beat task that publishes it is not running.
SPEECH_PAGE_CACHE_SECONDS = 120
# The columns a list row shows: the transcripts themselves are never loaded for a list.
LIST_FIELDS = ("title", "slug", "speaker_name", "speaker_role", "event", "location",
               "date_delivered", "language", "status", "published_at")  # fmt: skip


@cached_page(timeout=SPEECH_PAGE_CACHE_SECONDS)
def speech_list(request: HttpRequest) -> HttpResponse:
    published = Speech.objects.published()
    form = SpeechFilterForm(request.GET or None, speeches=published)
    speeches = form.filter(published).newest_first().only(*LIST_FIELDS)
    page = Paginator(speeches, SPEECHES_PER_PAGE).get_page(request.GET.get("page"))
    # The filters travel with the pagination links.
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "speeches/speech_list.html",
        {"form": form, "page_obj": page, "speeches": page.object_list, "query": query.urlencode()},
    )


@cached_page(timeout=SPEECH_PAGE_CACHE_SECONDS)
def speech_detail(request: HttpRequest, slug: str) -> HttpResponse:
    speech = get_object_or_404(Speech.objects.published().with_public_relations(), slug=slug)
    return render(request, "speeches/speech_detail.html", {"speech": speech})


@require_http_methods(["GET", "HEAD"])
def speech_transcript(request: HttpRequest, slug: str, file_format: str) -> HttpResponse:
    """The transcript as a plain-text or PDF download, with its credit line and address."""
    speech = get_object_or_404(Speech.objects.published(), slug=slug)
    document = transcript_files.transcript_file(speech)
    if file_format == "pdf":
        response = HttpResponse(transcript_files.as_pdf(document), content_type="application/pdf")
    else:
        response = HttpResponse(document.as_text(), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, f"{speech.slug}.{file_format}"
    )
    response["Content-Language"] = speech.language
    return response
