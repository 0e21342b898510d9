"""The guard that download views use: a logged-in account with a verified email address."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _


def has_verified_email(user) -> bool:
    return user.is_authenticated and EmailAddress.objects.filter(user=user, verified=True).exists()


def verified_account_required(
    next_url: Callable[..., str] | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Send anonymous users to log in (and unverified ones to verify), then back to `next_url`.

    `next_url(request, *args, **kwargs)` names the page to come back to, e.g. the video page
    rather than the POST-only download endpoint; by default the current path.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if has_verified_email(request.user):
                return view(request, *args, **kwargs)
            back = next_url(request, *args, **kwargs) if next_url else request.get_full_path()
            if request.user.is_authenticated:
                messages.warning(request, _("Verify your email address to download videos."))
                return HttpResponseRedirect(reverse("account_email"))
            query = urlencode({REDIRECT_FIELD_NAME: back})
            return HttpResponseRedirect(f"{reverse('account_login')}?{query}")

        return wrapped

    return decorator
