"""Markdown to safe HTML for speech transcripts.

Editors type Markdown, and Markdown passes raw HTML straight through, so the HTML it
produces is cleaned with an allow-list: whatever an editor pastes, no script, event
handler or `javascript:` link reaches a reader.
"""

from __future__ import annotations

import re
from fractions import Fraction

import markdown
import nh3
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from core import timecode as core_timecode
from speeches import timecodes

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


# A timecoded paragraph's marker: private-use characters, which Markdown and nh3 keep as text
# and no editor types. `link_timecodes` turns each into a "play from here" link.
MARKER = "\ue000{position}\ue001"
_MARKER = re.compile("\ue000(\\d+)\ue001")
_NO_MARKERS = str.maketrans("", "", "\ue000\ue001")
# A timecoded paragraph's timecode has an id, so a link can lead to it (quote search).
PARAGRAPH_ANCHOR = "paragraph-"


def render_transcript(body: str, *, positions: set[int]) -> str:
    """`render_markdown(body)` with a marker at the start of the paragraphs at `positions`
    (paragraphs as `speeches.timecodes.paragraphs` counts them)."""
    # An editor's own marker characters would become links anywhere, in an attribute too.
    body = body.translate(_NO_MARKERS)
    lines = body.replace("\r\n", "\n").split("\n")
    for paragraph in timecodes.paragraphs(body):
        if paragraph.position in positions:
            index = paragraph.line - 1
            opening = timecodes.BLOCK_OPENING.match(lines[index]).end()
            marker = MARKER.format(position=paragraph.position)
            lines[index] = lines[index][:opening] + marker + lines[index][opening:]
    return render_markdown("\n".join(lines))


def link_timecodes(
    html: str, *, timecodes: dict[int, int], target: str | None, label: str
) -> SafeString:
    """The markers of `html` as links that play `target` (a URL) from each paragraph's
    timecode (`timecodes`: position -> milliseconds), or as plain timecodes without a target.

    `label` is the words before the timecode for screen readers ("Play from").
    """

    def link(match: re.Match) -> str:
        position = int(match[1])
        milliseconds = timecodes.get(position)
        if milliseconds is None:
            return ""
        anchor = f"{PARAGRAPH_ANCHOR}{position}"
        seconds = Fraction(milliseconds, 1000)
        shown = format_html(
            '<time datetime="PT{}S">{}</time>',
            f"{float(seconds):g}",
            core_timecode.to_clock(seconds),
        )
        if not target:
            return format_html('<span class="timecode" id="{}">{}</span> ', anchor, shown)
        # data-play-from: the page's script (static/js/play-from-here.js) seeks its player.
        fragment = core_timecode.to_media_fragment(seconds)
        return format_html(
            '<a class="timecode" id="{}" href="{}#{}" data-play-from="{}">'
            '<span class="visually-hidden">{} </span>{}</a> ',
            anchor,
            target,
            fragment,
            fragment.removeprefix("t="),
            label,
            shown,
        )

    return mark_safe(_MARKER.sub(link, html))  # noqa: S308 - each part escaped by format_html
