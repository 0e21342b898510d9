"""Cursor pagination: opaque `cursor` links to the next and previous pages.

Videos: the catalogue's own listing (media_library.search.catalogue_page: its search with the
1,000-result cap, filters, sorts and cached counts), addressed by a signed cursor holding the
position and the page size, so a client cannot ask for an arbitrary page size mid-walk.
Everything else: DRF's keyset CursorPagination on a unique field.
"""

from __future__ import annotations

from django.core import signing
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_PAGE_SIZE = 24
MAX_PAGE_SIZE = 100
CURSOR_SALT = "api.video-cursor"


def page_size_of(request) -> int:
    raw = request.query_params.get("page_size")
    if raw in (None, ""):
        return DEFAULT_PAGE_SIZE
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ValidationError({"page_size": [f"1–{MAX_PAGE_SIZE}"]})  # noqa: RUF001
    return size


class VideoCursor:
    """The position of a page of videos: (page number, page size), signed."""

    @staticmethod
    def read(request) -> tuple[int, int]:
        raw = request.query_params.get("cursor")
        if not raw:
            return 1, page_size_of(request)
        try:
            data = signing.loads(raw, salt=CURSOR_SALT)
            return int(data["p"]), int(data["s"])
        except (signing.BadSignature, KeyError, TypeError, ValueError):
            raise ValidationError({"cursor": ["invalid"]}) from None

    @staticmethod
    def link(request, *, page: int, size: int) -> str:
        url = request.build_absolute_uri()
        url = remove_query_param(url, "page_size")
        return replace_query_param(
            url, "cursor", signing.dumps({"p": page, "s": size}, salt=CURSOR_SALT)
        )


class SlugCursorPagination(pagination.CursorPagination):
    ordering = "slug"
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_paginated_response_schema(self, schema: dict) -> dict:
        # DRF writes OpenAPI 3.0's `nullable`, which 3.1 dropped: a null link would fail the
        # schema that the tests validate every response against.
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }


class SpeechCursorPagination(SlugCursorPagination):
    # date_delivered places the cursor; DRF's offset resolves speeches of the same day.
    ordering = ("-date_delivered", "-pk")
