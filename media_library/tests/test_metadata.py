"""Metadata sidecars: one description of a rendition, as a NewsML-G2 newsItem that the
IPTC's own XML Schema accepts, and as IPTC Video Metadata Hub JSON that reads back the same."""

from __future__ import annotations

import json
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from django.test import Client
from django.urls import reverse
from django.utils.dateparse import parse_datetime

from media_library import metadata
from media_library.tests.factories import (
    EventFactory,
    LanguageFactory,
    RenditionFactory,
    TagFactory,
    VideoFactory,
)

STANDARDS = Path("/work/shared/standards/newsml-g2-2.35")
NS = {"g2": "http://iptc.org/std/nar/2006-10-01/"}
SHOT_LIST = (
    "00:00:00 Wide shot of the assembly hall\n"
    "00:00:05 - 00:00:12 SOUNDBITE (French) Jeanne Martin, minister of health: "
    "“Nous sommes prêts.”\n"
    "00:00:12 Close-up of the delegates"
)


@pytest.fixture(scope="session")
def newsml_schema() -> xmlschema.XMLSchema:
    # Offline: the IPTC's schema imports xml.xsd, which lies beside it.
    return xmlschema.XMLSchema(STANDARDS / "NewsML-G2_2.35-spec-All-Power.xsd")


@pytest.fixture
def briefing(db):
    video = VideoFactory(
        title="Health ministers meet in Geneva",
        summary="Ministers agree on a common pandemic plan.",
        location="Palais des Nations",
        country="CH",
        credits="UN Web TV",
        usage_terms="Free for news use. No archive sales.",
        recorded_on="2026-11-30",
        duration_seconds=20.0,
        event=EventFactory(name="World Health Assembly"),
        shot_list=SHOT_LIST,
    )
    video.tags.set([TagFactory(name="health"), TagFactory(name="pandemic")])
    video.languages.set([LanguageFactory(code="fr", name="French")])
    video.refresh_from_db()
    return RenditionFactory(
        video=video, label="HD 1080p H.264", frame_rate=Decimal("29.970"), duration_seconds=20.0
    )


def test_the_newsml_sidecar_validates_against_the_iptc_schema(briefing, newsml_schema):
    document = metadata.newsml_for(briefing)

    newsml_schema.validate(document.decode())


def test_the_iptc_example_validates_so_the_schema_check_can_fail(newsml_schema):
    # The check is real: the IPTC's example passes, and the same example broken does not.
    example = (STANDARDS / "example-video-renditions.xml").read_text()
    newsml_schema.validate(example)
    broken = example.replace("<pubStatus", "<pubState").replace("</pubStatus", "</pubState")
    assert not newsml_schema.is_valid(broken)


class _PageReader(HTMLParser):
    """The page's text (whitespace collapsed), its h1, and its `<time datetime>` values."""

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self.h1: list[str] = []
        self.times: list[str] = []
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        if tag == "h1":
            self._in_h1 = True
        if tag == "time":
            self.times.append(dict(attrs)["datetime"])

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        self.chunks.append(data)
        if self._in_h1:
            self.h1.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())


def _page(client, rendition) -> _PageReader:
    response = client.get(rendition.video.get_absolute_url())
    assert response.status_code == 200
    reader = _PageReader()
    reader.feed(response.content.decode())
    return reader


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _newsml(rendition) -> ET.Element:
    return ET.fromstring(metadata.newsml_for(rendition))  # noqa: S314 - our own output


def _moment(value: str):
    """A date, or a date and time with its offset (`+00:00` or `+0000`), to the second."""
    parsed = parse_datetime(value)
    return value if parsed is None else parsed.replace(microsecond=0)


def test_the_newsml_values_are_the_video_pages(briefing, client):
    page = _page(client, briefing)
    item = _newsml(briefing)

    def text(path: str) -> str:
        return item.find(path, NS).text

    assert text("g2:contentMeta/g2:headline") == "".join(page.h1).strip()
    assert text("g2:itemMeta/g2:title") == "".join(page.h1).strip()
    for path in (
        "g2:contentMeta/g2:description[@role='drol:summary']",
        "g2:contentMeta/g2:creditline",
        "g2:contentMeta/g2:located/g2:name",
        "g2:contentMeta/g2:located/g2:broader/g2:name",
        "g2:contentMeta/g2:subject[@type='cpnat:event']/g2:name",
        "g2:rightsInfo/g2:usageTerms",
    ):
        assert _one_line(text(path)) in page.text, path
    keywords = [k.text for k in item.findall("g2:contentMeta/g2:keyword", NS)]
    assert keywords == ["health", "pandemic"]
    assert all(keyword in page.text for keyword in keywords)
    # The same moments, to the second (the page's <time> gives no fractions of a second).
    assert _moment(text("g2:contentMeta/g2:contentCreated")) in map(_moment, page.times)
    assert _moment(text("g2:itemMeta/g2:firstCreated")) in map(_moment, page.times)
    # The shot list: each entry's words, the soundbite's speaker, role and quote.
    parts = item.findall("g2:partMeta", NS)
    assert len(parts) == 3
    soundbite = parts[1]
    assert soundbite.find("g2:role", NS).get("qcode") == "mpshot:soundbite"
    assert soundbite.find("g2:timeDelim", NS).attrib == {
        "start": "5.000",
        "end": "12.000",
        "timeunit": "timeunit:seconds",
    }
    for path in (
        "g2:contributor/g2:name",
        "g2:contributor/g2:note",
        "g2:description[@role='mpdrol:quote']",
    ):
        assert soundbite.find(path, NS).text in page.text, path
    assert parts[0].find("g2:description", NS).text == "Wide shot of the assembly hall"
    assert "Wide shot of the assembly hall" in page.text


def test_the_newsml_content_set_carries_the_rendition(briefing):
    item = _newsml(briefing)

    (remote,) = item.findall("g2:contentSet/g2:remoteContent", NS)
    assert remote.attrib == {
        "id": f"rendition-{briefing.pk}",
        "href": briefing.download_filename(),
        "contenttype": "video/mp4",
        "size": str(briefing.file_size),
        "width": "1920",
        "height": "1080",
        "duration": "20",
        "durationunit": "timeunit:seconds",
        "videocodec": "ffcodec:h264",
        "videoframerate": "29.97",
        "audiocodec": "ffcodec:aac",
        "audiosamplerate": "48000",
        "audiochannels": "mpachn:2",
    }
    assert remote.find("g2:hash", NS).text == briefing.checksum_sha256
    assert {part.get("contentrefs") for part in item.findall("g2:partMeta", NS)} == {
        f"rendition-{briefing.pk}"
    }


def test_the_vmh_json_reads_back_as_the_same_values(briefing):
    description = metadata.describe(briefing)

    whole, *fragments = json.loads(metadata.vmh_for(briefing))

    iptc = whole["photoVideoMetadataIPTC"]
    assert iptc["title"] == {"en": description.title}
    assert iptc["headline"] == {"en": description.headline}
    assert iptc["description"] == {"en": description.description}
    assert iptc["dopesheet"] == {"en": description.shot_list_text}
    assert iptc["dateCreated"] == "2026-11-30"
    assert iptc["dateReleased"] == description.first_created.isoformat()
    assert iptc["locationsShown"] == [
        {"name": {"en": "Palais des Nations"}, "countryCode": "CH", "countryName": "Switzerland"}
    ]
    assert iptc["shownEvents"] == [{"name": {"en": "World Health Assembly"}}]
    assert iptc["keywords"] == ["health", "pandemic"]
    assert iptc["language"] == "fr"
    assert iptc["creditLine"] == "UN Web TV"
    assert iptc["usageTerms"] == {"en": "Free for news use. No archive sales."}
    assert iptc["frameSize"] == {"widthPixels": 1920, "heightPixels": 1080}
    assert iptc["videoCoding"] == {"name": {"en": "h264"}}
    assert iptc["audioCoding"] == {"name": {"en": "aac"}}
    assert iptc["videoFrameRate"] == 29.97
    assert iptc["fileDuration"] == {"timeFormat": "normalPlayTime", "timeValue": "20.000"}
    assert iptc["audioChannelCount"] == 2
    assert iptc["audioSampleRate"] == 48000
    ours = whole["photoVideoMetadata_portal"]
    assert ours["fileName"] == briefing.download_filename()
    assert ours["fileSize"] == briefing.file_size
    assert ours["checksumSha256"] == briefing.checksum_sha256
    # One object per shot list entry, addressed by a temporal media fragment of the file.
    assert [f["mediafragment"]["uri"] for f in fragments] == [
        f"{briefing.download_filename()}#t=0.000,5.000",
        f"{briefing.download_filename()}#t=5.000,12.000",
        f"{briefing.download_filename()}#t=12.000,20.000",
    ]
    soundbite = fragments[1]
    assert soundbite["photoVideoMetadataIPTC"] == {
        "transcript": {"fr": "Nous sommes prêts."},
        "personsHeard": [{"name": {"fr": "Jeanne Martin"}}],
        "language": "fr",
    }
    assert soundbite["photoVideoMetadata_portal"]["speakerRole"] == "minister of health"
    assert soundbite["photoVideoMetadata_portal"]["kind"] == "soundbite"


def test_both_sidecars_say_the_same(briefing):
    """One mapping: the NewsML and the VMH values of every shared field are equal."""
    item = _newsml(briefing)
    whole, *fragments = json.loads(metadata.vmh_for(briefing))
    iptc = whole["photoVideoMetadataIPTC"]

    assert item.find("g2:contentMeta/g2:headline", NS).text == iptc["headline"]["en"]
    assert [k.text for k in item.findall("g2:contentMeta/g2:keyword", NS)] == iptc["keywords"]
    assert item.find("g2:contentMeta/g2:creditline", NS).text == iptc["creditLine"]
    remote = item.find("g2:contentSet/g2:remoteContent", NS)
    assert int(remote.get("width")) == iptc["frameSize"]["widthPixels"]
    assert remote.find("g2:hash", NS).text == whole["photoVideoMetadata_portal"]["checksumSha256"]
    spans = [(d.get("start"), d.get("end")) for d in item.findall("g2:partMeta/g2:timeDelim", NS)]
    assert spans == [tuple(f["mediafragment"]["uri"].split("#t=")[1].split(",")) for f in fragments]


def test_a_video_with_little_said_gives_a_valid_sidecar_too(db, newsml_schema):
    bare = RenditionFactory(
        video__shot_list="",
        video__summary="",
        video__category=None,
        video__country="FR",  # a country without a place
        video_codec="some codec",
        frame_rate=None,
        audio_codec="",
        audio_channels=None,
        duration_seconds=None,
        checksum_sha256="",
    )

    newsml_schema.validate(metadata.newsml_for(bare).decode())
    (whole,) = json.loads(metadata.vmh_for(bare))
    assert "description" not in whole["photoVideoMetadataIPTC"]


def test_the_sidecar_escapes_what_editors_type(db, newsml_schema):
    rendition = RenditionFactory(
        video__title='Q&A <live> "press" \x01',
        video__summary="A < B & C > D",
    )

    document = metadata.newsml_for(rendition)

    newsml_schema.validate(document.decode())
    # Escaped, and the control character (which XML cannot carry) left out.
    headline = ET.fromstring(document).find("g2:contentMeta/g2:headline", NS)  # noqa: S314
    assert headline.text == 'Q&A <live> "press" '


# --- Offered beside each download --------------------------------------------------------------


def _sidecar_url(rendition, kind: str) -> str:
    return reverse(
        f"media_library:rendition_{kind}",
        kwargs={"slug": rendition.video.slug, "rendition_id": rendition.pk},
    )


@pytest.mark.parametrize(
    ("kind", "content_type", "suffix"),
    [
        ("newsml", "application/vnd.iptc.g2.newsitem+xml", ".newsml.xml"),
        ("vmh", "application/json", ".vmh.json"),
    ],
)
def test_a_verified_reader_gets_each_sidecar_named_after_its_file(
    briefing, verified_client, kind, content_type, suffix
):
    response = verified_client.get(_sidecar_url(briefing, kind))

    assert response.status_code == 200
    assert response["Content-Type"] == f"{content_type}; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{briefing.download_filename()}{suffix}"'
    )
    assert response.content == metadata.render(metadata.describe(briefing), kind)


def test_the_video_page_offers_the_sidecars_beside_each_download_to_verified_readers(
    briefing, verified_client
):
    page = verified_client.get(briefing.video.get_absolute_url()).content.decode()
    assert _sidecar_url(briefing, "newsml") in page
    assert _sidecar_url(briefing, "vmh") in page

    anonymous = Client().get(briefing.video.get_absolute_url()).content.decode()
    assert _sidecar_url(briefing, "newsml") not in anonymous


def test_sidecars_are_for_whoever_may_download(briefing, client, unverified_user):
    url = _sidecar_url(briefing, "newsml")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))

    client.force_login(unverified_user)
    assert client.get(url).status_code in {302, 403}


def test_a_drafts_sidecar_is_not_found_for_a_reader(db, verified_client):
    draft = RenditionFactory(video__status="draft", video__published_at=None)

    assert verified_client.get(_sidecar_url(draft, "vmh")).status_code == 404


def test_a_clips_sidecar_keeps_the_entries_of_its_range_timed_from_its_start(briefing):
    description = metadata.for_file(
        briefing,
        filename="clip.mp4",
        size=5,
        duration_seconds=6.0,
        checksum_sha256="ab" * 32,
        guid_suffix=":clip:9",
        window=(8000, 14000),
    )

    assert description.guid.endswith(":clip:9")
    assert [(p.kind, p.start_ms, p.end_ms) for p in description.parts] == [
        ("soundbite", 0, 4000),
        ("shot", 4000, 6000),
    ]
    assert description.rendition.filename == "clip.mp4"
    assert description.rendition.width == 1920


@pytest.mark.parametrize("n", [1, 6])
def test_a_sidecar_costs_four_queries_however_many_tags_languages_and_entries(
    db, n, django_assert_num_queries
):
    video = VideoFactory(shot_list="\n".join(f"00:00:{5 * k:02d} Shot {k}" for k in range(n)))
    video.tags.set([TagFactory() for _k in range(n)])
    video.languages.set([LanguageFactory(code=f"l{k}", name=f"L{k}") for k in range(n)])
    rendition = RenditionFactory(video=video)

    # The video with its category and event; its tags; its languages; its shot list.
    with django_assert_num_queries(4):
        document = json.loads(metadata.vmh_for(rendition))
    assert len(document) == 1 + n
    assert len(document[0]["photoVideoMetadataIPTC"]["keywords"]) == n


def test_while_the_videos_duration_is_unknown_the_last_entry_ends_with_the_file(db):
    rendition = RenditionFactory(video__duration_seconds=None, duration_seconds=30.0)

    parts = metadata.describe(rendition).parts

    assert [(p.start_ms, p.end_ms) for p in parts] == [(0, 5000), (5000, 30000)]
