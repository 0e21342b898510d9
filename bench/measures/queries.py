"""P2: SQL queries per page, after an edit and from the page cache."""

from __future__ import annotations

from bench.measures.pages import Page


def count_queries(pages: list[Page], *, email: str) -> dict[str, dict[str, int]]:
    """SQL queries per page, as Django's CaptureQueriesContext counts them.

    Twice per page: the first view after an editor's change (the content version moved, so
    the page is rendered) and the next one (served from the page cache). Per-process caches
    (site, content types) warm up first.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from core.content_version import bump

    anonymous = Client(SERVER_NAME="127.0.0.1")
    member = Client(SERVER_NAME="127.0.0.1")
    member.force_login(User.objects.get(email=email))
    counts: dict[str, dict[str, int]] = {"after an edit": {}, "cached": {}}
    for page in pages:
        client = member if page.logged_in else anonymous
        client.get(page.path, secure=True)
        bump()
        for moment in counts:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page.path, secure=True)
            if response.status_code != 200:
                raise RuntimeError(f"{page.name} answered {response.status_code}")
            counts[moment][page.name] = len(queries.captured_queries)
    return counts
