"""Encryption at rest for queued email bodies, keyed from SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class PayloadUnreadable(Exception):
    """The payload was encrypted with another SECRET_KEY or has been tampered with."""


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"portal.mailer.outbox:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(payload: dict[str, Any]) -> str:
    return _fernet().encrypt(json.dumps(payload).encode()).decode()


def unseal(token: str) -> dict[str, Any]:
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise PayloadUnreadable("the queued email cannot be decrypted") from exc
