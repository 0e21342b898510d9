from __future__ import annotations

import smtplib

import pytest

from core.smtp import Failure, backoff_seconds, classify, describe

# Each failure by the class it falls in, under a name that says what the server answered.
FAILURES = {
    # A 5xx refusal of the message.
    Failure.PERMANENT: {
        "recipient-550": smtplib.SMTPRecipientsRefused(
            {"gone@example.org": (550, b"5.1.1 Mailbox unavailable")}
        ),
        "data-554": smtplib.SMTPDataError(554, b"5.6.0 Message rejected as spam"),
        "every-recipient-5xx": smtplib.SMTPRecipientsRefused(
            {"a@example.org": (550, b"no"), "b@example.org": (553, b"bad address")}
        ),
    },
    # A 4xx answer about the message.
    Failure.TEMPORARY: {
        "data-451": smtplib.SMTPDataError(451, b"4.3.0 Try again later"),
        "recipient-452": smtplib.SMTPRecipientsRefused(
            {"busy@example.org": (452, b"4.2.2 Mailbox full")}
        ),
        "one-recipient-of-two-4xx": smtplib.SMTPRecipientsRefused(
            {"a@example.org": (550, b"no"), "b@example.org": (450, b"later")}
        ),
    },
    # Nothing about the recipient: the session or the connection failed.
    Failure.CONNECTION: {
        "disconnected": smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        "421-at-data": smtplib.SMTPDataError(421, b"4.3.2 Service shutting down"),
        "421-at-rcpt": smtplib.SMTPRecipientsRefused({"a@example.org": (421, b"4.3.2 closing")}),
        "sender-refused-553": smtplib.SMTPSenderRefused(
            553, b"5.7.1 Sender not allowed", "noreply@portal.example"
        ),
        "login-refused-535": smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"),
        "greeting-554": smtplib.SMTPConnectError(554, b"No SMTP service here"),
        "connection-refused": ConnectionRefusedError(111, "Connection refused"),
        "timeout": TimeoutError("timed out"),
    },
}


@pytest.mark.parametrize(
    ("exc", "failure"),
    [
        pytest.param(exc, failure, id=f"{failure.value}-{name}")
        for failure, failures in FAILURES.items()
        for name, exc in failures.items()
    ],
)
def test_a_5xx_about_the_message_is_permanent_a_4xx_temporary_else_a_connection_failure(
    exc, failure
):
    assert classify(exc) is failure


def test_the_backoff_doubles_from_its_base_up_to_its_maximum():
    waits = [backoff_seconds(n, base=30, maximum=3600) for n in range(1, 10)]

    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_the_backoff_before_any_attempt_is_the_base():
    assert backoff_seconds(0, base=10, maximum=50) == 10


def test_a_failure_is_described_by_its_class_and_the_servers_answer():
    exc = smtplib.SMTPDataError(451, b"4.3.0 Try again later")

    assert describe(exc) == "SMTPDataError: (451, b'4.3.0 Try again later')"
    assert len(describe(OSError("x" * 5000))) == 2000


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (smtplib.SMTPDataError(500, b"5.5.2 Syntax error"), Failure.PERMANENT),
        (smtplib.SMTPDataError(499, b"4.x edge"), Failure.TEMPORARY),
        (
            smtplib.SMTPRecipientsRefused({"a@example.com": (500, b"5.5.2 Syntax error")}),
            Failure.PERMANENT,
        ),
        (
            smtplib.SMTPRecipientsRefused(
                {"a@example.com": (500, b"no"), "b@example.com": (499, b"later")}
            ),
            Failure.TEMPORARY,
        ),
    ],
    ids=["500-data", "499-data", "500-recipient", "one-recipient-still-4xx"],
)
def test_every_5xx_from_500_on_is_permanent_and_anything_below_is_temporary(exc, kind):
    """RFC 5321: the first digit decides, so 500 itself is a permanent refusal."""
    assert classify(exc) is kind


def test_a_temporary_delivery_error_is_stored_with_the_servers_answer():
    from datetime import UTC, datetime

    from core.smtp import TemporaryDeliveryError

    error = TemporaryDeliveryError(
        "451 4.7.1 greylisted", retry_at=datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    )

    assert describe(error) == "TemporaryDeliveryError: 451 4.7.1 greylisted"
    assert error.retry_at == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
