"""Markdown to safe HTML for speech transcripts.

Editors type Markdown, and Markdown passes raw HTML straight through, so the HTML it
produces is cleaned with an allow-list: whatever an editor pastes, no script, event
handler or `javascript:` link reaches a reader.
"""

from __future__ import annotations

import markdown
import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "b", "i", "u", "s", "sub", "sup", "small",
    "blockquote", "q", "cite", "abbr", "a", "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6", "pre", "code",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "abbr": {"title"},
    "q": {"cite"},
    "blockquote": {"cite"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str) -> str:
    """The sanitised HTML of `text` (Markdown). Safe to mark safe in a template."""
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
