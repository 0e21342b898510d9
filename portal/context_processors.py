from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.templatetags.static import static

from core.site import site_url


def site_logo_url(value: str) -> str:
    """SITE_LOGO_URL as a page can use it: absolute and root-relative URLs as they are, any
    other value a path under static/."""
    if not value or value.startswith(("https://", "http://", "/")):
        return value
    return static(value)


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "SITE_NAME": settings.SITE_NAME,
        # Absolute links (robots.txt, OpenGraph) start here, never at the request's Host.
        "SITE_URL": site_url(),
        "SITE_LOGO_URL": site_logo_url(settings.SITE_LOGO_URL),
        "CODE_LIFETIME_MINUTES": settings.ACCOUNT_CODE_LIFETIME_SECONDS // 60,
    }
