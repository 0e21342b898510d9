"""The guard that download views use: a logged-in account with a verified email address."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, SESSION_KEY
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from core.page_cache import mark_editor_session

# The id of the session's user once an address of theirs was seen verified.
VERIFIED_SESSION_KEY = "accounts.verified_user"


def has_verified_email(user) -> bool:
    return user.is_authenticated and EmailAddress.objects.filter(user=user, verified=True).exists()


def session_has_verified_email(request: HttpRequest) -> bool:
    """`has_verified_email` for what a page shows, remembered in the session once true.

    Pages ask on every view (the download buttons); the answer only ever turns true in normal
    use, so the session keeps it for the user it was seen for and the query runs once per
    session. The download itself always asks the database (`verified_account_required`).
    """
    user_id = request.session.get(SESSION_KEY)
    if user_id is not None and request.session.get(VERIFIED_SESSION_KEY) == user_id:
        return True
    verified = has_verified_email(request.user)
    if verified:
        request.session[VERIFIED_SESSION_KEY] = request.session[SESSION_KEY]
    return verified


def remember_at_login(sender, request: HttpRequest, user, **kwargs) -> None:
    """`user_logged_in` receiver: what pages need to know, in the session the login saves.

    Whether the address is verified (download buttons) and whether the user is an editor
    (who bypasses the cached pages, so their own changes show at once).
    """
    if request is None or not hasattr(request, "session"):
        return
    if has_verified_email(user):
        request.session[VERIFIED_SESSION_KEY] = request.session.get(SESSION_KEY)
    mark_editor_session(request.session, is_editor=user.is_staff)


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
