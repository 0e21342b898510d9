"""Per-token rate limits, counted in the shared cache (Redis), so every web process counts
the same requests; while Redis is down each process counts alone (core.cache).

Every token gets the same limit, whoever owns it: editors' and staff tokens included.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from api.models import ApiToken

WINDOW_SECONDS = 60
# Under the prefix that core.cache keeps in process memory while Redis is down: rate limits
# fail closed, not open.
KEY_PREFIX = "allauth:rl:api-token:"


class TokenRateThrottle(BaseThrottle):
    """A fixed window of WINDOW_SECONDS per token; anonymous requests are not counted here."""

    def allow_request(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        key = f"{KEY_PREFIX}{token.prefix}:{window}"
        cache.add(key, 0, WINDOW_SECONDS + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, WINDOW_SECONDS + 1)
            count = 1
        self._wait = (window + 1) * WINDOW_SECONDS - now
        return count <= settings.API_TOKEN_REQUESTS_PER_MINUTE

    def wait(self) -> float:
        return self._wait
