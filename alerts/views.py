"""A reader's alerts: save one from a catalogue search, list, change and delete them, their
private feeds; the unsubscribe links of their emails. Thin: validate, call `saved`, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.guards import has_verified_email
from alerts import links, saved
from alerts.described import catalogue_querystring, describe
from alerts.forms import AlertEditForm, AlertSettingsForm
from alerts.models import SavedSearch
from media_library.forms import VideoFilterForm

ONE_CLICK_BODY = "List-Unsubscribe=One-Click"


def _described_rows(searches) -> list[dict]:
    return [
        {
            "search": search,
            "described": describe(search),
            "results_url": reverse("media_library:video_list")
            + (f"?{query}" if (query := catalogue_querystring(search)) else ""),
            "feed_url": links.feed_url(search),
        }
        for search in searches
    ]


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def new_alert(request: HttpRequest) -> HttpResponse:
    """“Alert me” from the catalogue: the search (GET parameters, as the catalogue reads them)
    is shown in words with the choice of instant or daily emails; POST saves it."""
    data = request.POST if request.method == "POST" else request.GET
    filter_form = VideoFilterForm(data)
    if not filter_form.is_valid():
        messages.error(request, _("This search cannot be saved: correct it in the catalogue."))
        return redirect("media_library:video_list")
    verified = has_verified_email(request.user)
    settings_form = AlertSettingsForm(
        request.POST if request.method == "POST" else None,
        initial={"email_language": get_language()},
    )
    if request.method == "POST" and verified and settings_form.is_valid():
        try:
            search = saved.save_search(
                user=request.user,
                filters=filter_form.cleaned_data,
                frequency=settings_form.cleaned_data["frequency"],
                email_language=settings_form.cleaned_data["email_language"],
            )
        except saved.AlertRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(
                request,
                _("Your alert is saved: %(name)s.") % {"name": describe(search).name},
            )
            return redirect("alerts:list")
    preview = SavedSearch()
    saved.fill(preview, filter_form.cleaned_data)
    return render(
        request,
        "alerts/new_alert.html",
        {
            "filter_form": filter_form,
            "form": settings_form,
            "name": describe(preview).name,
            "verified": verified,
        },
    )


@never_cache
@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    searches = SavedSearch.objects.of(request.user).select_related("category", "event", "language")
    return render(request, "alerts/alert_list.html", {"rows": _described_rows(searches)})


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def edit_alert(request: HttpRequest, search_id: int) -> HttpResponse:
    search = get_object_or_404(
        SavedSearch.objects.of(request.user).select_related("category", "event", "language"),
        pk=search_id,
    )
    initial = {
        "frequency": search.frequency,
        "email_language": search.email_language,
        "active": search.active,
    }
    form = AlertEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved.update_search(search=search, **form.cleaned_data)
        messages.success(request, _("Your alert has been updated."))
        return redirect("alerts:list")
    return render(
        request, "alerts/edit_alert.html", {"form": form, "row": _described_rows([search])[0]}
    )


@login_required
@require_POST
def delete_alert(request: HttpRequest, search_id: int) -> HttpResponse:
    if saved.delete_search(user=request.user, search_id=search_id):
        messages.success(request, _("The alert has been deleted."))
    return redirect("alerts:list")


@login_required
@require_POST
def renew_feed(request: HttpRequest, search_id: int) -> HttpResponse:
    search = get_object_or_404(SavedSearch.objects.of(request.user), pk=search_id)
    saved.renew_feed(search=search)
    messages.success(request, _("The feed has a new address; the old one no longer works."))
    return redirect("alerts:list")


@login_required
@require_POST
def revoke_feed(request: HttpRequest, search_id: int) -> HttpResponse:
    search = get_object_or_404(SavedSearch.objects.of(request.user), pk=search_id)
    saved.revoke_feed(search=search)
    messages.success(request, _("The feed has been revoked."))
    return redirect("alerts:list")


def _invalid_link(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, "alerts/unsubscribe_invalid.html", status=status)


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The email's footer link: GET asks for confirmation (mail scanners follow links), POST
    switches the alert off."""
    try:
        search = links.search_for_token(token)
    except links.InvalidAlertToken:
        return _invalid_link(request, status=400)
    except SavedSearch.DoesNotExist:
        return _invalid_link(request, status=404)
    context = {"name": describe(search).name, "active": search.active}
    if request.method == "POST":
        saved.stop_search(search=search)
        return render(request, "alerts/unsubscribe_done.html", context)
    return render(request, "alerts/unsubscribe_confirm.html", context)


@csrf_exempt  # RFC 8058: the mailbox provider POSTs with no session, cookie or CSRF token.
@require_POST
def one_click_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """RFC 8058 one-click: switches the alert off on a POST of `List-Unsubscribe=One-Click`."""
    if request.POST.get("List-Unsubscribe") != "One-Click":
        return HttpResponseBadRequest(
            f"Expected a POST body of {ONE_CLICK_BODY}.", content_type="text/plain"
        )
    try:
        search = links.search_for_token(token)
    except links.InvalidAlertToken:
        return HttpResponseBadRequest("Invalid unsubscribe link.", content_type="text/plain")
    except SavedSearch.DoesNotExist:
        return HttpResponse("Unknown alert.", status=404, content_type="text/plain")
    saved.stop_search(search=search)
    return HttpResponse("Unsubscribed.", content_type="text/plain")
