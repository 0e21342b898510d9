"""An issue's message as SMTP bytes from a template, not rebuilt by the email package per copy.

Django builds each `EmailMultiAlternatives` with Python's email package: MIME objects, header
encoding and folding, then a generator pass. That costs more CPU per message than the whole
SMTP exchange with the server. The copies of one issue differ only in a few values: the
address, Message-ID, Date, List-Unsubscribe, and the first name and unsubscribe link in each
part. So the message is built once per batch (of 200 by default), through the very same
Django code, with a marker in each of those places, and each copy is the template's bytes with
the markers replaced.

That is only done when the checks below show it gives the message Django would have built
(same headers, same parts, same transfer encodings): the markers must come out of the email
package verbatim, in 7bit or 8bit parts (never quoted-printable or base64), and each
recipient's values must be ones Django would write as they are (a plain ASCII address, a name
without line breaks, no line over 998 bytes...). Otherwise `MessageTemplate.fill` returns
None and the caller builds that one message the usual way. The only byte-level differences
from Django's own output: the MIME boundary is fixed per template instead of drawn per
message, and List-Unsubscribe, which is always longer than a line, is folded once after its
comma instead of also before its first URL (the same header once unfolded).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.core.mail import EmailMultiAlternatives

# A dot-atom address in ASCII: what Django's sanitize_address() returns unchanged.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\Z")
MAX_LINE_BYTES = 998  # RFC 5322; Django switches a part to quoted-printable beyond it
HEADER_LINE = 78  # beyond it the email package would fold a header


@dataclass(frozen=True)
class Recipient:
    """What differs from one copy to the next."""

    to: str
    message_id: str
    date: str
    list_unsubscribe: tuple[str, str]  # the one-click URL and the mailto URL
    first_name: str
    first_name_html: str
    link: str
    link_html: str


class Markers:
    """Unique placeholders, one per varying value, that the email package leaves alone."""

    def __init__(self, *, ascii_name: bool = True) -> None:
        key = uuid.uuid4().hex
        # A name outside ASCII makes Django mark a part "8bit" instead of "7bit": the template
        # for such names is built with a marker outside ASCII too, so it carries the same label.
        accent = "" if ascii_name else "\u00e9"
        self.to = f"to-{key}@marker.invalid"
        self.message_id = f"<message-id-{key}@marker.invalid>"
        self.date = f"date-{key}"
        self.list_unsubscribe = f"list-unsubscribe-{key}"
        self.text_name = f"[text-name-{key}{accent}]"
        self.html_name = f"[html-name-{key}{accent}]"
        self.text_link = f"[text-link-{key}]"
        self.html_link = f"[html-link-{key}]"


# Line breaks and other control characters: the email package would rewrite those.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


class MessageTemplate:
    """One issue's message with a marker in place of each per-recipient value.

    Build it with `MessageTemplate.build(make_email, ascii_name=...)`, where `make_email`
    builds the `EmailMultiAlternatives` for the values it is given (the same function builds
    the real messages, so the template and Django's message cannot drift apart).
    """

    def __init__(
        self, pieces: list[bytes | str], *, boundary: bytes, ascii_name: bool, longest_line: int
    ) -> None:
        self._pieces = pieces  # literal bytes, and slot names (str) where a value goes
        self._boundary = boundary
        self._boundaries = sum(
            piece.count(boundary) for piece in pieces if isinstance(piece, bytes)
        )
        self._ascii_name = ascii_name
        self._longest_line = longest_line  # the longest line, its markers left out
        self._template_length = sum(len(piece) for piece in pieces if isinstance(piece, bytes))

    @classmethod
    def build(
        cls, make_email: Callable[..., EmailMultiAlternatives], *, ascii_name: bool
    ) -> MessageTemplate | None:
        """The template, or None if the email package did not leave every marker intact."""
        markers = Markers(ascii_name=ascii_name)
        email = make_email(
            to=markers.to,
            message_id=markers.message_id,
            date=markers.date,
            list_unsubscribe=markers.list_unsubscribe,
            first_name=markers.text_name,
            first_name_html=markers.html_name,
            link=markers.text_link,
            link_html=markers.html_link,
        )
        mime = email.message()
        for part in mime.walk():
            if part.is_multipart():
                continue
            if part.get("Content-Transfer-Encoding") not in ("7bit", "8bit"):
                return None  # quoted-printable or base64: values cannot be pasted in
        data = mime.as_bytes(linesep="\r\n")
        boundary = mime.get_boundary()
        if not boundary:
            return None

        headers = {
            "to": b"\r\nTo: %s\r\n",
            "message_id": b"\r\nMessage-ID: %s\r\n",
            "date": b"\r\nDate: %s\r\n",
            "list_unsubscribe": b"\r\nList-Unsubscribe: %s\r\n",
        }
        bodies = {
            "text_name": email.body.count(markers.text_name),
            "html_name": email.alternatives[0][0].count(markers.html_name),
            "text_link": email.body.count(markers.text_link),
            "html_link": email.alternatives[0][0].count(markers.html_link),
        }
        encoded = {slot: getattr(markers, slot).encode() for slot in (*headers, *bodies)}
        for slot, line in headers.items():
            if data.count(encoded[slot]) != 1 or data.count(line % encoded[slot]) != 1:
                return None
        for slot, expected in bodies.items():
            if data.count(encoded[slot]) != expected:
                return None

        by_marker = {marker: slot for slot, marker in encoded.items()}
        splitter = re.compile(b"|".join(re.escape(marker) for marker in by_marker))
        pieces: list[bytes | str] = []
        position = 0
        for match in splitter.finditer(data):
            pieces.append(data[position : match.start()])
            pieces.append(by_marker[match.group()])
            position = match.end()
        pieces.append(data[position:])
        longest_line = max(len(splitter.sub(b"", line)) for line in data.split(b"\r\n"))
        return cls(
            pieces, boundary=boundary.encode(), ascii_name=ascii_name, longest_line=longest_line
        )

    def fill(self, recipient: Recipient) -> bytes | None:
        """The message for one recipient, or None when only the email package may build it."""
        name = recipient.first_name
        if name.isascii() != self._ascii_name or not _PLAIN_ADDRESS.match(recipient.to):
            return None
        one_click, mailto = recipient.list_unsubscribe
        fixed = (recipient.link, recipient.link_html, one_click, mailto)
        if not all(value.isascii() for value in fixed):
            return None  # they go where the template may say "7bit"
        headers = (
            ("To", recipient.to),
            ("Message-ID", recipient.message_id),
            ("Date", recipient.date),
        )
        if any(len(field) + 2 + len(value) > HEADER_LINE for field, value in headers):
            return None  # the email package would have folded (or encoded) it
        if not recipient.message_id.isascii() or not recipient.date.isascii():
            return None
        every = (name, recipient.first_name_html, *fixed, recipient.message_id, recipient.date)
        if any(_UNSAFE.search(value) for value in every):
            return None
        values = {
            "to": recipient.to.encode(),
            "message_id": recipient.message_id.encode(),
            "date": recipient.date.encode(),
            # Folded after the comma, as the email package does (too long for one line).
            "list_unsubscribe": f"<{one_click}>,\r\n <{mailto}>".encode(),
            "text_name": name.encode(),
            "html_name": recipient.first_name_html.encode(),
            "text_link": recipient.link.encode(),
            "html_link": recipient.link_html.encode(),
        }
        data = b"".join(
            piece if isinstance(piece, bytes) else values[piece] for piece in self._pieces
        )
        if data.count(self._boundary) != self._boundaries:
            return None  # a value happens to contain the MIME boundary
        if self._longest_line + len(data) - self._template_length > MAX_LINE_BYTES and any(
            len(line) > MAX_LINE_BYTES for line in data.split(b"\r\n")
        ):
            return None  # Django would have encoded that part as quoted-printable
        return data
