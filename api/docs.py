"""The API's documentation page: the OpenAPI schema rendered on the server.

Swagger UI and Redoc are scripts from a CDN with inline styles, which the site's CSP (no
inline script or style, `'self'` only) and the no-network rule forbid; a server-rendered page
needs neither and reads like the rest of the site.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")


@lru_cache(maxsize=4)
def api_schema(language: str = "en") -> dict:
    """The schema with its descriptions in `language`, generated once per process and
    language: it is made from code, which a deploy restarts."""
    with translation.override(language):
        return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema: dict) -> list[dict]:
    operations = []
    for path, item in schema["paths"].items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            operations.append(
                {
                    "anchor": operation["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "description": operation.get("description", ""),
                    "needs_token": {"bearerAuth": []} in operation.get("security", [])
                    and {} not in operation.get("security", []),
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "where": parameter["in"],
                            "type": parameter.get("schema", {}).get("type", ""),
                            "values": parameter.get("schema", {}).get("enum", []),
                            "description": parameter.get("description", ""),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                    "responses": sorted(operation.get("responses", {})),
                }
            )
    return operations


@require_GET
def documentation(request: HttpRequest) -> HttpResponse:
    schema = api_schema(translation.get_language())
    return render(
        request,
        "api/docs.html",
        {
            "info": schema["info"],
            "operations": _operations(schema),
            "rate": settings.API_TOKEN_REQUESTS_PER_MINUTE,
            "anonymous_rate": settings.API_ANONYMOUS_REQUESTS_PER_MINUTE,
        },
    )
