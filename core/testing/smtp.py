"""A real SMTP server for tests and benchmarks (aiosmtpd), with switches for failure drills."""

from __future__ import annotations

import email
import email.policy
import logging
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller

# aiosmtpd logs every SMTP command at INFO: far too much for test output.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass
class ReceivedMessage:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    peer: object = None  # the client's address and port: one per SMTP connection

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)  # type: ignore[return-value]

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part else ""

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part else ""


@dataclass
class _Handler:
    messages: list[ReceivedMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    temporary_failures_left: int = 0
    rejected_recipients: set[str] = field(default_factory=set)
    refuse_sender: bool = False

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_sender:
            return "553 5.7.1 Sender address rejected"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.rejected_recipients:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.temporary_failures_left > 0:
                self.temporary_failures_left -= 1
                return "451 4.3.0 Temporary failure, try again later"
            self.messages.append(
                ReceivedMessage(
                    envelope.mail_from, list(envelope.rcpt_tos), envelope.content, session.peer
                )
            )
        return "250 Message accepted for delivery"


class SMTPTestServer:
    def __init__(self, *, port: int, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port
        self.handler = _Handler()
        self._controller: Controller | None = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(self.handler, hostname=self.host, port=self.port)
            self._controller.start()

    def stop(self) -> None:
        """Take the server down: connections are refused until `start()`."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def reset(self) -> None:
        with self.handler.lock:
            self.handler.messages.clear()
            self.handler.temporary_failures_left = 0
            self.handler.rejected_recipients.clear()
            self.handler.refuse_sender = False
        self.start()

    def fail_temporarily(self, times: int) -> None:
        """Answer the next `times` messages with 451 (try again later)."""
        self.handler.temporary_failures_left = times

    def reject_recipient(self, address: str) -> None:
        """Answer 550 for this address, as for a mailbox that does not exist."""
        self.handler.rejected_recipients.add(address.lower())

    def refuse_sender(self) -> None:
        """Answer 553 to MAIL FROM, as a server that does not let us send from our address."""
        self.handler.refuse_sender = True

    @property
    def messages(self) -> list[ReceivedMessage]:
        with self.handler.lock:
            return list(self.handler.messages)

    def messages_to(self, address: str) -> list[ReceivedMessage]:
        return [m for m in self.messages if address in m.rcpt_tos]
