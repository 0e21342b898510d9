"""English and French: every UI string has a French translation, French pages show no
English UI text, emails go out in the reader's language, and dates and numbers are local."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from e2e.conftest import PASSWORD, code_from
from e2e.flows import PAGES, walk_every_page
from e2e.i18n import BASE_DIR, portal_messages, shadowed, untranslated

PROJECT_PO = BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.po"


# --- The catalogues ---------------------------------------------------------------------------


def test_the_extractor_finds_the_strings_of_templates_emails_and_python_code():
    messages = portal_messages()

    assert "Check your inbox and enter verification code" in messages  # {% translate %}
    assert "Enter this code to verify your email address:" in messages  # email template
    assert "language switcher\x04Change" in messages  # {% translate ... context %}
    assert messages["The code expires in %(minutes)s minute."].plural == (
        "The code expires in %(minutes)s minutes."
    )  # {% blocktranslate count %}
    assert "You must accept the terms of use to create an account." in messages  # forms.py
    assert len(messages) > 300


def test_french_catalogues_translate_every_msgid_of_the_portal():
    missing = untranslated("fr")

    assert not missing, "msgids without a French translation (run `python -m e2e.i18n`):\n" + (
        "\n".join(f"{m.source}: {m.msgid!r}" for m in missing)
    )


def test_every_french_entry_of_ours_is_the_one_readers_see():
    # Django's admin said "Tout" for the speeches' "All", and "Aucun(e)" for a silent
    # rendition's "None": an earlier catalogue wins, so such a msgid needs a context.
    hidden = shadowed("fr")

    assert not hidden, "entries another catalogue shadows (run `python -m e2e.i18n`):\n" + (
        "\n".join(f"{h.catalogue}: {h.msgid!r} shows {h.shown!r}, not {h.ours!r}" for h in hidden)
    )


def _po_entries(path: Path) -> list[str]:
    return [block for block in path.read_text(encoding="utf-8").split("\n\n") if block.strip()]


@pytest.mark.parametrize(
    "po",
    [PROJECT_PO, *sorted(BASE_DIR.glob("*/locale/fr/LC_MESSAGES/django.po"))],
    ids=lambda p: str(p.relative_to(BASE_DIR)),
)
def test_french_catalogues_have_no_fuzzy_entry_and_their_compiled_file_is_up_to_date(po: Path):
    fuzzy = [entry for entry in _po_entries(po) if re.search(r"^#,.*\bfuzzy\b", entry, re.M)]
    assert not fuzzy, f"fuzzy entries are not used at run time:\n{fuzzy}"

    with po.with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    msgids = set()
    for entry in _po_entries(po):
        match = re.search(r'^(?:msgctxt "(.*)"\n)?msgid "(.*)"', entry, re.M)
        if match and (match.group(2) or not entry.lstrip().startswith("msgid")):
            context, msgid = match.groups()
            msgid = msgid.encode().decode("unicode_escape").encode("latin-1").decode("utf-8")
            msgids.add(f"{context}\x04{msgid}" if context else msgid)
    stale = {
        msgid
        for msgid in msgids
        if msgid and "\n" not in msgid and msgid not in compiled and (msgid, 0) not in compiled
    }
    assert not stale, f"{po.with_suffix('.mo')} lacks these msgids: compile the catalogue\n{stale}"


# --- Emails, dates and numbers ----------------------------------------------------------------

REGISTRATION = {
    "first_name": "Amélie",
    "last_name": "Journaliste",
    "organisation": "Radio Nord",
    "country": "FR",
    "email": "amelie@radionord.example",
    "password1": PASSWORD,
    "password2": PASSWORD,
    "accept_terms": "on",
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "subject", "body"),
    [
        ("en", "Your verification code", "Enter this code to verify your email address:"),
        ("fr", "Votre code de vérification", "Saisissez ce code pour vérifier votre adresse"),
    ],
)
def test_the_verification_email_is_written_in_the_language_of_the_page(
    client, mailoutbox, run_on_commit, language, subject, body
):
    client.cookies["django_language"] = language
    with run_on_commit():
        response = client.post(reverse("account_signup"), REGISTRATION)

    assert response.status_code == 302
    (message,) = mailoutbox
    assert subject in message.subject
    assert body in message.body
    code_from(message)
    (html, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    assert f'<html lang="{language}">' in html
    assert body in html


@pytest.mark.django_db
def test_the_password_reset_email_is_written_in_french_for_a_french_reader(
    client, mailoutbox, run_on_commit
):
    from accounts.tests.factories import UserFactory

    user = UserFactory()
    client.cookies["django_language"] = "fr"
    with run_on_commit():
        client.post(reverse("account_reset_password"), {"email": user.email})

    (message,) = mailoutbox
    assert "Votre code de réinitialisation du mot de passe" in message.subject
    assert "Saisissez ce code pour réinitialiser votre mot de passe :" in message.body
    assert "Ce code expire dans 30 minutes." in message.body


@pytest.mark.django_db
def test_dates_and_numbers_are_written_the_french_way(client):
    from media_library.tests.factories import RenditionFactory
    from speeches.tests.factories import SpeechFactory

    speech = SpeechFactory(published=True, date_delivered="2004-10-13")
    rendition = RenditionFactory(file_size=406_323)
    client.cookies["django_language"] = "fr"

    speech_page = client.get(speech.get_absolute_url()).content.decode()
    video_page = client.get(rendition.video.get_absolute_url()).content.decode()
    client.cookies["django_language"] = "en"
    english_speech_page = client.get(speech.get_absolute_url()).content.decode()
    translation.deactivate()

    assert "13 octobre 2004" in speech_page
    assert "<dd>Anglais</dd>" in speech_page  # the speech's language, named in French
    assert "Oct. 13, 2004" in english_speech_page
    assert "396,8\xa0Kio" in video_page  # a decimal comma, French units


# --- The pages in French ----------------------------------------------------------------------


def _english_ui_strings() -> set[str]:
    """Our msgids that French writes differently, long enough not to match by chance."""
    with translation.override("fr"):
        return {
            m.msgid
            for m in portal_messages().values()
            if m.plural is None
            and m.context is None
            and "%(" not in m.msgid
            and "<" not in m.msgid
            and len(m.msgid.split()) >= 2
            and translation.gettext(m.msgid) != m.msgid
        }


@pytest.mark.integration
def test_french_pages_show_no_english_ui_string(new_context, live_server, catalogue, mailoutbox):
    english = _english_ui_strings()
    context = new_context()
    context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    page = context.new_page()
    leftovers: dict[str, list[str]] = {}
    visited = []

    def visit(name: str) -> None:
        visited.append(name)
        text = page.locator("body").inner_text() + " " + page.title()
        found = sorted(s for s in english if s in text)
        if found:
            leftovers[name] = found

    walk_every_page(page, catalogue, mailoutbox, visit)

    assert visited == PAGES
    assert not leftovers, f"English UI text on French pages: {leftovers}"


# --- The catalogue's own words in French -------------------------------------------------------

# The page's own words, each in an element of its own: labels, headings, buttons, table
# headers, filter options, navigation (not the language switch, which names each language in
# itself: "English", "Français").
UI_ELEMENTS = ", ".join(
    [
        *(
            f"main {element}"
            for element in [
                "label",
                "legend",
                "dt",
                "th",
                "button",
                "h1",
                "h2",
                "h3",
                "summary",
                "option",
                ".meta",
            ]
        ),
        "header nav a",
        "footer a",
    ]
)


def _english_words_french_says_otherwise() -> set[str]:
    """Every msgid of ours, one word or many, with or without context, that French writes
    differently."""
    words = set()
    with translation.override("fr"):
        for m in portal_messages().values():
            if m.plural is not None or "%(" in m.msgid:
                continue
            if m.context:
                french = translation.pgettext(m.context, m.msgid)
            else:
                french = translation.gettext(m.msgid)
            if french != m.msgid:
                words.add(m.msgid)
    return words


def _ui_texts(page) -> list[str]:
    texts = page.eval_on_selector_all(
        UI_ELEMENTS, "els => els.map(el => (el.innerText || el.textContent).trim())"
    )
    return [page.title(), *texts]


def _described(page, term: str) -> str:
    """The text of the `<dd>` the `<dt>` named `term` describes."""
    return page.locator(
        f"xpath=//main//dt[normalize-space()='{term}']/following-sibling::dd[1]"
    ).inner_text()


@pytest.mark.integration
def test_the_taxonomy_shows_in_french_on_french_pages_and_no_english_word_is_left(
    new_context, live_server, catalogue
):
    from media_library import demo

    demo.name_in_french()  # the French names an editor gives the demo's terms
    english_words = _english_words_french_says_otherwise()
    english_names = {
        "Speech",
        "NATO-Russia Council, Defence Ministers' informal session",
        "NATO-Russia Council",
        "defence ministers",
        "English",
        "Romania",
    }
    context = new_context()
    context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    page = context.new_page()
    leftovers: dict[str, list[str]] = {}

    def check(name: str, *, terms: bool = True) -> None:
        words = english_words | english_names if terms else english_words
        found = [t for t in _ui_texts(page) if t in words]
        if found:
            leftovers[name] = found

    page.goto(reverse("media_library:video_list"))
    check("catalogue")
    options = {
        name: page.locator(f"main select[name={name}] option").all_inner_texts()
        for name in ("category", "event", "language", "country")
    }
    assert options["category"] == ["Toutes les catégories", "Discours"]
    assert options["event"] == [
        "Tous les événements",
        "Conseil OTAN-Russie, réunion informelle des ministres de la Défense",
    ]
    assert options["language"] == ["Toutes les langues", "Anglais"]
    assert options["country"] == ["Tous les pays", "Roumanie"]
    card = page.locator(":is(li, article)").filter(
        has=page.locator(f"a[href='{catalogue.video.get_absolute_url()}']")
    )
    assert "Discours" in card.last.inner_text()

    page.goto(reverse("media_library:video_list") + "?category=speech&country=RO")
    check("catalogue-filtered")
    assert page.locator("main select[name=category] option:checked").inner_text() == "Discours"

    page.goto(catalogue.video.get_absolute_url())
    check("video")
    assert "Discours" in page.locator("main").inner_text()
    assert _described(page, "Événement") == (
        "Conseil OTAN-Russie, réunion informelle des ministres de la Défense"
    )
    assert _described(page, "Langue") == "Anglais"
    assert _described(page, "Lieu") == "Poiana Brașov, Roumanie"
    assert page.locator("main ul.chips li").all_inner_texts() == [
        "Conseil OTAN-Russie",
        "ministres de la Défense",
    ]

    # A speech's event is its own text, in its own language (the English speech's is listed).
    page.goto(reverse("speeches:speech_list"))
    check("speeches", terms=False)
    page.goto(catalogue.speech.get_absolute_url())
    check("speech", terms=False)

    assert not leftovers, f"English words on French pages: {leftovers}"


@pytest.mark.integration
def test_switching_to_french_on_a_speech_opens_its_french_version(page, catalogue):
    from speeches import demo as speeches_demo

    page.goto(catalogue.speech.get_absolute_url())
    assert page.locator("html").get_attribute("lang") == "en"

    page.locator("#language-select").select_option("fr")
    page.locator(".language-switcher button").click()
    page.wait_for_url(f"**/{speeches_demo.NRC_FRENCH_SLUG}/")

    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.locator("main h1").inner_text().startswith("Allocution d'ouverture")

    page.locator("#language-select").select_option("en")
    page.locator(".language-switcher button").click()
    page.wait_for_url(f"**{catalogue.speech.get_absolute_url()}")
    assert page.locator("html").get_attribute("lang") == "en"
