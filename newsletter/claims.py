"""Claiming delivery rows: one row per transaction, locked while its message is sent.

A row is claimed by locking it (`SELECT ... FOR UPDATE SKIP LOCKED`) in a transaction that
stays open while its message is sent; its outcome is written and committed right after the
server's answer. So:

- a row is sent by one batch at a time: the others skip it while it is locked, and once the
  lock goes the row is no longer pending (sent, failed) or is due again only later (retry);
- a worker that dies (SIGKILL, lost host) has its database connection closed by the kernel;
  Postgres then rolls its open transaction back: the row in flight is pending again at once
  and nothing else was claimed. No row is lost, and every row sent before was committed;
- the only copy that can go twice is the row in flight, if the worker dies between the
  server's "250 accepted" and the commit of "sent": one message per killed process.

Two ways to run that same transaction per row:

- `claim_next()` and `record()`, in the caller's `with transaction.atomic():` block: the ORM,
  any database, inside another transaction too (SQLite for the local run, unit tests);
- `PipelinedClaims`, the workers' way on PostgreSQL: the same claim, but a row's
  outcome, its COMMIT, the BEGIN of the next row's transaction and its claim travel as one
  query, one round trip per message instead of four (measured in docs/newsletter.md: with
  four round trips the send rate fell from about 0.68 of the raw loop's to 0.49).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.db import connection
from django.utils import timezone
from psycopg.pq import ExecStatus, TransactionStatus

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


def claim_next(issue_id: int) -> Claimed | None:
    """Lock the issue's next due pending row (in the caller's transaction), skipping the
    rows other batches hold."""
    row = (
        Delivery.objects.select_for_update(skip_locked=True, of=("self",))
        .due()
        .filter(issue_id=issue_id)
        .order_by("next_attempt_at", "pk")
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
    """Write a claimed row's outcome, in its claim's transaction."""
    Delivery.objects.filter(pk=delivery.id).update(**changes)


def can_pipeline() -> bool:
    """PostgreSQL in autocommit, no transaction open. The caller also makes sure that nothing
    but smtplib runs between a claim and its outcome: Django code opening a transaction
    meanwhile would fail."""
    return (
        connection.vendor == "postgresql"
        and connection.get_autocommit()
        and not connection.in_atomic_block
    )


class PipelinedClaims:
    """The claims above, on PostgreSQL, with one round trip per message.

    `next()` opens a transaction and claims a row; `record(..., claim_next=True)` sends
    `UPDATE ...; COMMIT; BEGIN; <claim>` as one query: the row's outcome is committed one
    round trip after the SMTP server's answer, as with `atomic()`, and the next row is
    claimed in a transaction of its own. A failing statement stops the ones after it;
    `release()` (on leaving `pipelined_claims()`) rolls back whatever is open. Django's
    connection stays in autocommit and is not told about these transactions:
    `can_pipeline()` says when that is safe. The claim is a prepared statement (planned once
    per batch): a pooler in front of PostgreSQL must keep a session on one server connection
    (PgBouncer's session mode, not transaction mode).

    The claim resumes after the batch's last row, in the claim index's order: rows sent
    meanwhile leave dead entries at the head of the index until vacuum, and a claim that
    always started from the head would step over all of them, more at every message. A row
    given back behind that point (a killed worker's) is found when the claim looks from the
    head once more, before the batch decides that nothing is due.
    """

    def __init__(self, issue_id: int) -> None:
        self.issue_id = issue_id
        self._after = _HEAD
        self._cursor = connection.cursor()
        # Planned once per batch, not at every message: the claim joins three tables.
        self._claim_statement = f"newsletter_claim_{uuid.uuid4().hex}"
        self._execute(f"PREPARE {self._claim_statement} {_claim_sql()}", None)

    def next(self) -> Claimed | None:
        """Open a transaction and claim the next due row (None, and no transaction, if none)."""
        return self._claim("BEGIN; ", [])

    def record(
        self, delivery: Claimed, changes: dict[str, Any], *, claim_next: bool
    ) -> Claimed | None:
        """Write the row's outcome and commit; then claim the next row if asked."""
        update, params = _update_sql(delivery.id, changes)
        if not claim_next:
            self._execute(f"{update}; COMMIT", params)
            return None
        return self._claim(f"{update}; COMMIT; BEGIN; ", params)

    def _claim(self, before: str, params: list[Any]) -> Claimed | None:
        claim = f"EXECUTE {self._claim_statement}(%s, %s, %s, %s)"
        row = self._execute(before + claim, [*params, *self._claim_params()])
        if row is None and self._after is not _HEAD:
            self._after = _HEAD  # nothing after our last row: look from the head, once
            row = self._execute(claim, self._claim_params())
        if row is None:
            self._execute("COMMIT", None)  # the claim's empty transaction
            return None
        claimed = Claimed(*row)
        self._after = (claimed.next_attempt_at, claimed.id)
        return claimed

    def _claim_params(self) -> list[Any]:
        return [self.issue_id, timezone.now(), *self._after]

    def _execute(self, sql: str, params: list[Any] | None) -> tuple[Any, ...] | None:
        """The last statement's first row, if it returns rows."""
        self._cursor.execute(sql, params)
        while self._cursor.nextset():
            pass
        if self._cursor.pgresult.status == ExecStatus.TUPLES_OK:
            return self._cursor.fetchone()
        return None

    def release(self) -> None:
        """Roll back the row in flight, if any (it stays as it was); forget the claim."""
        with suppress(Exception):
            if connection.connection.info.transaction_status != TransactionStatus.IDLE:
                self._cursor.execute("ROLLBACK")
            self._cursor.execute(f"DEALLOCATE {self._claim_statement}")
        with suppress(Exception):
            self._cursor.close()


@contextmanager
def pipelined_claims(issue_id: int) -> Iterator[PipelinedClaims]:
    claims = PipelinedClaims(issue_id)
    try:
        yield claims
    finally:
        claims.release()


# Where a claim starts from the head of the claim index.
_HEAD = (datetime(1, 1, 1, tzinfo=UTC), 0)


@cache
def _claim_sql() -> str:
    """The claim, to prepare: $1 the issue, $2 now, ($3, $4) the position to resume after
    (next attempt time, id), a row comparison that `newsletter_delivery_claim_idx` serves as
    a range, in its order. Only our models' table names go into it."""
    quote = connection.ops.quote_name
    deliveries = quote(Delivery._meta.db_table)
    subscriptions = quote(Subscription._meta.db_table)
    users = quote(User._meta.db_table)
    return (
        "(bigint, timestamptz, timestamptz, bigint) AS "  # noqa: S608
        "SELECT d.id, d.email, d.attempts, s.is_active AND u.is_active, u.id, u.first_name, "
        f"d.next_attempt_at FROM {deliveries} d "
        f"JOIN {subscriptions} s ON s.id = d.subscription_id JOIN {users} u ON u.id = s.user_id "
        f"WHERE d.issue_id = $1 AND d.status = '{Delivery.Status.PENDING.value}' "
        "AND d.next_attempt_at <= $2 AND (d.next_attempt_at, d.id) > ($3, $4) "
        "ORDER BY d.next_attempt_at, d.id LIMIT 1 FOR UPDATE OF d SKIP LOCKED"
    )


def _update_sql(delivery_id: int, changes: dict[str, Any]) -> tuple[str, list[Any]]:
    return _update_statement(tuple(changes)), [*changes.values(), delivery_id]


@cache
def _update_statement(fields: tuple[str, ...]) -> str:
    """An outcome's UPDATE, for the fields it sets (one statement per kind of outcome)."""
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(Delivery._meta.get_field(name).column)} = %s" for name in fields)
    return f"UPDATE {quote(Delivery._meta.db_table)} SET {columns} WHERE id = %s"  # noqa: S608


@contextmanager
def relaxed_commit_flush() -> Iterator[None]:
    """Let this batch's commits return before their WAL records are flushed to disk.

    One commit per message (so that a killed worker loses at most the one in flight) would
    otherwise wait for a disk flush each time, which costs more than sending the email. It
    changes nothing when the worker dies: the database server already holds the commit. Only
    if Postgres itself crashed could the last fraction of a second of "sent" marks revert to
    pending, and those few messages go out twice.
    """
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
