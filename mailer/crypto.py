"""Encryption at rest for queued email bodies, and the keyed digest of a recipient, keyed
from SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib
import hmac
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


def _recipient_key(address: str, secret: str) -> str:
    key = hashlib.sha256(b"portal.mailer.recipient:" + secret.encode()).digest()
    return hmac.new(key, address.strip().lower().encode(), hashlib.sha256).hexdigest()


def recipient_key(address: str) -> str:
    """Who a row is for, findable without reading (or keeping) the address itself.

    Keyed, because a bare hash of an email address is undone by hashing guessed addresses.
    Case-insensitive, as accounts' addresses are.
    """
    return _recipient_key(address, settings.SECRET_KEY)


def recipient_keys(address: str) -> list[str]:
    """The digests of an address under SECRET_KEY and each of SECRET_KEY_FALLBACKS: rows
    written before a key rotation are still found."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return [_recipient_key(address, secret) for secret in secrets]
