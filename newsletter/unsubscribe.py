"""Unsubscribe links: a signed token per subscriber, in every email's footer and headers.

The token is `django.core.signing` with its own salt; it does not expire, so the link in an
old issue still works. It names the user only: a forged or altered token is refused.
"""

from __future__ import annotations

import uuid

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


class UnsubscribeLinks:
    """The links an email carries: the footer page, the RFC 8058 one-click URL (both
    absolute) and the mailto address, for any subscriber.

    The URLs are reversed once, with a placeholder for the token, and the settings read once;
    each subscriber's links are their signed token pasted in. Two `reverse()` calls and the
    settings for every message cost a fifth of a worker's CPU per message (docs/newsletter.md).
    """

    def __init__(self) -> None:
        placeholder = f"token-{uuid.uuid4().hex}"
        site = conf.site_url()
        self._page = (site + reverse("newsletter:unsubscribe", args=[placeholder])).split(
            placeholder
        )
        self._one_click = (site + reverse("newsletter:one_click", args=[placeholder])).split(
            placeholder
        )
        self._mailto = f"mailto:{conf.unsubscribe_mailto()}?subject=unsubscribe%20"
        self._signer = _signer()

    def for_user(self, user_id: int) -> dict[str, str]:
        token = self._signer.sign_object({"u": user_id})  # as token_for()
        return {
            "page": token.join(self._page),
            "one_click": token.join(self._one_click),
            "mailto": self._mailto + token,
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
