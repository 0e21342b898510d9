"""Saving, changing and deleting saved searches, and their private feed links: one place per
rule (the cap, one alert per search, verified accounts only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.guards import has_verified_email
from accounts.models import User
from alerts.models import SavedSearch, new_feed_token
from media_library.models import WEBSEARCH_OR_NOT


class AlertRefused(Exception):
    """The reader may not save this alert; the message says why, in their language."""


def normalised_query(query: str) -> str:
    return " ".join((query or "").split())


def uses_phrase_pairs(query: str) -> bool:
    """The catalogue's rule (VideoQuerySet.search): quoted phrases are checked by their word
    pairs unless the query uses `or` or `-`."""
    return '"' in query and not WEBSEARCH_OR_NOT.search(query)


def fill(search: SavedSearch, filters: Mapping[str, Any]) -> None:
    search.query = normalised_query(filters.get("q") or "")
    search.phrase = uses_phrase_pairs(search.query)
    search.category = filters.get("category")
    search.event = filters.get("event")
    search.language = filters.get("language")
    search.country = filters.get("country") or ""
    search.date_from = filters.get("date_from")
    search.date_to = filters.get("date_to")
    search.min_height = filters.get("min_height") or None
    search.wanted = {
        term: str(filters[term]) for term in ("category", "event", "language") if filters.get(term)
    }
    search.signature = search.compute_signature()


def save_search(
    *, user: User, filters: Mapping[str, Any], frequency: str, email_language: str
) -> SavedSearch:
    """Save the catalogue search `filters` (VideoFilterForm's cleaned data; its order is not
    part of it) as an alert of `user`. Raises AlertRefused with the reason."""
    if not has_verified_email(user):
        raise AlertRefused(_("Verify your email address to save alerts."))
    with transaction.atomic():
        # Counted under the account's row lock: two quick clicks cannot both pass the cap.
        User.objects.select_for_update().filter(pk=user.pk).first()
        cap = settings.ALERTS_MAX_PER_USER
        if SavedSearch.objects.of(user).count() >= cap:
            raise AlertRefused(
                _(
                    "You already have %(cap)d alerts, the most an account may keep. Delete one "
                    "under My account to save this one."
                )
                % {"cap": cap}
            )
        search = SavedSearch(user=user, frequency=frequency, email_language=email_language)
        fill(search, filters)
        if SavedSearch.objects.of(user).filter(signature=search.signature).exists():
            raise AlertRefused(_("You already have an alert for this search."))
        try:
            with transaction.atomic():
                search.save()
        except IntegrityError as exc:
            raise AlertRefused(_("You already have an alert for this search.")) from exc
    return search


def update_search(
    *, search: SavedSearch, frequency: str, email_language: str, active: bool
) -> SavedSearch:
    search.frequency = frequency
    search.email_language = email_language
    search.active = active
    search.save(update_fields=["frequency", "email_language", "active"])
    return search


def delete_search(*, user: User, search_id: int) -> bool:
    deleted, _ = SavedSearch.objects.of(user).filter(pk=search_id).delete()
    return bool(deleted)


def stop_search(*, search: SavedSearch) -> None:
    """The unsubscribe link of its emails: the alert stays listed, switched off."""
    SavedSearch.objects.filter(pk=search.pk).update(active=False)


def renew_feed(*, search: SavedSearch) -> SavedSearch:
    """A new private feed address; the old one stops working at once."""
    search.feed_token = new_feed_token()
    search.save(update_fields=["feed_token"])
    return search


def revoke_feed(*, search: SavedSearch) -> SavedSearch:
    search.feed_token = None
    search.save(update_fields=["feed_token"])
    return search
