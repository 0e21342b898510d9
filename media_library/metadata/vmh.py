"""The description (`mapping.Description`) as IPTC Video Metadata Hub JSON (1.7): an array
whose first object describes the whole file and each further object one entry of the shot
list, addressed by its `mediafragment` (a W3C Media Fragment `#t=start,end` of the file).

What the Hub has no property for (the file's size and checksum, a shot's kind, a speaker's
role) goes in a `photoVideoMetadata_portal` object, the schema's place for other parties'
metadata. docs/metadata.md lists every field.
"""

from __future__ import annotations

import json

from media_library.metadata.mapping import Description, Part, seconds

SCHEMA = "https://www.iptc.org/std/videometadatahub/recommendation/iptc-vmhub-1.7-schema.json"
OURS = "photoVideoMetadata_portal"


def _text(value: str, language: str) -> dict[str, str]:
    """An AltLang value: the text by its language."""
    return {language: value}


def _whole(item: Description) -> dict:
    lang = item.metadata_language
    file = item.rendition
    iptc: dict = {
        "identifier": item.video_guid,
        "rendition": item.guid,
        "title": _text(item.title, lang),
        "headline": _text(item.headline, lang),
        "externalMetadataLinks": [item.page_url],
        "feedIdentifier": item.provider,
        "metadataLastEdited": item.version_created.isoformat(),
    }
    if item.description:
        iptc["description"] = _text(item.description, lang)
    if item.shot_list_text:
        iptc["dopesheet"] = _text(item.shot_list_text, lang)
    if item.content_created:
        iptc["dateCreated"] = item.content_created.isoformat()
    if item.first_created:
        iptc["dateReleased"] = item.first_created.isoformat()
    if item.location:
        place: dict = {}
        if item.location.name:
            place["name"] = _text(item.location.name, lang)
        if item.location.country_code:
            place["countryCode"] = item.location.country_code
            place["countryName"] = item.location.country_name
        iptc["locationsShown"] = [place]
    if item.event:
        iptc["shownEvents"] = [{"name": _text(item.event, lang)}]
    if item.category:
        iptc["genres"] = [{"cvTermName": _text(item.category, lang)}]
    if item.keywords:
        iptc["keywords"] = list(item.keywords)
    if item.languages:
        iptc["language"] = ",".join(item.languages)
    if item.credit_line:
        iptc["creditLine"] = item.credit_line
        iptc["creators"] = [{"name": _text(item.credit_line, lang)}]
    if item.usage_terms:
        iptc["usageTerms"] = _text(item.usage_terms, lang)
    if item.thumbnail_url:
        iptc["snapshotLinks"] = [{"href": item.thumbnail_url}]
    iptc["mediaType"] = file.content_type
    if file.container:
        iptc["fileFormat"] = {"name": _text(file.container, lang)}
    if file.width and file.height:
        iptc["frameSize"] = {"widthPixels": file.width, "heightPixels": file.height}
    if file.duration_seconds is not None:
        iptc["fileDuration"] = {
            "timeFormat": "normalPlayTime",
            "timeValue": seconds(round(file.duration_seconds * 1000)),
        }
    if file.video_codec:
        iptc["videoCoding"] = {"name": _text(file.video_codec, lang)}
    if file.video_profile:
        iptc["videoEncodingProfile"] = file.video_profile
    if file.frame_rate is not None:
        iptc["videoFrameRate"] = float(file.frame_rate)
    if file.bitrate:
        iptc["fileBitrate"] = file.bitrate
    if file.audio_codec:
        iptc["audioCoding"] = {"name": _text(file.audio_codec, lang)}
    if file.audio_channels:
        iptc["audioChannelCount"] = file.audio_channels
    if file.audio_sample_rate:
        iptc["audioSampleRate"] = file.audio_sample_rate
    ours = {
        "fileName": file.filename,
        "renditionLabel": file.label,
        "fileSize": file.size,
        "checksumSha256": file.checksum_sha256,
        "categories": [item.category] if item.category else [],
    }
    return {"photoVideoMetadataIPTC": iptc, OURS: ours}


def _fragment(item: Description, part: Part) -> dict:
    lang = part.language or item.metadata_language
    end_ms = part.end_ms
    span = seconds(part.start_ms) + (f",{seconds(end_ms)}" if end_ms is not None else "")
    iptc: dict = {}
    if part.description:
        iptc["description"] = _text(part.description, lang)
    if part.quote:
        iptc["transcript"] = _text(part.quote, lang)
    if part.speaker_name:
        iptc["personsHeard"] = [{"name": _text(part.speaker_name, lang)}]
    if part.language:
        iptc["language"] = part.language
    ours = {
        "number": part.number,
        "kind": part.kind,
        "startMs": part.start_ms,
        "endMs": end_ms,
        "speakerRole": part.speaker_role,
    }
    return {
        "mediafragment": {
            "uri": f"{item.rendition.filename}#t={span}",
            "delimitertype": "temporal",
        },
        "photoVideoMetadataIPTC": iptc,
        OURS: ours,
    }


def document(item: Description) -> list[dict]:
    return [_whole(item), *(_fragment(item, part) for part in item.parts)]


def render(item: Description) -> bytes:
    return json.dumps(document(item), ensure_ascii=False, indent=2).encode() + b"\n"
