"""The Sites framework's one site follows SITE_URL and SITE_NAME (set after every migrate).

allauth and the sitemaps read the current Site; left at Django's "example.com" they would
write a wrong domain, and `check_deployment` compares the two.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def site_domain() -> str:
    """The host (and port, when not the default) of SITE_URL."""
    return urlsplit(settings.SITE_URL).netloc


def sync_site(*, app_config=None, using: str = "default", **kwargs) -> None:
    """post_migrate receiver: once the sites app is migrated, its site follows SITE_URL."""
    if app_config is None or app_config.label != "sites":
        return
    from django.contrib.sites.models import Site

    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": site_domain(), "name": settings.SITE_NAME[:50]}
    )
