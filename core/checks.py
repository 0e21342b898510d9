"""System checks of the production configuration (`manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register

# Caches whose data lives in one process (or nowhere): rate limits counted there are per
# process, and the page cache's content version could not reach the other processes.
PROCESS_LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.security, deploy=True)
def shared_cache_for_rate_limits(app_configs=None, **kwargs) -> list[Error]:
    """Production must count rate limits where every web process sees them (Redis)."""
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if settings.DEBUG or backend not in PROCESS_LOCAL_CACHES:
        return []
    return [
        Error(
            "The default cache is local to each process, so every web process would count "
            "failed logins, code guesses and signups on its own.",
            hint="Set REDIS_URL: rate limits and cached pages need a cache shared by all "
            "web processes (docs/security.md).",
            id="core.E001",
        )
    ]
