"""Claiming delivery rows: one row per transaction, locked while its message is sent.

The caller opens a transaction per row (`with transaction.atomic():`), claims the row in it
with `claim_next()` (`SELECT ... FOR UPDATE SKIP LOCKED`), sends the message, writes the
outcome with `record()`, and commits right after the server's answer. So:

- a row is sent by one batch at a time: the others skip it while it is locked, and once the
  lock goes the row is no longer pending (sent, failed) or is due again only later (retry);
- a worker that dies (SIGKILL, lost host) has its database connection closed by the kernel;
  Postgres then rolls its open transaction back: the row in flight is pending again at once
  and nothing else was claimed. No row is lost, and every row sent before was committed;
- the only copy that can go twice is the row in flight, if the worker dies between the
  server's "250 accepted" and the commit of "sent": one message per killed process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.utils import timezone

from newsletter.models import Delivery


@dataclass(frozen=True)
class Claimed:
    """A delivery row claimed for sending: what the send needs, nothing more."""

    id: int
    email: str
    attempts: int
    active: bool  # the subscription and the user, as of the claim
    user_id: int
    first_name: str
    next_attempt_at: datetime


def claim_next(issue_id: int, *, after: Claimed | None = None) -> Claimed | None:
    """Lock the issue's next due pending row, skipping the rows other batches hold.

    Call it in a transaction: the row stays locked until that transaction ends. `after` is
    the batch's previous row: the claim resumes behind it in the claim index's order. Rows
    sent meanwhile leave dead entries at the head of that index until vacuum, and a claim
    that always started from the head would step over all of them, more at every message.
    A row given back behind `after` (a killed worker's) is found by a claim without it.
    """
    rows = Delivery.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        issue_id=issue_id, status=Delivery.Status.PENDING, next_attempt_at__lte=timezone.now()
    )
    if after is not None:
        # (next_attempt_at, id) > (after's): a row comparison the index serves as a range.
        position = Tuple(F("next_attempt_at"), F("pk"))
        rows = rows.filter(TupleGreaterThan(position, (after.next_attempt_at, after.id)))
    row = (
        rows.order_by("next_attempt_at", "pk")
        .values_list(
            "pk",
            "email",
            "attempts",
            "subscription__is_active",
            "subscription__user__is_active",
            "subscription__user_id",
            "subscription__user__first_name",
            "next_attempt_at",
        )
        .first()
    )
    if row is None:
        return None
    pk, email, attempts, subscribed, user_active, user_id, first_name, next_attempt_at = row
    return Claimed(
        pk, email, attempts, subscribed and user_active, user_id, first_name, next_attempt_at
    )


def record(delivery: Claimed, changes: dict[str, Any]) -> None:
    """Write a claimed row's outcome (in its claim's transaction)."""
    Delivery.objects.filter(pk=delivery.id).update(**changes)


@contextmanager
def relaxed_commit_flush() -> Iterator[None]:
    """Let this batch's commits return before their WAL records are flushed to disk.

    One commit per message (so that a killed worker loses at most the one in flight) would
    otherwise wait for a disk flush each time, which costs more than sending the email. It
    changes nothing when the worker dies: the database server already holds the commit. Only
    if Postgres itself crashed could the last fraction of a second of "sent" marks revert to
    pending, and those few messages go out twice.
    """
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with suppress(Exception), connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")
