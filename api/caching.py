"""The public lists' pages, rendered once per content version and served to every client.

An API page is the same for every caller (only published content, whoever asks), so the
JSON of a page of the video list is kept under the content version, as the site's cached
pages are (`core.page_cache`, docs/caching.md): any edit of public content moves the
version, so a page stored before it is built again; `timeout` bounds what time alone changes
(a scheduled video's minute coming). Each process also keeps the pages it served last, so a
hot page costs no round trip to Redis. The key holds the whole absolute URL (the links in a
page are absolute) and the language.

The rate limits still count every request: they run before the view.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.translation import get_language
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from core import content_version

# Longer query strings are not worth an entry (and would let anyone fill the cache).
MAX_CACHED_QUERY_LENGTH = 512
# Pages each process keeps in its own memory (a page of 100 videos is about 40 KB).
LOCAL_PAGES = 128
STATE_HEADER = "X-Page-Cache"
_clock = time.monotonic


class _LocalPages:
    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.pages: OrderedDict[str, tuple[int, float, bytes]] = OrderedDict()

    def get(self, key: str, version: int) -> bytes | None:
        with self.lock:
            found = self.pages.get(key)
            if found is None or found[0] != version or found[1] < _clock():
                return None
            self.pages.move_to_end(key)
            return found[2]

    def keep(self, key: str, version: int, body: bytes, timeout: float) -> None:
        with self.lock:
            self.pages[key] = (version, _clock() + timeout, body)
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


_local = _LocalPages(LOCAL_PAGES)


def forget_local_copies() -> None:
    """Drop this process's pages (tests)."""
    _local.clear()


def _key(request: Request) -> str:
    url = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()[:32]
    return f"api:page:{get_language()}:{url}"


def _json(body: bytes, state: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json")
    response[STATE_HEADER] = state
    return response


def cached_json(
    request: Request, build: Callable[[], Response], *, timeout: int
) -> Response | HttpResponse:
    """`build()`'s JSON, from the cache when this URL's page is stored under the current
    content version; a response other than a 200 is neither stored nor served from it."""
    if len(request.META.get("QUERY_STRING", "")) > MAX_CACHED_QUERY_LENGTH:
        return build()
    key = _key(request)
    # Read before `build()` reads anything: a page built from data older than an edit is
    # never stored under the version that edit moved to.
    version = content_version.current()
    body = _local.get(key, version)
    if body is None:
        stored = cache.get(key)
        if isinstance(stored, tuple) and len(stored) == 3 and stored[0] == version:
            body = stored[2]
            _local.keep(key, version, body, stored[1] - time.time())
    if body is not None:
        return _json(body, "hit")
    response = build()
    if response.status_code != 200:
        return response
    body = JSONRenderer().render(response.data)
    cache.set(key, (version, time.time() + timeout, body), timeout)
    _local.keep(key, version, body, timeout)
    return _json(body, "miss")
