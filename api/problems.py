"""Errors as RFC 9457 problem details: `type`, `title`, `status`, `detail`, served as
`application/problem+json`, with the title in the request's language (LocaleMiddleware)."""

from __future__ import annotations

import math

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.response import Response

PROBLEM_TYPE_BASE = "/api/v1/problems/"
MEDIA_TYPE = "application/problem+json"


def _titles() -> dict[int, tuple[str, str]]:
    # Called per response, so each title is translated into the active language.
    return {
        400: ("invalid-request", _("Invalid request")),
        401: ("not-authenticated", _("Authentication required")),
        403: ("forbidden", _("Not allowed")),
        404: ("not-found", _("Not found")),
        405: ("method-not-allowed", _("Method not allowed")),
        406: ("not-acceptable", _("Not acceptable")),
        410: ("link-expired", _("Link expired")),
        415: ("unsupported-media-type", _("Unsupported media type")),
        429: ("too-many-requests", _("Too many requests")),
    }


def problem(status: int, detail: str, *, errors: dict | None = None, headers=None) -> Response:
    slug, title = _titles().get(status, ("error", _("Error")))
    body = {
        "type": f"{PROBLEM_TYPE_BASE}{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status=status, headers=headers, content_type=MEDIA_TYPE)


def exception_handler(exc, context) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if isinstance(exc, exceptions.Throttled):
        headers["Retry-After"] = str(math.ceil(exc.wait or 1))
        request = context.get("request")
        detail = (
            _("Too many requests with this token: wait and try again.")
            if request is not None and request.auth is not None
            else _("Too many requests from your address: wait, or use an API token.")
        )
        return problem(429, detail, headers=headers)
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    detail = exc.detail
    errors = None
    if isinstance(detail, dict):
        errors = detail
        detail = _("Some parameters are not valid: see errors.")
    elif isinstance(detail, list):
        detail = " ".join(str(item) for item in detail)
    return problem(exc.status_code, str(detail), errors=errors, headers=headers)


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


def problems(*statuses: int) -> dict:
    """The problem responses of an operation, for `extend_schema(responses=…)`."""
    return {(status, MEDIA_TYPE): ProblemSerializer for status in statuses}
