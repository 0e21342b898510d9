from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from newsletter import services
from newsletter.models import Subscription

ONE_CLICK_BODY = "List-Unsubscribe=One-Click"


def _invalid_link(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, "newsletter/unsubscribe_invalid.html", status=status)


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The footer link: GET asks for confirmation (mail scanners follow links), POST acts."""
    try:
        user = services.user_for_unsubscribe_token(token)
    except services.InvalidUnsubscribeToken:
        return _invalid_link(request, status=400)
    except User.DoesNotExist:
        return _invalid_link(request, status=404)
    if request.method == "POST":
        services.unsubscribe(user=user, source=Subscription.Source.UNSUBSCRIBE_LINK)
        return render(request, "newsletter/unsubscribe_done.html", {"email": user.email})
    return render(
        request,
        "newsletter/unsubscribe_confirm.html",
        {"email": user.email, "subscribed": services.is_subscribed(user)},
    )


@csrf_exempt  # RFC 8058: the mailbox provider POSTs with no session, cookie or CSRF token.
@require_POST
def one_click_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """RFC 8058 one-click: unsubscribes on a POST whose body is `List-Unsubscribe=One-Click`."""
    if request.POST.get("List-Unsubscribe") != "One-Click":
        return HttpResponseBadRequest(
            f"Expected a POST body of {ONE_CLICK_BODY}.", content_type="text/plain"
        )
    try:
        services.unsubscribe_with_token(token=token, source=Subscription.Source.ONE_CLICK)
    except services.InvalidUnsubscribeToken:
        return HttpResponseBadRequest("Invalid unsubscribe link.", content_type="text/plain")
    except User.DoesNotExist:
        return HttpResponse("Unknown subscriber.", status=404, content_type="text/plain")
    return HttpResponse("Unsubscribed.", content_type="text/plain")
