"""The schema is valid OpenAPI 3 and lists every endpoint of /api/v1/; the docs page shows it."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from api import urls
from api.docs import api_schema

pytestmark = pytest.mark.django_db


def test_the_schema_is_valid_openapi_3():
    schema = api_schema()
    assert schema["openapi"].startswith("3.")
    validate(schema)


def test_every_endpoint_of_the_api_is_in_the_schema():
    paths = set(api_schema()["paths"])
    expected = {
        "/api/v1/"
        + str(pattern.pattern)
        .replace("<slug:", "{")
        .replace("<int:", "{")
        .replace("<str:", "{")
        .replace(">", "}")
        for pattern in urls.urlpatterns
        if pattern.name not in {"schema", "docs", "no-such-endpoint"}
    }
    assert len(expected) == 11
    assert expected == paths


def test_the_schema_is_served_and_valid(client):
    response = client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    validate(response.json())


def test_the_documentation_page_lists_every_endpoint_without_script_and_under_the_csp(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    for path in api_schema()["paths"]:
        assert path in html
    assert "<script" not in html.split("</main>")[0].split("<main")[-1]
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp


def test_the_documentation_page_is_in_french_for_a_french_browser(client):
    response = client.get("/api/v1/docs/", HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    assert "Documentation de l’API" in html  # noqa: RUF001
    assert "Vidéos par page : de 1 à 100, 24 par défaut." in html
    assert "Sans jeton, chaque adresse peut faire 120 requêtes par minute." in html
    assert "Videos a page" not in html
