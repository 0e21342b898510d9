"""Rate limits, counted in the shared cache (Redis), so every web process counts the same
requests; while Redis is down each process counts alone (core.cache).

A token gets API_TOKEN_REQUESTS_PER_MINUTE, whoever owns it (editors' and staff tokens
included); a request without a token gets API_ANONYMOUS_REQUESTS_PER_MINUTE per client
address, read as allauth's rate limits read it (DJANGO_TRUSTED_PROXY_COUNT).
"""

from __future__ import annotations

import time

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import BaseThrottle

from api.models import ApiToken
from core.cache import count_up

WINDOW_SECONDS = 60
# Under the prefix that core.cache keeps in process memory while Redis is down: rate limits
# fail closed, not open.
KEY_PREFIX = "allauth:rl:api-token:"
ANONYMOUS_KEY_PREFIX = "allauth:rl:api-address:"


def _count(key: str) -> tuple[int, float]:
    """This request's number in its fixed window of WINDOW_SECONDS, and the seconds to the
    next window."""
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    count = count_up(caches["default"], f"{key}:{window}", timeout=WINDOW_SECONDS + 1)
    return count, (window + 1) * WINDOW_SECONDS - now


class TokenRateThrottle(BaseThrottle):
    """A fixed window of WINDOW_SECONDS per token; anonymous requests are counted by
    `AnonymousRateThrottle`."""

    def allow_request(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        count, self._wait = _count(f"{KEY_PREFIX}{token.prefix}")
        return count <= settings.API_TOKEN_REQUESTS_PER_MINUTE

    def wait(self) -> float:
        return self._wait


class AnonymousRateThrottle(BaseThrottle):
    """A fixed window of WINDOW_SECONDS per client address, for requests without a token (a
    request with a wrong token is refused before it is counted: 401)."""

    def allow_request(self, request, view) -> bool:
        if request.auth is not None:
            return True
        address = get_adapter(request._request).get_client_ip(request._request)
        count, self._wait = _count(f"{ANONYMOUS_KEY_PREFIX}{address}")
        return count <= settings.API_ANONYMOUS_REQUESTS_PER_MINUTE

    def wait(self) -> float:
        return self._wait
