"""The API's test client: every response it gets is validated against the OpenAPI schema."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.test import Client
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse

from api.docs import api_schema


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    """A French request activates French in this thread; later tests expect English."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def _no_pages_of_earlier_tests() -> None:
    from api.caching import forget_local_copies

    forget_local_copies()


@pytest.fixture(scope="session")
def openapi() -> OpenAPI:
    # Problem details are JSON under their own media type (RFC 9457).
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    return OpenAPI.from_dict(api_schema(), config=config)


class ContractClient(Client):
    """A Django test client that validates each JSON or problem response against the schema
    (status, content type, body) and counts how many it validated."""

    def __init__(self, openapi: OpenAPI, **defaults) -> None:
        super().__init__(**defaults)
        self.openapi = openapi
        self.validated = 0

    def request(self, **request):
        response = super().request(**request)
        if response.get("Content-Type", "").startswith(
            ("application/json", "application/problem+json")
        ):
            self.openapi.validate_response(
                DjangoOpenAPIRequest(response.wsgi_request), DjangoOpenAPIResponse(response)
            )
            self.validated += 1
        return response


@pytest.fixture
def api(openapi) -> ContractClient:
    return ContractClient(openapi)


@pytest.fixture
def bearer():
    """Headers that authenticate with `issued` (tokens.IssuedToken)."""
    return lambda issued: {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
