"""The portal's public address (SITE_URL): every absolute link it gives out starts there.

Feeds, the sitemap, robots.txt, emails and OpenGraph tags are read away from the page, by
crawlers and mail clients, so their links cannot lean on the Host of whatever request made
them (a cached page would hand one reader's Host to the next). Django's Sites framework,
which the admin's "View on site", the syndication and sitemap views and allauth read, is kept
on the same domain: `sync_site` after every `migrate`, and `check --deploy` says when not.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, register
from django.core.checks import Warning as CheckWarning
from django.db import DatabaseError


def site_url() -> str:
    """SITE_URL without its trailing slash, e.g. `https://media.example.org`."""
    return settings.SITE_URL.rstrip("/")


def site_domain() -> str:
    """The host (and port) of SITE_URL, as the Sites framework stores a domain."""
    return urlsplit(site_url()).netloc


def absolute(url: str) -> str:
    """`url` on SITE_URL when it is a path; an absolute URL (a file on S3) as it is."""
    if not url or urlsplit(url).scheme or url.startswith("//"):
        return url
    return f"{site_url()}/{url.lstrip('/')}"


def sync_site(*, using: str = "default", **kwargs) -> None:
    """Give the current Site (SITE_ID) SITE_URL's domain and SITE_NAME (a post_migrate
    handler: `make run` and every deployment migrate before they serve)."""
    from django.contrib.sites.models import Site

    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID,
        defaults={"domain": site_domain(), "name": settings.SITE_NAME[:50]},  # its max_length
    )


@register(Tags.sites, deploy=True)
def site_follows_site_url(app_configs=None, databases=None, **kwargs) -> list[CheckWarning]:
    """The Site's domain is SITE_URL's, or links built from it go elsewhere (example.com).

    A deployment check (`check --deploy`): `migrate`, which every run starts with, sets it.
    """
    from django.contrib.sites.models import Site

    try:
        domain = Site.objects.filter(pk=settings.SITE_ID).values_list("domain", flat=True).first()
    except DatabaseError:  # not migrated yet: `migrate` will set it
        return []
    if domain in (None, site_domain()):
        return []
    return [
        CheckWarning(
            f"The Site's domain is {domain!r}, but SITE_URL is {site_url()!r}.",
            hint="Run `manage.py migrate`: it sets the Site from SITE_URL (core.site).",
            id="core.W002",
        )
    ]
