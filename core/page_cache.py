"""Whole public pages, rendered once per content version and served to everyone they fit.

A catalogue page, a video page or a speech looks the same to every anonymous visitor, and
the same to every signed-in reader but for the CSRF tokens of their forms (log out,
download; visitors' pages have none). So the page is rendered once with a placeholder where
the tokens go, stored under the content version (any editor's change moves it) and each
request gets a copy with its own token put in. Each process also keeps the pages it served
last and reads the version again at most once a second, so a hot page costs no round trip
at all (docs/caching.md; docs/PERFORMANCE.md, P1 and P1b).

Who is "signed in" is read from the session alone, without loading the user: these pages
hold nothing personal, only public content and the links of a signed-in layout, and every
action on them (download, log out) checks the account itself. Editors never get a cached
page and pages rendered for staff are never stored (they may show previews), nor are
requests with flash messages waiting to be shown, anything but GET and HEAD, and any
response but a plain 200 HTML page. When the cache is unreachable every request renders its
page, as without this module.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps

from django.contrib.auth import SESSION_KEY
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from core import content_version

# Stands where `{% csrf_token %}` writes a token while a page is rendered for the cache. It
# is the same in every process, since they share the cached pages.
CSRF_PLACEHOLDER = "page-cache-csrf-token-placeholder"
# Longer query strings are not worth a cache entry (and would let anyone fill the cache).
MAX_CACHED_QUERY_LENGTH = 512
VISITOR = "visitor"
READER = "reader"
EDITOR_SESSION_KEY = "page_cache.editor"
# Pages each process keeps in its own memory (about 20 KB each).
LOCAL_PAGES = 256
_RENDERING_FLAG = "_rendering_for_page_cache"
# Says whether a cacheable page came from the cache (`hit`) or was rendered and stored
# (`miss`); pages never cached (editors, messages waiting) have none. For the operator's
# access log and the bench's hit rate (P1m).
STATE_HEADER = "X-Page-Cache"
HIT, MISS = "hit", "miss"
_clock = time.monotonic


def audience(request: HttpRequest) -> str | None:
    """Which layout the page has: signed out, or signed in (from the session, no query).

    None for editors (marked in their session at login): they always get a fresh render,
    so their own changes show at once on every server.
    """
    session = request.session
    if session.get(EDITOR_SESSION_KEY):
        return None
    return READER if SESSION_KEY in session else VISITOR


def mark_editor_session(session, *, is_editor: bool) -> None:
    """At login: whether this session is an editor's (who bypasses the cached pages)."""
    if is_editor:
        session[EDITOR_SESSION_KEY] = True
    else:
        session.pop(EDITOR_SESSION_KEY, None)


def cache_key(request: HttpRequest, *, audience: str) -> str:
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"page:{get_language()}:{audience}:{path}"


class _LocalPages:
    """The pages this process served last, each with the content version it was rendered at.

    A hot page is then served without a round trip to Redis (`content_version.current()`
    reads the version itself at most once a second).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.pages: OrderedDict[str, tuple[object, float, str]] = OrderedDict()

    def page(self, key: str, version: object) -> str | None:
        with self.lock:
            found = self.pages.get(key)
            if found is None or found[0] != version or found[1] < _clock():
                return None
            self.pages.move_to_end(key)
            return found[2]

    def keep(self, key: str, version: object, page: str, timeout: float) -> None:
        with self.lock:
            self.pages[key] = (version, _clock() + timeout, page)
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


_local = _LocalPages(LOCAL_PAGES)


def forget_local_copies() -> None:
    """Drop this process's copies of pages and of the version (tests)."""
    _local.clear()
    content_version.forget_local_copy()


def cached_page(
    *,
    timeout: int,
    variant: Callable[[HttpRequest], str] | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Serve the view's page from the cache to everyone in the same audience and variant.

    Pages are stored under the content version (`core.content_version`), which every edit
    of public content moves, so a page stored before is rendered again; `timeout` bounds what
    time alone changes (a scheduled item's minute coming). `variant(request)` adds what else the page
    depends on for this viewer, e.g. whether they may download; it is called for signed-in
    readers only.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            who = None
            if (
                request.method in ("GET", "HEAD")
                and len(request.META.get("QUERY_STRING", "")) <= MAX_CACHED_QUERY_LENGTH
                and not _has_pending_messages(request)
            ):
                who = audience(request)
            if who is None:
                return view(request, *args, **kwargs)
            if who == READER and variant is not None:
                who = f"{who}-{variant(request)}"
            key = cache_key(request, audience=who)
            version = content_version.current()
            page = _local.page(key, version)
            if page is None:
                stored = cache.get(key)
                if isinstance(stored, tuple) and len(stored) == 3 and stored[0] == version:
                    page = stored[2]
                    _local.keep(key, version, page, stored[1] - time.time())
            if page is not None:
                return _marked(HttpResponse(_put_token(page, request)), HIT)
            # The flag holds the version read before the view read anything: the parts the
            # page is made of are kept under it too (rendering_version).
            setattr(request, _RENDERING_FLAG, version)
            try:
                response = view(request, *args, **kwargs)
            finally:
                delattr(request, _RENDERING_FLAG)
            if not _cacheable(response) or not _rendered_for(request, who):
                return _with_token(response, request)
            page = response.content.decode(response.charset)
            cache.set(key, (version, time.time() + timeout, page), timeout)
            _local.keep(key, version, page, timeout)
            return _marked(HttpResponse(_put_token(page, request)), MISS)

        return wrapped

    return decorator


def rendering_version(request: HttpRequest | None) -> int | None:
    """The content version the page being rendered will be stored under, if it is the page
    the cache gives everyone in its audience; None for any other render.

    Parts of such a page may come from caches of parts kept under that version
    (media_library.fragments): read before the view read anything, it can only be older than
    what the parts show, never newer, so a part made from data older than an edit is never
    kept as current. Any other render (an editor's, whose changes must show at once, or one
    with messages waiting) builds its parts afresh.
    """
    if request is None:
        return None
    return getattr(request, _RENDERING_FLAG, None)


def _marked(response: HttpResponse, state: str) -> HttpResponse:
    response[STATE_HEADER] = state
    return response


def csrf_placeholder(request: HttpRequest) -> dict[str, str]:
    """Context processor: a page rendered for the cache gets the placeholder, not a token."""
    if getattr(request, _RENDERING_FLAG, None) is not None:
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}


def _has_pending_messages(request: HttpRequest) -> bool:
    # len() loads the stored messages without marking them read: they stay for the render.
    return len(get_messages(request)) > 0


def _rendered_for(request: HttpRequest, who: str) -> bool:
    """Whether the page just rendered is the one everyone in `who` may be given."""
    user = request.user
    if user.is_staff:
        return False  # previews, drafts: never shared
    # A session naming a user who is gone (or whose password changed) renders signed out.
    return user.is_authenticated == who.startswith(READER)


def _cacheable(response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and response.get("Content-Type", "").startswith("text/html")
    )


def _put_token(page: str, request: HttpRequest) -> str:
    if CSRF_PLACEHOLDER not in page:
        return page
    # get_token() also makes the CSRF middleware send the cookie this token pairs with.
    return page.replace(CSRF_PLACEHOLDER, get_token(request))


def _with_token(response: HttpResponse, request: HttpRequest) -> HttpResponse:
    """A response rendered for the cache but not kept (staff, a redirect): made whole."""
    if not response.streaming and CSRF_PLACEHOLDER.encode() in response.content:
        response.content = response.content.replace(
            CSRF_PLACEHOLDER.encode(), get_token(request).encode()
        )
    return response
