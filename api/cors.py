"""CORS for /api/v1/: off unless origins are listed (`API_CORS_ALLOWED_ORIGINS`).

Off, no CORS header is ever sent, so browsers on other sites cannot read the API's answers.
Listed origins may read them and send `Authorization`; tokens never ride on cookies, so no
credentials mode is offered.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

API_PREFIX = "/api/v1/"
PREFLIGHT_MAX_AGE_SECONDS = 600


class ApiCorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = request.headers.get("Origin")
        allowed = (
            origin is not None
            and request.path.startswith(API_PREFIX)
            and origin in settings.API_CORS_ALLOWED_ORIGINS
        )
        if (
            allowed
            and request.method == "OPTIONS"
            and "Access-Control-Request-Method" in request.headers
        ):
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = "GET, HEAD, POST"
            response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
            response["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
        else:
            response = self.get_response(request)
        if request.path.startswith(API_PREFIX):
            # Whether the header is sent depends on Origin: caches must keep the two apart.
            response["Vary"] = ", ".join(filter(None, [response.get("Vary"), "Origin"]))
        if allowed:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Expose-Headers"] = "Retry-After"
        return response
