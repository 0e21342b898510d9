from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from newsletter import subscriptions
from newsletter.models import Subscription
from newsletter.unsubscribe import (
    InvalidUnsubscribeToken,
    unsubscribe_with_token,
    user_for_unsubscribe_token,
)

ONE_CLICK_BODY = "List-Unsubscribe=One-Click"


def _invalid_link(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, "newsletter/unsubscribe_invalid.html", status=status)


@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """The footer link: GET asks for confirmation (mail scanners follow links), POST acts."""
    try:
        user = user_for_unsubscribe_token(token)
    except InvalidUnsubscribeToken:
        return _invalid_link(request, status=400)
    except User.DoesNotExist:
        return _invalid_link(request, status=404)
    if request.method == "POST":
        subscriptions.unsubscribe(user=user, source=Subscription.Source.UNSUBSCRIBE_LINK)
        return render(request, "newsletter/unsubscribe_done.html", {"email": user.email})
    return render(
        request,
        "newsletter/unsubscribe_confirm.html",
        {"email": user.email, "subscribed": subscriptions.is_subscribed(user)},
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
        unsubscribe_with_token(token=token, source=Subscription.Source.ONE_CLICK)
    except InvalidUnsubscribeToken:
        return HttpResponseBadRequest("Invalid unsubscribe link.", content_type="text/plain")
    except User.DoesNotExist:
        return HttpResponse("Unknown subscriber.", status=404, content_type="text/plain")
    return HttpResponse("Unsubscribed.", content_type="text/plain")
