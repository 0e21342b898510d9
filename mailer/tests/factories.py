from __future__ import annotations

from mailer.models import OutboundEmail
from mailer.services import queue_email


def queued_email(**overrides) -> OutboundEmail:
    fields = {
        "to": ["reader@example.org"],
        "subject": "Hello",
        "text_body": "Plain body",
        "html_body": "<p>HTML body</p>",
        "category": "test",
    }
    fields.update(overrides)
    return queue_email(**fields)
