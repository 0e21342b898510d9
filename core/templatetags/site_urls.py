"""`{{ path|absolute }}`: a path on SITE_URL, for links read away from the page (core.site)."""

from __future__ import annotations

from django import template

from core import site

register = template.Library()


@register.filter
def absolute(url: str) -> str:
    return site.absolute(str(url or ""))
