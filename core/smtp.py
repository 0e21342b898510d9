"""What an SMTP failure means, and how long to wait before trying again: for every sender.

A mail server's answer falls in one of three kinds, and each sender acts on the kind:

- `PERMANENT`: a 5xx refusal of the message or of its recipient ("no such mailbox"). Trying
  again will not help: the message fails.
- `TEMPORARY`: a 4xx answer about this message ("mailbox busy, try later"): the message
  waits and is tried again after `backoff_seconds()`.
- `CONNECTION`: a failure that says nothing about the recipient: the server is down, refuses
  or drops the connection, answers 421 (closing), refuses our sender or our login, or the
  network fails. Nothing should be counted against the recipient: the outbox treats it as
  temporary, the newsletter stops its batch, leaving every row as it was, and retries the batch.
"""

from __future__ import annotations

import enum
import smtplib
from datetime import datetime


class TemporaryDeliveryError(Exception):
    """The mail server could not take the message now; it is tried again later.

    `retry_at` is when, if the caller's row says so (the outbox row's `next_attempt_at`).
    """

    def __init__(self, message: str, *, retry_at: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class Failure(enum.Enum):
    PERMANENT = "permanent"
    TEMPORARY = "temporary"
    CONNECTION = "connection"


# Failures of the session, not of a message: smtplib raises them before or around any
# recipient (and a refused sender is our configuration, never the subscriber's fault).
_SESSION_ERRORS = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
    smtplib.SMTPSenderRefused,
)
SERVER_CLOSING = 421


def classify(exc: BaseException) -> Failure:
    """The kind of an exception raised while opening an SMTP connection or sending over it."""
    if isinstance(exc, _SESSION_ERRORS):
        return Failure.CONNECTION
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        if SERVER_CLOSING in codes:
            return Failure.CONNECTION
        return Failure.PERMANENT if codes and min(codes) >= 500 else Failure.TEMPORARY
    if isinstance(exc, smtplib.SMTPResponseException):
        if exc.smtp_code == SERVER_CLOSING:
            return Failure.CONNECTION
        return Failure.PERMANENT if exc.smtp_code >= 500 else Failure.TEMPORARY
    if isinstance(exc, smtplib.SMTPException):
        return Failure.TEMPORARY  # smtplib's own complaints with no code: try again
    return Failure.CONNECTION  # OSError, TimeoutError: the network


def describe(exc: BaseException) -> str:
    """The failure as it is stored on the row for the admin: class and server answer."""
    return f"{type(exc).__name__}: {exc}"[:2000]


def backoff_seconds(attempts: int, *, base: float, maximum: float) -> float:
    """The wait after the `attempts`-th failed attempt: base, twice the base, four times... up to the maximum."""
    return min(base * 2 ** max(attempts - 1, 0), maximum)
