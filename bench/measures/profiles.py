"""Profiles of the pages that missed their throughput target."""

from __future__ import annotations

import os

from bench.measures.pages import Page


def profile_page(page: Page, *, email: str, requests: int) -> str:
    """Where a page's time goes: pyinstrument over `requests` in-process renders."""
    # The coarse timer is used on purpose (interval 5 ms); its warning is noise here.
    os.environ.setdefault("PYINSTRUMENT_IGNORE_OVERHEAD_WARNING", "1")
    try:
        from pyinstrument import Profiler
    except ImportError:
        return "pyinstrument is not installed (requirements-dev.txt): no profile taken."
    from django.test import Client

    from accounts.models import User

    client = Client(SERVER_NAME="127.0.0.1")
    if page.logged_in:
        client.force_login(User.objects.get(email=email))
    client.get(page.path, secure=True)
    profiler = Profiler(
        interval=0.005
    )  # the coarse timer: the precise one costs 1 ms a sample here
    profiler.start()
    for _ in range(requests):
        client.get(page.path, secure=True)
    profiler.stop()
    text = profiler.output_text(unicode=False, color=False, show_all=False, short_mode=False)
    lines = [line for line in text.splitlines() if line.strip()]
    # The header and the first levels of the tree hold the finding; the rest is detail.
    return "\n".join(lines[:60])
