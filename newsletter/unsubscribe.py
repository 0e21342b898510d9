"""Unsubscribe links: a signed token per subscriber, in every email's footer and headers.

The token is `django.core.signing` with its own salt; it does not expire, so the link in an
old issue still works. It names the user only: a forged or altered token is refused.
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from accounts.models import User
from newsletter import conf
from newsletter.models import Subscription
from newsletter.subscriptions import unsubscribe

UNSUBSCRIBE_SALT = "newsletter.unsubscribe"


class InvalidUnsubscribeToken(Exception):
    """The token was not signed by us, or was altered."""


def _signer() -> signing.Signer:
    return signing.Signer(salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(*, user: User) -> str:
    """A signed, per-subscriber token. It does not expire: old issues keep a working link."""
    return token_for(user.pk)


def token_for(user_id: int) -> str:
    return _signer().sign_object({"u": user_id})


def unsubscribe_links(user_id: int) -> dict[str, str]:
    """What an email to this user carries: the footer page, the RFC 8058 one-click URL (both
    absolute) and the mailto address."""
    token = token_for(user_id)
    site = conf.site_url()
    return {
        "page": site + reverse("newsletter:unsubscribe", kwargs={"token": token}),
        "one_click": site + reverse("newsletter:one_click", kwargs={"token": token}),
        "mailto": f"mailto:{conf.unsubscribe_mailto()}?subject=unsubscribe%20{token}",
    }


def user_for_unsubscribe_token(token: str) -> User:
    """The user a token names. Raises InvalidUnsubscribeToken or User.DoesNotExist."""
    try:
        payload = _signer().unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidUnsubscribeToken(str(exc)) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        raise InvalidUnsubscribeToken("unexpected payload")
    return User.objects.get(pk=payload["u"])


def unsubscribe_with_token(*, token: str, source: Subscription.Source) -> User:
    user = user_for_unsubscribe_token(token)
    unsubscribe(user=user, source=source)
    return user
