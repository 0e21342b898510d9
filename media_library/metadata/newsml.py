"""The description (`mapping.Description`) as a NewsML-G2 2.35 `newsItem`, the IPTC's XML for
news agencies' items, shaped as the IPTC's own example of a video with renditions.

Codes come from the IPTC's catalog where it has them (`ninat:video`, `stat:usable`,
`timeunit:seconds`, `drol:summary`, `cpnat:event`); the rest from schemes declared in the
item's own `catalog`, each named in docs/metadata.md.
"""

from __future__ import annotations

import re
from decimal import Decimal
from xml.etree import ElementTree as ET

from media_library.metadata.mapping import Description, Part, seconds

NS = "http://iptc.org/std/nar/2006-10-01/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
IPTC_CATALOG = "http://www.iptc.org/std/catalog/catalog.IPTC-G2-Standards_32.xml"
# SHA-256 as XML Encryption names it: NewsML-G2 leaves the hash algorithm's IRI open.
SHA256_IRI = "http://www.w3.org/2001/04/xmlenc#sha256"
# The schemes this portal's codes belong to; FFmpeg's codec names are its own documentation's.
SCHEMES = {
    "ffcodec": "https://ffmpeg.org/ffmpeg-codecs.html#",
    "mpshot": "{site}/newscodes/shotkind/",
    "mpdrol": "{site}/newscodes/descriptionrole/",
    "mprole": "{site}/newscodes/role/",
    "mpachn": "{site}/newscodes/audiochannels/",
}

# What XML 1.0 cannot carry at all, not even escaped: control characters a paste may bring.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

ET.register_namespace("", NS)


def _clean(value) -> str:
    return _NOT_XML.sub("", str(value))


def _tag(name: str) -> str:
    return f"{{{NS}}}{name}"


def _add(parent: ET.Element, name: str, text: str | None = None, **attributes) -> ET.Element:
    element = ET.SubElement(
        parent,
        _tag(name),
        {k: _clean(v) for k, v in attributes.items() if v not in (None, "")},
    )
    if text:
        element.text = _clean(text)
    return element


def _decimal(value: Decimal | float) -> str:
    return f"{Decimal(str(value)).normalize():f}"


def _qcode(scheme: str, code: str) -> str:
    """`scheme:code`; a QCode holds no white space (ffprobe's names have none, but a code
    must never make the document invalid)."""
    return f"{scheme}:{'-'.join(code.split())}"


def _remote_content(parent: ET.Element, item: Description) -> None:
    file = item.rendition
    attributes = {
        "id": f"rendition-{file.rendition_id}",
        "href": file.filename,
        "contenttype": file.content_type,
        "size": file.size,
        "width": file.width,
        "height": file.height,
    }
    if file.duration_seconds is not None:
        attributes["duration"] = _decimal(round(file.duration_seconds, 3))
        attributes["durationunit"] = "timeunit:seconds"
    if file.video_codec:
        attributes["videocodec"] = _qcode("ffcodec", file.video_codec)
    if file.frame_rate is not None:
        attributes["videoframerate"] = _decimal(file.frame_rate)
    if file.audio_codec:
        attributes["audiocodec"] = _qcode("ffcodec", file.audio_codec)
    if file.audio_sample_rate:
        attributes["audiosamplerate"] = file.audio_sample_rate
    if file.audio_channels:
        attributes["audiochannels"] = f"mpachn:{file.audio_channels}"
    remote = _add(parent, "remoteContent", **attributes)
    if file.checksum_sha256:
        _add(remote, "hash", file.checksum_sha256, hashtypeuri=SHA256_IRI)


def _part(parent: ET.Element, part: Part, *, rendition_ref: str) -> None:
    meta = _add(parent, "partMeta", partid=f"part{part.number}", contentrefs=rendition_ref)
    if part.end_ms is not None:  # timeDelim needs both ends
        _add(
            meta,
            "timeDelim",
            start=seconds(part.start_ms),
            end=seconds(part.end_ms),
            timeunit="timeunit:seconds",
        )
    _add(meta, "role", qcode=_qcode("mpshot", part.kind))
    if part.speaker_name:
        speaker = _add(meta, "contributor", role="mprole:speaker")
        _add(speaker, "name", part.speaker_name)
        if part.speaker_role:
            _add(speaker, "note", part.speaker_role)
    if part.language:
        _add(meta, "language", tag=part.language)
    if part.description:
        _add(meta, "description", part.description, role="drol:summary")
    if part.quote:
        _add(meta, "description", part.quote, role="mpdrol:quote")


def news_item(item: Description, *, site_url: str) -> ET.Element:
    root = ET.Element(
        _tag("newsItem"),
        {
            "guid": item.guid,
            "version": str(item.version),
            "standard": "NewsML-G2",
            "standardversion": "2.35",
            "conformance": "power",
            XML_LANG: item.metadata_language,
        },
    )
    _add(root, "catalogRef", href=IPTC_CATALOG)
    catalog = _add(root, "catalog")
    for alias, uri in SCHEMES.items():
        _add(catalog, "scheme", alias=alias, uri=uri.format(site=site_url.rstrip("/")))
    if item.usage_terms:
        rights = _add(root, "rightsInfo")
        _add(rights, "usageTerms", item.usage_terms)

    meta = _add(root, "itemMeta")
    _add(meta, "itemClass", qcode="ninat:video")
    provider = _add(meta, "provider", literal=item.provider)
    _add(provider, "name", item.provider)
    _add(meta, "versionCreated", item.version_created.isoformat())
    if item.first_created:
        _add(meta, "firstCreated", item.first_created.isoformat())
    _add(meta, "pubStatus", qcode="stat:usable")
    _add(meta, "title", item.title)
    _add(meta, "link", rel="irel:seeAlso", href=item.page_url, contenttype="text/html")

    content = _add(root, "contentMeta")
    if item.thumbnail_url:
        _add(content, "icon", href=item.thumbnail_url, rendition="rnd:thumbnail")
    if item.content_created:
        _add(content, "contentCreated", item.content_created.isoformat())
    if item.location:
        located = _add(content, "located")
        if item.location.name:
            _add(located, "name", item.location.name)
        if item.location.country_code:
            country = _add(located, "broader", qcode=f"iso3166-1a2:{item.location.country_code}")
            _add(country, "name", item.location.country_name)
    if item.credit_line:
        creator = _add(content, "creator")
        _add(creator, "name", item.credit_line)
    for code in item.languages:
        _add(content, "language", tag=code)
    for keyword in item.keywords:
        _add(content, "keyword", keyword)
    if item.event:
        event = _add(content, "subject", type="cpnat:event")
        _add(event, "name", item.event)
    if item.category:
        category = _add(content, "subject", type="cpnat:abstract")
        _add(category, "name", item.category)
    _add(content, "headline", item.headline)
    if item.credit_line:
        _add(content, "creditline", item.credit_line)
    if item.description:
        _add(content, "description", item.description, role="drol:summary")
    if item.shot_list_text:
        _add(content, "description", item.shot_list_text, role="mpdrol:shotlist")

    rendition_ref = f"rendition-{item.rendition.rendition_id}"
    for part in item.parts:
        _part(root, part, rendition_ref=rendition_ref)

    content_set = _add(root, "contentSet")
    _remote_content(content_set, item)
    return root


def render(item: Description, *, site_url: str) -> bytes:
    """The document, UTF-8, with its XML declaration."""
    root = news_item(item, site_url=site_url)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
