"""Captions made from a timecoded transcript, in every language the speech is published in."""

from __future__ import annotations

import io

import pytest
import webvtt
from django.urls import reverse

from core import publishing
from media_library.captions import Cue, replace_caption_track, to_webvtt_file
from media_library.models import CaptionTrack
from media_library.tests.factories import RenditionFactory, VideoFactory
from speeches import captions, services
from speeches.models import Speech
from speeches.tasks import reconcile_captions_task
from speeches.tests.factories import SpeechFactory

pytestmark = pytest.mark.django_db

ENGLISH = (
    "Ministers, Excellencies, ladies and gentlemen, good morning. Dobriy Dyen'. Bonjour.\n\n"
    "Welcome to this NATO-Russia Council in Defence Ministers' informal session.\n\n"
    "Our informal discussion today will be an opportunity to take stock and reaffirm our "
    "solidarity and commitment to working together in the face of terrorism and other shared "
    "threats. It will provide a chance to exchange views on the current situations in "
    "Afghanistan, the Balkans and Iraq."
)
FRENCH = (
    "Messieurs les Ministres, Excellences, Mesdames et Messieurs, bonjour.\n\n"
    "Bienvenue à cette réunion du Conseil OTAN-Russie.\n\n"
    "Notre discussion informelle sera l'occasion de faire le point."
)
TIMECODED = (
    ENGLISH.replace("Ministers,", "[00:00:04] Ministers,", 1)
    .replace("Welcome", "[00:00:12] Welcome")
    .replace("Our informal", "[00:00:19] Our informal")
)


def test_each_paragraph_is_spoken_until_the_next_timecode_in_cues_of_two_short_lines():
    texts = [
        "Too early to time.",
        "Good morning.",
        "An untimed paragraph that follows.",
        "A long paragraph " + "with many words " * 12 + "ends here.",
    ]

    spans = captions.segments(texts, {1: 4000, 3: 10000}, duration_ms=120000)
    cues = captions.cues(spans)

    assert spans[0] == captions.Segment(4000, 10000, texts[1] + " " + texts[2])
    assert spans[1].start_ms == 10000 and spans[1].end_ms == 120000
    assert cues[0].start_ms == 4000
    assert cues[0].text == "Good morning. An untimed\nparagraph that follows."  # balanced
    for cue in cues:
        assert len(cue.text) <= 2 * 42 + 1
        assert all(len(line) <= 42 for line in cue.text.split("\n"))
        assert cue.start_ms < cue.end_ms
    long = [cue for cue in cues if cue.start_ms >= 10000]
    assert len(long) == 3
    # No cue stays over the silence: the 217 characters of its three cues take 217 * 83 ms
    # (12 characters a second), not the 110 seconds to the end of the video.
    assert long[-1].end_ms == 10000 + 217 * 83
    assert [c.start_ms for c in long[1:]] == [c.end_ms for c in long[:-1]]


@pytest.fixture
def footage():
    video = VideoFactory(slug="nrc-footage", duration_seconds=120.0)
    RenditionFactory(video=video, frame_rate=25, duration_seconds=120.0)
    return video


def _save_in_admin(editor_client, speech: Speech, **overrides):
    data = {
        "title": speech.title,
        "slug": speech.slug,
        "body": speech.body,
        "speaker_name": speech.speaker_name,
        "speaker_role": speech.speaker_role,
        "event": speech.event,
        "location": speech.location,
        "date_delivered": speech.date_delivered.isoformat(),
        "language": speech.language,
        "translations": [t.pk for t in speech.translations.all()],
        "related_videos": [str(v.pk) for v in speech.related_videos.all()],
        "timecode_video": speech.timecode_video_id or "",
        "captions": "",
        "status": speech.status,
        "published_at_0": "",
        "published_at_1": "",
    }
    data.update(overrides)
    response = editor_client.post(reverse("admin:speeches_speech_change", args=[speech.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def _track(video, language: str) -> CaptionTrack | None:
    return CaptionTrack.objects.filter(video=video, language=language).first()


def test_saving_a_timecoded_published_speech_writes_its_captions_after_commit(
    editor_client, footage, django_capture_on_commit_callbacks
):
    speech = SpeechFactory(published=True, body=ENGLISH, speaker_name="Jaap de Hoop Scheffer")
    speech.related_videos.add(footage)

    with django_capture_on_commit_callbacks(execute=False) as pending:
        _save_in_admin(editor_client, speech, body=TIMECODED)
        assert _track(footage, "en") is None  # not before the commit
    for callback in pending:
        callback()

    track = _track(footage, "en")
    assert track.source == CaptionTrack.Source.TRANSCRIPT
    cues = list(track.cues.order_by("position"))
    assert (cues[0].start_ms, cues[0].speaker) == (4000, "Jaap de Hoop Scheffer")
    assert cues[0].text.startswith("Ministers, Excellencies,")
    assert [c.start_ms for c in cues if c.start_ms in (12000, 19000)] == [12000, 19000]
    parsed = webvtt.from_buffer(io.StringIO(to_webvtt_file(cues)))
    assert len(parsed.captions) == len(cues) >= 5
    assert parsed.captions[0].start == "00:00:04.000"
    assert parsed.captions[0].voice == "Jaap de Hoop Scheffer"


def test_captions_go_when_the_timecodes_go_or_the_speech_is_unpublished(
    editor_client, footage, django_capture_on_commit_callbacks
):
    speech = SpeechFactory(published=True, body=ENGLISH)
    speech.related_videos.add(footage)
    with django_capture_on_commit_callbacks(execute=True):
        _save_in_admin(editor_client, speech, body=TIMECODED)
    assert _track(footage, "en") is not None

    with django_capture_on_commit_callbacks(execute=True):
        publishing.unpublish(item=speech)
    assert _track(footage, "en") is None
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(item=speech)
    assert _track(footage, "en") is not None

    speech.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        _save_in_admin(editor_client, speech, body=ENGLISH)
    assert _track(footage, "en") is None


def test_a_draft_speech_writes_no_captions(
    editor_client, footage, django_capture_on_commit_callbacks
):
    speech = SpeechFactory(body=ENGLISH)
    speech.related_videos.add(footage)

    with django_capture_on_commit_callbacks(execute=True):
        _save_in_admin(editor_client, speech, body=TIMECODED)

    assert speech.timecoded_paragraphs.count() == 3
    assert _track(footage, "en") is None


def test_the_french_translation_gets_french_captions_at_the_original_timecodes(
    editor_client, footage, django_capture_on_commit_callbacks
):
    english = SpeechFactory(published=True, body=ENGLISH)
    french = SpeechFactory(published=True, body=FRENCH, language="fr", translations=[english])
    english.related_videos.add(footage)

    with django_capture_on_commit_callbacks(execute=True):
        _save_in_admin(editor_client, english, body=TIMECODED)

    cues = list(_track(footage, "fr").cues.order_by("position"))
    assert [(c.start_ms, c.text.replace("\n", " ")) for c in cues] == [
        (4000, "Messieurs les Ministres, Excellences, Mesdames et Messieurs, bonjour."),
        (12000, "Bienvenue à cette réunion du Conseil OTAN-Russie."),
        (19000, "Notre discussion informelle sera l'occasion de faire le point."),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        publishing.unpublish(item=french)
    assert _track(footage, "fr") is None
    assert _track(footage, "en") is not None


def test_moving_the_timecodes_to_another_video_moves_the_captions(
    editor_client, footage, django_capture_on_commit_callbacks
):
    other = VideoFactory(duration_seconds=60.0)
    speech = SpeechFactory(published=True, body=ENGLISH)
    speech.related_videos.add(footage, other)
    with django_capture_on_commit_callbacks(execute=True):
        _save_in_admin(editor_client, speech, body=TIMECODED, timecode_video=footage.pk)
    speech.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        _save_in_admin(editor_client, speech, body=TIMECODED, timecode_video=other.pk)

    assert _track(footage, "en") is None
    assert _track(other, "en").cues.first().start_ms == 4000


def test_deleting_the_speech_removes_its_captions(footage, django_capture_on_commit_callbacks):
    speech = SpeechFactory(published=True, body=ENGLISH, timecode_video=footage)
    services.set_timecodes(speech=speech, timecodes={0: 4, 1: 12})
    with django_capture_on_commit_callbacks(execute=True):
        services.captions_changed(speech_ids=[speech.pk])
    assert _track(footage, "en").cues.count() >= 2

    with django_capture_on_commit_callbacks(execute=True):
        speech.delete()

    assert _track(footage, "en") is None


@pytest.fixture
def english_and_french(editor_client, footage, django_capture_on_commit_callbacks):
    """A published English speech timecoded on `footage`, and its published French
    translation without timecodes of its own, which follows the English ones: both captioned."""
    english = SpeechFactory(published=True, body=ENGLISH, slug="remarks")
    french = SpeechFactory(
        published=True, body=FRENCH, language="fr", slug="allocution", translations=[english]
    )
    english.related_videos.add(footage)
    with django_capture_on_commit_callbacks(execute=True):
        _save_in_admin(editor_client, english, body=TIMECODED)
    english.refresh_from_db()
    assert french.timecode_video_id is None
    assert _track(footage, "en") is not None
    assert _track(footage, "fr") is not None
    return english, french


def test_deleting_a_translation_that_follows_the_timecodes_removes_its_captions_only(
    footage, english_and_french, django_capture_on_commit_callbacks
):
    _english, french = english_and_french

    with django_capture_on_commit_callbacks(execute=True):
        french.delete()

    assert _track(footage, "fr") is None
    assert _track(footage, "en").cues.first().start_ms == 4000


def test_deleting_the_original_removes_its_captions_and_those_of_the_translation_following_it(
    footage, english_and_french, django_capture_on_commit_callbacks
):
    english, _french = english_and_french

    with django_capture_on_commit_callbacks(execute=True):
        english.delete()

    assert _track(footage, "en") is None
    assert _track(footage, "fr") is None


def test_a_translations_old_captions_go_when_its_language_changes_or_it_is_unlinked(
    editor_client, footage, english_and_french, django_capture_on_commit_callbacks
):
    _english, french = english_and_french

    with django_capture_on_commit_callbacks(execute=True):
        _save_in_admin(editor_client, french, language="de")
    assert _track(footage, "fr") is None
    assert _track(footage, "de").cues.first().start_ms == 4000

    french.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        _save_in_admin(editor_client, french, translations=[])
    assert _track(footage, "de") is None
    assert _track(footage, "en").cues.first().start_ms == 4000


def test_unpublishing_or_deleting_withdraws_the_captions_before_the_commit(
    footage, english_and_french, django_capture_on_commit_callbacks
):
    """Nothing queued after the commit needs to run (it may fail): the text that stops being
    public stops being served as captions in the same transaction."""
    english, french = english_and_french

    with django_capture_on_commit_callbacks(execute=False):
        publishing.unpublish(item=french)
        assert _track(footage, "fr") is None
        assert _track(footage, "en") is not None
        english.delete()
        assert _track(footage, "en") is None


def test_unpublished_captions_left_behind_are_removed_and_missing_ones_rebuilt_by_the_sweep(
    footage, english_and_french, settings
):
    _english, french = english_and_french
    # A soundbite track in another language is not the sweep's business.
    replace_caption_track(
        video=footage, language="de", source=CaptionTrack.Source.SOUNDBITES,
        cues=[Cue(1000, 2000, "Guten Morgen.")],
    )  # fmt: skip
    # Lost work: the state changed without the caption service (a task that never ran).
    Speech.objects.filter(pk=french.pk).update(status=Speech.Status.DRAFT, published_at=None)
    CaptionTrack.objects.filter(video=footage, language="en").delete()

    assert reconcile_captions_task.delay().get() == {"removed": 1, "synced": 1}

    assert _track(footage, "fr") is None
    assert _track(footage, "en").cues.first().start_ms == 4000
    assert _track(footage, "de").source == CaptionTrack.Source.SOUNDBITES
    assert reconcile_captions_task.delay().get() == {"removed": 0, "synced": 0}
    entry = settings.CELERY_BEAT_SCHEDULE["reconcile-speech-captions"]
    assert entry["task"] == reconcile_captions_task.name
    assert entry["schedule"].minute == set(range(0, 60, 10))


@pytest.mark.integration
def test_publishing_a_timecoded_speech_has_the_worker_write_its_captions(
    celery_worker, footage, wait
):
    speech = SpeechFactory(body=ENGLISH, timecode_video=footage)
    services.set_timecodes(speech=speech, timecodes={0: 4, 1: 12})

    publishing.publish(item=speech)  # committed: the task goes to Redis, the worker runs it

    track = wait(lambda: _track(footage, "en"), message="the worker wrote no caption track")
    assert [c.start_ms for c in track.cues.order_by("position")][:2] == [4000, 12000]
