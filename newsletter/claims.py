"""Claiming delivery rows: one row per transaction, locked while its message is sent.

A row is claimed by locking it (`SELECT ... FOR UPDATE SKIP LOCKED`) in a transaction that
stays open while its message is sent, and its outcome is written and committed right after
the server's answer. So:
- a row is sent by one batch at a time: the others skip it while it is locked, and once the
  lock goes the row is no longer pending (sent, failed) or is due again only later (retry);
- a worker that dies (SIGKILL, lost host) has its database connection closed by the kernel;
  Postgres then rolls its open transaction back: the row in flight is pending again at once
  and nothing else was claimed. No row is lost, and every row sent before was committed;
- the only copy that can go twice is the row in flight, if the worker dies between the
  server's "250 accepted" and the commit of "sent": one message per killed process.
`PipelinedClaims` keeps exactly this scheme with one database round trip per message.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from django.db import connection, transaction
from django.utils import timezone
from psycopg.pq import ExecStatus, TransactionStatus

from accounts.models import User
from core.smtp import TemporaryDeliveryError
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


class AtomicClaims:
    """One Django transaction per row, with the ORM: works on any database, in any context."""

    def __init__(self, issue_id: int) -> None:
        self.issue_id = issue_id
        self._atomic: Any = None

    def next(self) -> Claimed | None:
        """Open a transaction and claim the next due row in it (None, and no transaction, if
        there is none)."""
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        try:
            row = (
                Delivery.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    issue_id=self.issue_id,
                    status=Delivery.Status.PENDING,
                    next_attempt_at__lte=timezone.now(),
                )
                .order_by("next_attempt_at", "pk")
                .values_list(
                    "pk",
                    "email",
                    "attempts",
                    "subscription__is_active",
                    "subscription__user__is_active",
                    "subscription__user_id",
                    "subscription__user__first_name",
                )
                .first()
            )
        except BaseException:
            self.release()
            raise
        if row is None:
            self._end()
            return None
        pk, email, attempts, subscribed, user_active, user_id, first_name = row
        return Claimed(pk, email, attempts, subscribed and user_active, user_id, first_name)

    def record(
        self, delivery: Claimed, changes: dict[str, Any], *, claim_next: bool
    ) -> Claimed | None:
        """Write the row's outcome and commit; then claim the next row if asked."""
        try:
            Delivery.objects.filter(pk=delivery.id).update(**changes)
        except BaseException:
            self.release()
            raise
        self._end()
        return self.next() if claim_next else None

    def _end(self) -> None:
        atomic, self._atomic = self._atomic, None
        atomic.__exit__(None, None, None)

    def release(self) -> None:
        """Roll back the transaction in flight, if any: its row stays as it was."""
        atomic, self._atomic = self._atomic, None
        if atomic is not None:
            error = TemporaryDeliveryError("claim released")
            atomic.__exit__(type(error), error, None)


class PipelinedClaims:
    """The same claims on PostgreSQL with one round trip per message instead of four.

    `AtomicClaims` pays BEGIN, the claim, the update and COMMIT, each a round trip through
    the ORM. Here the outcome of one row, its commit and the claim of the next row travel as
    one multi-statement query (`EXECUTE mark; COMMIT; BEGIN; EXECUTE claim`):

    - the update runs in the row's own transaction, which holds its lock since it was claimed,
      and the COMMIT that follows it is in the very same message to the server: "sent" is
      committed one round trip after the SMTP server's answer, as before;
    - the claim of the next row starts a new transaction: a killed worker rolls back that row
      alone, exactly as with one transaction per row (the scheme described above is unchanged).

    The claim and the "sent" update are prepared statements (planned once per batch, not per
    message). The claim resumes after the last row this batch claimed, in the claim index's
    order: rows sent meanwhile leave dead entries at the head of the index, and a claim that
    always started from the head would step over all of them, ever more as the issue goes on
    (quadratic in its size). Rows behind that point (one a killed worker's transaction gave
    back, for one) are not forgotten: when nothing is found after it, the claim looks once
    more from the head before the batch decides that nothing is due.

    Statements after a failing one are not run; `release()` rolls back whatever is open.
    Django is not told about these transactions (its connection stays in autocommit), so this
    is used only outside any `atomic()` block and when nothing but smtplib runs while a row is
    claimed (`sending.Sender.only_smtp`): Django code opening a transaction meanwhile would fail.
    The prepared statements live in the database session: a pooler in front of Postgres must
    keep a session on one server connection (PgBouncer's session mode, not transaction mode).
    """

    def __init__(self, issue_id: int) -> None:
        self.issue_id = issue_id
        self._connection = connection
        connection.ensure_connection()
        # psycopg's own cursor (Django's cursor class for it: client-side binding), without
        # Django's wrapper: its errors still become Django's below (`wrap_database_errors`).
        self._cursor = connection.connection.cursor()
        self._rows_returned = ExecStatus.TUPLES_OK
        self._released = False
        self._after = _HEAD
        key = uuid.uuid4().hex
        self._claim = f"newsletter_claim_{key}"
        self._mark_sent = f"newsletter_mark_sent_{key}"
        try:
            self._cursor.execute(f"PREPARE {self._claim} {_claim_sql()}")
            self._cursor.execute(f"PREPARE {self._mark_sent} {_mark_sent_sql()}")
        except BaseException:
            self.release()
            raise

    def next(self) -> Claimed | None:
        return self._run("BEGIN; ", [])

    def record(
        self, delivery: Claimed, changes: dict[str, Any], *, claim_next: bool
    ) -> Claimed | None:
        if changes.get("status") == Delivery.Status.SENT.value:
            update = f"EXECUTE {self._mark_sent}(%s, %s, %s, %s)"
            params = [delivery.id, changes["sent_at"], changes["attempts"]]
            params.append(changes["last_attempt_at"])
        else:
            update, params = _update_sql(delivery.id, changes)
        if not claim_next:
            self._execute(f"{update}; COMMIT", params)
            return None
        return self._run(f"{update}; COMMIT; BEGIN; ", params)

    def _run(self, before: str, params: list[Any]) -> Claimed | None:
        """Run `before` (which opens the claim's transaction), then claim the next row."""
        claim = f"EXECUTE {self._claim}(%s, %s, %s, %s)"
        row = self._execute(before + claim, [*params, *self._claim_params()])
        if row is None and self._after is not _HEAD:
            self._after = _HEAD  # nothing after our last row: look from the head, once
            row = self._execute(claim, self._claim_params())
        if row is None:
            self._execute("COMMIT", [])  # close the claim's empty transaction
            return None
        claimed = Claimed(*row[:6])
        self._after = (row[6], claimed.id)
        return claimed

    def _claim_params(self) -> list[Any]:
        return [self.issue_id, timezone.now(), *self._after]

    def _execute(self, sql: str, params: list[Any]) -> tuple[Any, ...] | None:
        """The last statement's first row, if it returns rows."""
        cursor = self._cursor
        try:
            with self._connection.wrap_database_errors:
                cursor.execute(sql, params)
                while cursor.nextset():
                    pass
                returned_rows = cursor.pgresult.status == self._rows_returned
                return cursor.fetchone() if returned_rows else None
        except BaseException:
            self.release()
            raise

    def _in_transaction(self) -> bool:
        return self._connection.connection.info.transaction_status != TransactionStatus.IDLE

    def release(self) -> None:
        """Roll back the row in flight, if any, and forget the prepared statements."""
        if self._released:
            return
        self._released = True
        with suppress(Exception):
            if self._in_transaction():
                self._cursor.execute("ROLLBACK")
            self._cursor.execute(f"DEALLOCATE {self._claim}; DEALLOCATE {self._mark_sent}")
        with suppress(Exception):
            self._cursor.close()


def _can_pipeline() -> bool:
    """PostgreSQL through psycopg 3 with client-side binding, in autocommit."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    if not connection.get_autocommit():
        return False
    connection.ensure_connection()
    return isinstance(connection.connection, psycopg.Connection) and issubclass(
        connection.connection.cursor_factory, psycopg.ClientCursor
    )


# Where a claim starts from the head of the claim index.
_HEAD = (datetime(1, 1, 1, tzinfo=UTC), 0)


def _claim_sql() -> str:
    """The claim, to prepare: $1 issue, $2 now, ($3, $4) the last row claimed (next attempt
    time and id). Served by `newsletter_delivery_claim_idx`, in its order."""
    quote = connection.ops.quote_name
    deliveries, subscriptions = Delivery._meta.db_table, Subscription._meta.db_table
    users = User._meta.db_table
    pending = Delivery.Status.PENDING.value
    # Only table names and constants of our own models are interpolated.
    tables = f"{quote(deliveries)} d JOIN {quote(subscriptions)} s ON s.id = d.subscription_id"
    tables += f" JOIN {quote(users)} u ON u.id = s.user_id"
    return (
        "(bigint, timestamptz, timestamptz, bigint) AS "  # noqa: S608
        "SELECT d.id, d.email, d.attempts, s.is_active AND u.is_active, u.id, u.first_name, "
        f"d.next_attempt_at FROM {tables} "
        f"WHERE d.issue_id = $1 AND d.status = '{pending}' AND d.next_attempt_at <= $2 "
        "AND (d.next_attempt_at, d.id) > ($3, $4) "
        "ORDER BY d.next_attempt_at, d.id LIMIT 1 "
        "FOR UPDATE OF d SKIP LOCKED"
    )


def _mark_sent_sql() -> str:
    """The "sent" update, to prepare: $1 id, $2 sent at, $3 attempts, $4 attempted at."""
    table = connection.ops.quote_name(Delivery._meta.db_table)
    sent = Delivery.Status.SENT.value
    return (
        "(bigint, timestamptz, integer, timestamptz) AS "  # noqa: S608
        f"UPDATE {table} SET status = '{sent}', sent_at = $2, last_error = '', "
        "attempts = $3, last_attempt_at = $4 WHERE id = $1"
    )


def _update_sql(delivery_id: int, changes: dict[str, Any]) -> tuple[str, list[Any]]:
    quote = connection.ops.quote_name
    columns = ", ".join(f"{quote(Delivery._meta.get_field(name).column)} = %s" for name in changes)
    sql = f"UPDATE {quote(Delivery._meta.db_table)} SET {columns} WHERE id = %s"  # noqa: S608
    return sql, [*changes.values(), delivery_id]


@contextmanager
def claims(issue_id: int, *, only_smtp: bool) -> Iterator[AtomicClaims | PipelinedClaims]:
    claims = PipelinedClaims(issue_id) if only_smtp and _can_pipeline() else AtomicClaims(issue_id)
    try:
        yield claims
    finally:
        claims.release()


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
