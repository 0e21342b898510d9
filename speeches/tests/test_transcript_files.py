"""A journalist downloads a speech's transcript as plain text or PDF, to quote from it."""

from __future__ import annotations

import datetime
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from speeches.models import Speech
from speeches.tests.factories import SpeechFactory

pytestmark = pytest.mark.django_db

FRENCH = (
    "Mesdames et Messieurs les ministres, Excellences, bonjour.\n\n"
    "Je vous souhaite la bienvenue à cette réunion *informelle* du Conseil OTAN-Russie, "
    "où l'on parle de sécurité euro-atlantique, de maîtrise des armements et de confiance "
    "réciproque, à l'échelon des ministres de la Défense.\n\n"
    "> « Nous sommes ici pour écouter. »\n\n"
    "Je demande maintenant aux membres de la presse de quitter la salle."
)
RUSSIAN = (
    "Министры, Ваши превосходительства, дамы и господа, доброе утро.\n\n"
    "Добро пожаловать на заседание Совета Россия–НАТО на уровне министров обороны.\n\n"  # noqa: RUF001 - Russian text on purpose
    "Теперь я попрошу представителей прессы покинуть зал."
)
PLAIN_FRENCH = [
    "Mesdames et Messieurs les ministres, Excellences, bonjour.",
    "Je vous souhaite la bienvenue à cette réunion informelle du Conseil OTAN-Russie, "
    "où l'on parle de sécurité euro-atlantique, de maîtrise des armements et de confiance "
    "réciproque, à l'échelon des ministres de la Défense.",
    "« Nous sommes ici pour écouter. »",
    "Je demande maintenant aux membres de la presse de quitter la salle.",
]


def _speech(**fields) -> Speech:
    defaults = {
        "published": True,
        "title": "Remarks at the NATO-Russia Council",
        "slug": "nrc-remarks",
        "speaker_name": "Jane Speaker",
        "speaker_role": "Deputy Secretary General",
        "event": "Defence Ministers' meeting",
        "location": "Brussels",
        "date_delivered": datetime.date(2024, 2, 15),
    }
    return SpeechFactory(**(defaults | fields))


def _url(speech: Speech, file_format: str) -> str:
    return reverse(
        "speeches:speech_transcript", kwargs={"slug": speech.slug, "file_format": file_format}
    )


def _words(text: str) -> str:
    return " ".join(text.split())


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_plain_text_holds_the_transcript_the_credit_line_and_the_page_address(client, settings):
    settings.SITE_URL = "https://media.example.org/"
    speech = _speech(language="fr", body=FRENCH)

    response = client.get(_url(speech, "txt"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="nrc-remarks.txt"'
    assert response["Content-Language"] == "fr"
    assert (
        response.content.decode()
        == "\n\n".join(
            [
                "Remarks at the NATO-Russia Council\n"
                "Jane Speaker, Deputy Secretary General\n"
                "Defence Ministers' meeting · Brussels · Feb. 15, 2024",
                *PLAIN_FRENCH,
                "Transcript: Multimedia Portal\nhttps://media.example.org/speeches/nrc-remarks/",
            ]
        )
        + "\n"
    )


@pytest.mark.parametrize(("language", "body"), [("fr", FRENCH), ("ru", RUSSIAN)])
def test_the_pdf_reads_back_as_the_plain_text_in_french_and_russian(client, language, body):
    speech = _speech(language=language, body=body)

    response = client.get(_url(speech, "pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="nrc-remarks.pdf"'
    text = client.get(_url(speech, "txt")).content.decode()
    assert _words(_pdf_text(response.content)) == _words(text)
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.metadata.title == "Remarks at the NATO-Russia Council"
    fonts = {
        font["/BaseFont"]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].get_object().values()
    }
    assert all("DejaVuSans" in name for name in fonts), fonts


def test_a_long_transcript_runs_over_several_pages_and_loses_no_word(client):
    paragraphs = [f"Paragraph {n}: " + "words of the speech, " * 40 + "end." for n in range(30)]
    speech = _speech(body="\n\n".join(paragraphs))

    content = client.get(_url(speech, "pdf")).content

    assert len(PdfReader(io.BytesIO(content)).pages) > 3
    assert _words(_pdf_text(content)) == _words(client.get(_url(speech, "txt")).content.decode())


def test_a_french_reader_gets_the_labels_in_french(client):
    speech = _speech(body="Bonjour.")

    text = client.get(_url(speech, "txt"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "15 février 2024" in text
    assert "Transcription : Multimedia Portal" in text


@pytest.mark.parametrize("traits", [{"published": False}, {"published": False, "scheduled": True}])
def test_a_speech_that_is_not_public_has_no_transcript_file(client, traits):
    speech = _speech(**traits)
    assert not speech.is_public

    for file_format in ("txt", "pdf"):
        assert client.get(_url(speech, file_format)).status_code == 404


def test_the_speech_page_links_both_files(client):
    speech = _speech()

    html = client.get(speech.get_absolute_url()).content.decode()

    assert f'href="{_url(speech, "txt")}"' in html
    assert f'href="{_url(speech, "pdf")}"' in html


def test_an_edit_changes_the_pdf_at_once(client):
    speech = _speech(body="First words.")
    client.get(_url(speech, "pdf"))

    Speech.objects.filter(pk=speech.pk).update(body="Second words.")

    assert "Second words." in _pdf_text(client.get(_url(speech, "pdf")).content)


@pytest.mark.parametrize("file_format", ["txt", "pdf"])
def test_a_transcript_file_takes_one_query(client, django_assert_num_queries, file_format):
    speech = _speech(body="Good morning.\n\nThank you.")

    with django_assert_num_queries(1):
        assert client.get(_url(speech, file_format)).status_code == 200


def test_drawing_a_pdf_logs_nothing_an_operator_need_read(client, caplog):
    speech = _speech(body=RUSSIAN)

    with caplog.at_level("DEBUG"):
        client.get(_url(speech, "pdf"))

    assert not [record for record in caplog.records if record.name.startswith("fontTools")]
