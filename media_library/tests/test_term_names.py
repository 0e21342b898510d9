"""French all the way: the terms editors name (categories, events, tags) in each language,
languages and countries named from Django's and django-countries' translations, on the
catalogue, its filters, its cards, the video page and the search."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from media_library.models import Category, Language
from media_library.tests.factories import (
    CategoryFactory,
    EventFactory,
    LanguageFactory,
    RenditionFactory,
    TagFactory,
    VideoFactory,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("media_library:video_list")


@pytest.fixture
def video():
    """A Romanian speech with its terms named in English and in French."""
    video = VideoFactory(
        title="Opening remarks",
        category=CategoryFactory(name="Speech", slug="speech", name_fr="Discours"),
        event=EventFactory(
            name="Meeting of Defence Ministers",
            name_fr="Réunion des ministres de la Défense",
            slug="defence-ministers",
        ),
        tags=[TagFactory(name="air defence", name_fr="défense aérienne")],
        country="RO",
        location="Poiana Brașov",
    )
    video.languages.set([LanguageFactory(code="en", name="English")])
    RenditionFactory(video=video)
    return video


def _get(client, url: str, language: str, **params) -> str:
    client.cookies["django_language"] = language
    return client.get(url, params).content.decode()


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select, f"no {name} filter"
    return re.findall(r"<option[^>]*>([^<]*)</option>", select.group(0))


def _dd(html: str, term: str) -> str:
    match = re.search(rf"<dt>{term}</dt><dd>(.*?)</dd>", html, re.S)
    assert match, f"no {term} on the page"
    return re.sub(r"<[^>]+>", " ", match.group(1))


def test_a_term_has_a_name_in_each_language_and_falls_back_to_english():
    untranslated = CategoryFactory(name="Interview", slug="interview")
    translated = CategoryFactory(name="Speech", slug="speech", name_fr="Discours")

    with translation.override("fr"):
        assert (translated.name, untranslated.name) == ("Discours", "Interview")
        assert dict(Category.objects.values_list("slug", "name")) == {
            "interview": "Interview",
            "speech": "Discours",
        }
    with translation.override("en"):
        assert translated.name == "Speech"


def test_the_french_catalogue_names_terms_languages_and_countries_in_french(client, video):
    html = _get(client, LIST_URL, "fr")

    assert _options(html, "category") == ["Toutes les catégories", "Discours"]
    assert _options(html, "event") == ["Tous les événements", "Réunion des ministres de la Défense"]
    assert _options(html, "language") == ["Toutes les langues", "Anglais"]
    assert _options(html, "country") == ["Tous les pays", "Roumanie"]
    assert _options(html, "min_height")[0] == "Toutes les résolutions"
    # The card names its category, event and tags in French too.
    assert "Discours</span>" in html
    assert ">Réunion des ministres de la Défense</a>" in html
    assert ">défense aérienne</a>" in html
    assert "Speech" not in html and "air defence" not in html


def test_the_english_catalogue_keeps_the_english_names_after_a_french_visit(client, video):
    _get(client, LIST_URL, "fr")  # the French filter form, choices and cards are cached now

    html = _get(client, LIST_URL, "en")

    assert _options(html, "category") == ["All categories", "Speech"]
    assert _options(html, "language") == ["All languages", "English"]
    assert _options(html, "country") == ["All countries", "Romania"]
    assert "Speech</span>" in html
    assert ">air defence</a>" in html
    assert "Discours" not in html and "défense aérienne" not in html
    # And the other way round: each language keeps its own copies.
    assert _options(_get(client, LIST_URL, "fr"), "country") == ["Tous les pays", "Roumanie"]


def test_the_french_video_page_names_its_terms_as_the_french_filters_do(client, video):
    html = _get(client, video.get_absolute_url(), "fr")
    filters = _get(client, LIST_URL, "fr")

    assert "Discours" in html
    assert "Réunion des ministres de la Défense" in _dd(html, "Événement")
    assert "Anglais" in _dd(html, "Langue")
    assert "défense aérienne" in _dd(html, "Mots-clés")
    # One source for country names: the filter says what the video page says.
    assert "Roumanie" in _dd(html, "Lieu")
    assert "Roumanie" in _options(filters, "country")
    main = html[html.index("<main") : html.index("</main>")]  # the footer lists "English"
    for english in ["Speech", "Meeting of Defence Ministers", "air defence", "English", "Romania"]:
        assert english not in main, english
    assert "Publiée le" in html


def test_a_language_django_knows_is_named_by_django_and_another_by_its_editors():
    with translation.override("fr"):
        assert Language(code="ru", name="Russian").label == "Russe"
        assert Language(code="pt-BR", name="Portuguese").label == "Portugais brésilien"
        assert Language(code="tlh", name="Klingon", name_fr="Klingon (fr)").label == "Klingon (fr)"
    with translation.override("en"):
        assert Language(code="ru", name="Russian").label == "Russian"


def test_the_french_catalogue_costs_the_same_queries_as_the_english_one(
    client, video, django_assert_num_queries
):
    VideoFactory.create_batch(3, category=video.category)
    client.cookies["django_language"] = "fr"
    # count + page + categories + events + languages + countries: no query per card for the
    # French name of its category.
    with django_assert_num_queries(6):
        html = client.get(LIST_URL, {"q": "remarks"}).content.decode()
    assert "Discours</span>" in html


def test_search_finds_a_video_by_its_terms_french_names(postgres, client, video):
    for query in ["Discours", "défense aérienne", "Roumanie", "Speech", "Romania"]:
        client.cookies["django_language"] = "en"
        response = client.get(LIST_URL, {"q": query})
        assert [v.title for v in response.context["videos"]] == ["Opening remarks"], query


def test_the_admin_edits_a_terms_name_in_each_language(admin_client):
    form = admin_client.get(reverse("admin:media_library_category_add")).content.decode()

    assert 'name="name_en"' in form and 'name="name_fr"' in form

    response = admin_client.post(
        reverse("admin:media_library_category_add"),
        {"name_en": "Interview", "name_fr": "Entretien", "slug": "interview", "position": 0},
    )

    assert response.status_code == 302
    category = Category.objects.get(slug="interview")
    assert (category.name_en, category.name_fr) == ("Interview", "Entretien")
    # Two categories without a French name yet do not collide on it.
    admin_client.post(
        reverse("admin:media_library_category_add"),
        {"name_en": "B-roll", "name_fr": "", "slug": "b-roll", "position": 1},
    )
    admin_client.post(
        reverse("admin:media_library_category_add"),
        {"name_en": "Package", "name_fr": "", "slug": "package", "position": 2},
    )
    assert Category.objects.filter(name_fr=None).count() == 2


# The edit commits, as an editor's does: the search vectors are rebuilt after it (a task,
# run in the process here), then the content version moves.
@pytest.mark.django_db(transaction=True)
def test_a_french_name_given_later_is_found_once_saved(postgres, admin_client):
    tag = TagFactory(name="air defence", slug="air-defence")
    VideoFactory(title="Opening remarks", tags=[tag])
    assert not admin_client.get(LIST_URL, {"q": "aérienne"}).context["videos"]

    response = admin_client.post(
        reverse("admin:media_library_tag_change", args=[tag.pk]),
        {"name_en": "air defence", "name_fr": "défense aérienne", "slug": "air-defence"},
    )

    assert response.status_code == 302
    found = admin_client.get(LIST_URL, {"q": "aérienne"}).context["videos"]
    assert [video.title for video in found] == ["Opening remarks"]


@pytest.mark.parametrize("model", ["category", "event", "tag", "language"])
def test_every_terms_admin_shows_both_names_and_finds_a_term_by_either(admin_client, model):
    add = admin_client.get(reverse(f"admin:media_library_{model}_add")).content.decode()
    assert 'name="name_en"' in add and 'name="name_fr"' in add

    make = {
        "category": lambda: CategoryFactory(name="Speech", slug="speech", name_fr="Discours"),
        "event": lambda: EventFactory(name="Summit", slug="summit", name_fr="Sommet"),
        "tag": lambda: TagFactory(name="flags", slug="flags", name_fr="drapeaux"),
        "language": lambda: LanguageFactory(code="tlh", name="Klingon", name_fr="klingon"),
    }[model]
    term = make()
    changelist = reverse(f"admin:media_library_{model}_changelist")
    listed = admin_client.get(changelist).content.decode()
    assert term.name_en in listed and term.name_fr in listed
    if model != "category":  # few enough to need no search
        found = admin_client.get(changelist, {"q": term.name_fr}).context["cl"].result_list
        assert list(found) == [term]


def test_a_video_without_usage_terms_shows_the_sites_in_the_readers_language(client):
    video = VideoFactory(slug="no-terms", usage_terms="")
    own = VideoFactory(slug="own-terms", usage_terms="Pool footage: credit EBU.")

    french = _get(client, video.get_absolute_url(), "fr")
    english = _get(client, video.get_absolute_url(), "en")

    assert "Utilisation gratuite à des fins éditoriales" in french
    assert "Free of charge for editorial use" in english
    assert "Pool footage: credit EBU." in _get(client, own.get_absolute_url(), "fr")


def test_pickers_and_filters_name_a_language_as_the_pages_do():
    with translation.override("fr"):
        assert str(Language(code="en", name="English")) == "Anglais"


def test_a_silent_rendition_says_aucun_not_the_admins_aucun_e(client):
    rendition = RenditionFactory(audio_codec="", audio_channels=None)

    html = _get(client, rendition.video.get_absolute_url(), "fr")

    assert ">Aucun</td>" in html
    assert "Aucun(e)" not in html
