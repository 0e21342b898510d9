"""Account workflows with side effects."""

from __future__ import annotations

import logging

from allauth.account.models import EmailAddress
from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from core.sessions import end_user_sessions
from mailer.services import delete_emails_to

logger = logging.getLogger(__name__)


@transaction.atomic
def delete_account(*, request: HttpRequest, user: User) -> None:
    """Delete the account and everything that hangs off it (emails, subscription, downloads).

    Every session of the account ends, on this device and on the others, in the database
    and in the session cache: a session must not go on naming a deleted account. The outbox
    rows to any of its addresses go too, pending ones included (they hold the address and
    the subject): in this transaction, so a failed deletion keeps them.
    """
    user_id = user.pk
    addresses = {
        user.email,
        *EmailAddress.objects.filter(user=user).values_list("email", flat=True),
    }
    logout(request)
    ended = end_user_sessions(user_id)
    emails = delete_emails_to(addresses=addresses)
    user.delete()
    logger.info(
        "account %s deleted at the user's request; %s other sessions ended, %s outbox emails deleted",
        user_id,
        ended,
        emails,
    )
