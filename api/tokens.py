"""Creating, checking and revoking API tokens (services: keyword-only, in transactions).

A token is checked against the database on every request: there is no cache of token
validity, so a revocation is refused by every process at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.guards import has_verified_email
from api.models import ApiToken

SCHEME_PREFIX = "mpk_"
# 32 random bytes: the secret's strength; the prefix is only an index, not a secret.
SECRET_BYTES = 32
PREFIX_BYTES = 6
# "Last used" is written at most this often per token: a write per request buys nothing.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenRefused(Exception):
    """The account may not create tokens (no verified address)."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # the whole bearer value, shown once


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_token(*, user, name: str) -> IssuedToken:
    if not has_verified_email(user):
        raise TokenRefused
    prefix = secrets.token_hex(PREFIX_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    token = ApiToken.objects.create(user=user, name=name, prefix=prefix, digest=_digest(secret))
    return IssuedToken(token=token, secret=f"{SCHEME_PREFIX}{prefix}_{secret}")


@transaction.atomic
def revoke_token(*, user, token_id: int) -> bool:
    """Revoke one of `user`'s tokens; False if it is not theirs or already revoked."""
    return bool(
        ApiToken.objects.active().filter(user=user, pk=token_id).update(revoked_at=timezone.now())
    )


@transaction.atomic
def revoke_tokens(*, token_ids: list[int]) -> int:
    """Revoke these tokens, whoever holds them (the admin's action); how many were active."""
    return ApiToken.objects.active().filter(pk__in=token_ids).update(revoked_at=timezone.now())


def authenticate(bearer: str) -> ApiToken | None:
    """The active token of an active user that `bearer` is, else None (one query)."""
    if not bearer.startswith(SCHEME_PREFIX):
        return None
    prefix, sep, secret = bearer.removeprefix(SCHEME_PREFIX).partition("_")
    if not sep or not secret or len(prefix) != PREFIX_BYTES * 2:
        return None
    token = (
        ApiToken.objects.active()
        .select_related("user")
        .filter(prefix=prefix, user__is_active=True)
        .first()
    )
    if token is None or not hmac.compare_digest(token.digest, _digest(secret)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_of(user) -> list[ApiToken]:
    return list(ApiToken.objects.active().filter(user=user))
