"""An in-memory email backend that answers like a mail server can: 4xx, 5xx, refused."""

from __future__ import annotations

import smtplib

from django.core import mail
from django.core.mail.backends.locmem import EmailBackend


class Behaviour:
    temporary_failures_left = 0
    rejected: set[str] = set()
    refuse_connections = False
    refuse_sender = False
    opened = 0

    @classmethod
    def reset(cls) -> None:
        cls.temporary_failures_left = 0
        cls.rejected = set()
        cls.refuse_connections = False
        cls.refuse_sender = False
        cls.opened = 0


class FlakyBackend(EmailBackend):
    def open(self):
        if Behaviour.refuse_connections:
            raise ConnectionRefusedError(111, "Connection refused")
        Behaviour.opened += 1
        return True

    def send_messages(self, messages):
        for message in messages:
            if Behaviour.refuse_sender:
                raise smtplib.SMTPSenderRefused(
                    553, b"5.7.1 Sender not allowed", message.from_email
                )
            for address in message.to:
                if address in Behaviour.rejected:
                    raise smtplib.SMTPRecipientsRefused(
                        {address: (550, b"5.1.1 Mailbox unavailable")}
                    )
            if Behaviour.temporary_failures_left > 0:
                Behaviour.temporary_failures_left -= 1
                raise smtplib.SMTPDataError(451, b"4.3.0 Try again later")
        return super().send_messages(messages)


def outbox_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]
