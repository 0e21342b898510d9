"""The links an alert email carries: the one-click unsubscribe of that alert (RFC 8058), its
confirmation page, and the page that manages every alert; and the private feed's address.

An unsubscribe token is a `django.core.signing` signature of the saved search's id, with its own
salt; it does not expire, so an old email's link still works, and a forged one is refused.
"""

from __future__ import annotations

import uuid

from django.core import signing
from django.urls import reverse

from alerts.models import SavedSearch
from newsletter import conf

UNSUBSCRIBE_SALT = "alerts.unsubscribe"


class InvalidAlertToken(Exception):
    """The token was not signed by us, or was altered."""


def _signer() -> signing.Signer:
    return signing.Signer(salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(search_id: int) -> str:
    return _signer().sign_object({"a": search_id})


def search_for_token(token: str) -> SavedSearch:
    """The saved search a token names. Raises InvalidAlertToken or SavedSearch.DoesNotExist."""
    try:
        payload = _signer().unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidAlertToken(str(exc)) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("a"), int):
        raise InvalidAlertToken("unexpected payload")
    return SavedSearch.objects.select_related("user").get(pk=payload["a"])


def absolute(path: str) -> str:
    return f"{conf.site_url()}{path}"


def unsubscribe_urls(search_id: int) -> dict[str, str]:
    token = unsubscribe_token(search_id)
    return {
        "page": absolute(reverse("alerts:unsubscribe", args=[token])),
        "one_click": absolute(reverse("alerts:one_click", args=[token])),
    }


class UnsubscribeLinks:
    """`unsubscribe_urls` for many alerts: the URLs reversed once, with a placeholder for the
    token (as the newsletter's links, newsletter.unsubscribe)."""

    def __init__(self) -> None:
        placeholder = f"token-{uuid.uuid4().hex}"
        self._page = absolute(reverse("alerts:unsubscribe", args=[placeholder])).split(placeholder)
        self._one_click = absolute(reverse("alerts:one_click", args=[placeholder])).split(
            placeholder
        )
        self._signer = _signer()

    def for_search(self, search_id: int) -> dict[str, str]:
        token = self._signer.sign_object({"a": search_id})  # as unsubscribe_token()
        return {"page": token.join(self._page), "one_click": token.join(self._one_click)}


def manage_url() -> str:
    return absolute(reverse("alerts:list"))


def feed_url(search: SavedSearch) -> str:
    return absolute(reverse("alerts:feed", args=[search.feed_token])) if search.feed_token else ""
