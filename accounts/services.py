"""Account workflows with side effects."""

from __future__ import annotations

import logging

from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest

from accounts.models import User

logger = logging.getLogger(__name__)


@transaction.atomic
def delete_account(*, request: HttpRequest, user: User) -> None:
    """Delete the account and everything that hangs off it (emails, subscription, downloads)."""
    user_id = user.pk
    logout(request)
    user.delete()
    logger.info("account %s deleted at the user's request", user_id)
