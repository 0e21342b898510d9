"""Account workflows with side effects."""

from __future__ import annotations

import logging

from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from core.sessions import end_user_sessions

logger = logging.getLogger(__name__)


@transaction.atomic
def delete_account(*, request: HttpRequest, user: User) -> None:
    """Delete the account and everything that hangs off it (emails, subscription, downloads).

    Every session of the account ends, on this device and on the others, in the database
    and in the session cache: a session must not go on naming a deleted account.
    """
    user_id = user.pk
    logout(request)
    ended = end_user_sessions(user_id)
    user.delete()
    logger.info("account %s deleted at the user's request; %s other sessions ended", user_id, ended)
