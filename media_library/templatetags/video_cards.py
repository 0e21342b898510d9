"""Catalogue fragments rendered once per content version (media_library/fragments.py):
`{% video_cards videos %}` and `{% filter_form form %}`. A page rendered for one person only
(an editor's) gets them afresh."""

from __future__ import annotations

from django import template

from core.page_cache import rendering_version
from media_library.fragments import render_cards, render_filter_form

register = template.Library()


@register.simple_tag(takes_context=True)
def video_cards(context, videos):
    return render_cards(videos, version=rendering_version(context.get("request")))


@register.simple_tag(takes_context=True)
def filter_form(context, form):
    return render_filter_form(form, version=rendering_version(context.get("request")))
