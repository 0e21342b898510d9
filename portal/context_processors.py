from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from core.site import site_url


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "SITE_NAME": settings.SITE_NAME,
        # Absolute links (robots.txt, OpenGraph) start here, never at the request's Host.
        "SITE_URL": site_url(),
        "CODE_LIFETIME_MINUTES": settings.ACCOUNT_CODE_LIFETIME_SECONDS // 60,
    }
