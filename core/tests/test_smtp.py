from __future__ import annotations

import smtplib

import pytest

from core.smtp import Failure, backoff_seconds, classify, describe


@pytest.mark.parametrize(
    "exc",
    [
        smtplib.SMTPRecipientsRefused({"gone@example.org": (550, b"5.1.1 Mailbox unavailable")}),
        smtplib.SMTPDataError(554, b"5.6.0 Message rejected as spam"),
        smtplib.SMTPRecipientsRefused(
            {"a@example.org": (550, b"no"), "b@example.org": (553, b"bad address")}
        ),
    ],
    ids=["recipient-550", "data-554", "every-recipient-5xx"],
)
def test_a_5xx_refusal_of_the_message_is_permanent(exc):
    assert classify(exc) is Failure.PERMANENT


@pytest.mark.parametrize(
    "exc",
    [
        smtplib.SMTPDataError(451, b"4.3.0 Try again later"),
        smtplib.SMTPRecipientsRefused({"busy@example.org": (452, b"4.2.2 Mailbox full")}),
        smtplib.SMTPRecipientsRefused(
            {"a@example.org": (550, b"no"), "b@example.org": (450, b"later")}
        ),
    ],
    ids=["data-451", "recipient-452", "one-recipient-of-two-4xx"],
)
def test_a_4xx_answer_about_the_message_is_temporary(exc):
    assert classify(exc) is Failure.TEMPORARY


@pytest.mark.parametrize(
    "exc",
    [
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        smtplib.SMTPDataError(421, b"4.3.2 Service shutting down"),
        smtplib.SMTPRecipientsRefused({"a@example.org": (421, b"4.3.2 closing")}),
        smtplib.SMTPSenderRefused(553, b"5.7.1 Sender not allowed", "noreply@portal.example"),
        smtplib.SMTPAuthenticationError(535, b"5.7.8 Bad credentials"),
        smtplib.SMTPConnectError(554, b"No SMTP service here"),
        ConnectionRefusedError(111, "Connection refused"),
        TimeoutError("timed out"),
    ],
    ids=[
        "disconnected",
        "421-at-data",
        "421-at-rcpt",
        "sender-refused-553",
        "login-refused-535",
        "greeting-554",
        "connection-refused",
        "timeout",
    ],
)
def test_a_failure_that_says_nothing_about_the_recipient_is_a_connection_failure(exc):
    assert classify(exc) is Failure.CONNECTION


def test_the_backoff_doubles_from_its_base_up_to_its_maximum():
    waits = [backoff_seconds(n, base=30, maximum=3600) for n in range(1, 10)]

    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_the_backoff_before_any_attempt_is_the_base():
    assert backoff_seconds(0, base=10, maximum=50) == 10


def test_a_failure_is_described_by_its_class_and_the_servers_answer():
    exc = smtplib.SMTPDataError(451, b"4.3.0 Try again later")

    assert describe(exc) == "SMTPDataError: (451, b'4.3.0 Try again later')"
    assert len(describe(OSError("x" * 5000))) == 2000
