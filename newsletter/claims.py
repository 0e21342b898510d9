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
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from newsletter.models import Delivery, Subscription


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
    position = (after.next_attempt_at, after.id) if after else _HEAD
    with connection.cursor() as cursor:
        cursor.execute(_claim_sql(), [issue_id, timezone.now(), *position])
        row = cursor.fetchone()
    return Claimed(*row) if row else None


def record(delivery: Claimed, changes: dict[str, Any]) -> None:
    """Write a claimed row's outcome (in its claim's transaction)."""
    if changes.get("status") == Delivery.Status.SENT:
        with connection.cursor() as cursor:
            cursor.execute(
                _mark_sent_sql(),
                [changes["sent_at"], changes["attempts"], changes["last_attempt_at"], delivery.id],
            )
    else:  # a failure or a skip: rare, the ORM's cost does not matter
        Delivery.objects.filter(pk=delivery.id).update(**changes)


# Where a claim starts from the head of the claim index.
_HEAD = (datetime(1, 1, 1, tzinfo=UTC), 0)


# The two statements of every message are written once, not built by the ORM per message:
# building and compiling the claim's queryset cost 0.8 ms of CPU, more than the SMTP
# exchange (docs/newsletter.md). Only our models' table names and constants go into them.
@cache
def _claim_sql() -> str:
    """Params: the issue, now, and the position (next attempt time, id) to resume after.

    Served by `newsletter_delivery_claim_idx`, in its order: the row comparison is a range
    of that index, so the dead entries before the position are never visited.
    """
    quote = connection.ops.quote_name
    deliveries = quote(Delivery._meta.db_table)
    subscriptions = quote(Subscription._meta.db_table)
    users = quote(User._meta.db_table)
    return (
        "SELECT d.id, d.email, d.attempts, s.is_active AND u.is_active, u.id, u.first_name, "  # noqa: S608
        f"d.next_attempt_at FROM {deliveries} d "
        f"JOIN {subscriptions} s ON s.id = d.subscription_id JOIN {users} u ON u.id = s.user_id "
        f"WHERE d.issue_id = %s AND d.status = '{Delivery.Status.PENDING.value}' "
        "AND d.next_attempt_at <= %s AND (d.next_attempt_at, d.id) > (%s, %s) "
        "ORDER BY d.next_attempt_at, d.id LIMIT 1 FOR UPDATE OF d SKIP LOCKED"
    )


@cache
def _mark_sent_sql() -> str:
    """Params: sent at, attempts, attempted at, the row's id."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    return (
        f"UPDATE {table} SET status = '{Delivery.Status.SENT.value}', sent_at = %s, "  # noqa: S608
        "last_error = '', attempts = %s, last_attempt_at = %s WHERE id = %s"
    )


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
