"""The measures P1-P6: each returns plain data (dicts) that `bench.report` turns into prose.

Every throughput is taken beside its reference in the same run, interleaved round by round,
so that a neighbour's load on this shared machine weighs on both sides of each ratio.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.processes import (
    BASE_DIR,
    PROXY_HEADERS,
    Gunicorn,
    HttpSession,
    LoadResult,
    Nginx,
    RSSSampler,
    download,
    log,
    rss_kib,
)

# The pages of P1, P1b and P2, by the names the report uses.
REFERENCE = "reference"


@dataclass
class Plan:
    """How much of everything: the full run, or the smoke run's few seconds per measure."""

    smoke: bool
    p2_sizes: list[tuple[int, int]]  # (videos, speeches) at which queries are counted
    p1_videos: int
    p3_sizes: list[int]
    load_seconds: float
    rounds: int
    connections: int
    web_workers: int
    download_bytes: int
    download_repeats: int
    subscribers: int
    signups: int
    search_repeats: int
    profile_requests: int

    @classmethod
    def full(cls, *, million: bool = True) -> Plan:
        return cls(
            smoke=False,
            p2_sizes=[(1_000, 100), (10_000, 1_000)],
            p1_videos=10_000,
            p3_sizes=[100_000, 1_000_000] if million else [100_000],
            load_seconds=8,
            rounds=3,
            connections=4,
            web_workers=3,
            download_bytes=1 << 30,
            download_repeats=5,
            subscribers=10_000,
            signups=9,
            search_repeats=15,
            profile_requests=60,
        )

    @classmethod
    def smoke_run(cls) -> Plan:
        return cls(
            smoke=True,
            p2_sizes=[(30, 5), (300, 30)],
            p1_videos=300,
            p3_sizes=[1_000, 3_000],
            load_seconds=1,
            rounds=1,
            connections=2,
            web_workers=2,
            download_bytes=8 << 20,
            download_repeats=1,
            subscribers=30,
            signups=2,
            search_repeats=2,
            profile_requests=3,
        )


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


# --- Sessions of the bench user ---------------------------------------------------------------


def signed_in_browser_cookies(email: str) -> str:
    """The Cookie header of a signed-in browser: its session and its CSRF cookie.

    A browser that logged in through the form holds both; one that sent only the session
    would make every page mint a new CSRF secret, which no real reader does.
    """
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User

    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(User.objects.get(email=email))
    client.get(reverse("accounts:my_account"), secure=True)  # its forms set the CSRF cookie
    names = (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
    missing = [name for name in names if name not in client.cookies]
    if missing:
        raise RuntimeError(f"no {', '.join(missing)} cookie after logging in")
    return "; ".join(f"{name}={client.cookies[name].value}" for name in names)


def session_cookie(email: str) -> tuple[str, str]:
    """A logged-in session for `email`, stored where gunicorn reads it (the database)."""
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    client = Client()
    client.force_login(User.objects.get(email=email))
    return settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value


# --- P1 / P1b: pages per second under load -----------------------------------------------------

LoadFunction = Callable[..., LoadResult]


@dataclass
class Page:
    name: str
    path: str
    logged_in: bool


def check_page(base_url: str, page: Page, cookie: str | None) -> int:
    session = HttpSession(base_url)
    headers = {"Cookie": cookie} if cookie else None
    response = session.get(page.path, headers=headers)
    if response.status != 200:
        raise RuntimeError(f"{page.name} ({page.path}) answered {response.status}, not 200")
    return len(response.body)


def measure_throughput(
    *, plan: Plan, web: Gunicorn, load: LoadFunction, pages: list[Page], cookie: str
) -> dict[str, dict]:
    """Requests per second of each page, each run right after a run of the reference.

    The ratio of a page is the median, over the rounds, of its rate over the rate of the
    reference run just before it: on a shared machine a neighbour's burst then weighs on
    both sides of each ratio instead of on one side of it.
    """
    sizes = {
        page.name: check_page(web.url, page, cookie if page.logged_in else None) for page in pages
    }
    reference = next(page for page in pages if page.name == REFERENCE)
    runs: dict[str, list[LoadResult]] = {page.name: [] for page in pages}
    paired: dict[str, list[float]] = {page.name: [] for page in pages}

    def run(page: Page, round_number: int) -> LoadResult:
        headers = dict(PROXY_HEADERS)
        if page.logged_in:
            headers["Cookie"] = cookie
        result = load(
            web.url + page.path,
            seconds=plan.load_seconds,
            connections=plan.connections,
            headers=headers,
        )
        runs[page.name].append(result)
        log(
            f"  round {round_number + 1}: {page.name:<22} {result.requests_per_second:8.1f} req/s"
            f"  p50 {result.p50_ms:6.1f} ms  errors {result.errors}"
        )
        return result

    for round_number in range(plan.rounds):
        for page in pages:
            if page is reference:
                continue
            before = run(reference, round_number).requests_per_second
            rate = run(page, round_number).requests_per_second
            if before:
                paired[page.name].append(rate / before)
    summary = {}
    for page in pages:
        rps = median([r.requests_per_second for r in runs[page.name]])
        ratios = paired[page.name]
        summary[page.name] = {
            "path": page.path,
            "logged_in": page.logged_in,
            "bytes": sizes[page.name],
            "requests_per_second": round(rps, 1),
            "p50_ms": round(median([r.p50_ms for r in runs[page.name]]), 1),
            "p99_ms": round(median([r.p99_ms for r in runs[page.name]]), 1),
            "errors": sum(r.errors for r in runs[page.name]),
            "round_ratios": [round(r, 3) for r in ratios],
            "ratio": 1.0 if page is reference else round(median(ratios), 3) if ratios else None,
            "rounds": [round(r.requests_per_second, 1) for r in runs[page.name]],
            "tool": runs[page.name][0].tool,
        }
    return summary


# --- P2: queries per page ----------------------------------------------------------------------


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


# --- Profiles of missed targets ----------------------------------------------------------------


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


# --- P3: full-text search latency --------------------------------------------------------------

LONG_ARRAY = re.compile(r"'\{[0-9,]{80,}\}'")


def catalogue_search(query: str, *, page_size: int = 24) -> list:
    """The catalogue's search exactly as `media_library.views.video_list` runs it, no filter
    chosen: the selector `media_library.search.catalogue_page` (the newest matches and the
    count), then the first page."""
    from media_library.search import catalogue_page

    page = catalogue_page({"q": query}, page_number=1, per_page=page_size)
    return list(page.object_list)


def measure_search(*, terms: dict[str, str], repeats: int, page_size: int = 24) -> dict:
    """The catalogue's search as the view runs it (the selector: the newest matches, then the
    first page) vs a primary-key get."""
    import random

    from django.db import connection

    from media_library import newest_matches
    from media_library.models import Video
    from media_library.search import SEARCH_RESULTS_CAP

    ids = list(Video.objects.values_list("pk", flat=True)[:5000])
    # The data set just grew under this process: read PostgreSQL's new statistics now, as a
    # running site would within ten minutes.
    newest_matches.forget_timeline()
    for query in terms.values():  # warm the buffer cache as a running site has it
        catalogue_search(query, page_size=page_size)
    per_term: dict[str, list[float]] = {name: [] for name in terms}
    reference: list[float] = []
    for _ in range(repeats):
        for name, query in terms.items():
            started = time.perf_counter()
            catalogue_search(query, page_size=page_size)
            per_term[name].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            Video.objects.get(pk=random.choice(ids))
            reference.append((time.perf_counter() - started) * 1000)
    everything = [value for values in per_term.values() for value in values]
    slowest = max(per_term, key=lambda name: median(per_term[name]))
    frequent = next(iter(terms))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM media_library_video "
            "WHERE search_vector @@ websearch_to_tsquery('english', %s)",
            [terms[slowest]],
        )
        slowest_matches = cursor.fetchone()[0]
        # Whether the table fits in PostgreSQL's own cache decides what a read of a row costs.
        cursor.execute(
            "SELECT pg_total_relation_size('media_library_video'), "
            "pg_size_bytes(current_setting('shared_buffers'))"
        )
        table_bytes, shared_buffers_bytes = cursor.fetchone()
    return {
        "videos": Video.objects.count(),
        "results_cap": SEARCH_RESULTS_CAP,
        "table_mib": round(table_bytes / (1 << 20)),
        "shared_buffers_mib": round(shared_buffers_bytes / (1 << 20)),
        "p50_ms": round(percentile(everything, 0.5), 2),
        "p95_ms": round(percentile(everything, 0.95), 2),
        "reference_p50_ms": round(percentile(reference, 0.5), 3),
        "reference_p95_ms": round(percentile(reference, 0.95), 3),
        "terms": {
            name: {
                "query": terms[name],
                "p50_ms": round(percentile(values, 0.5), 2),
                "p95_ms": round(percentile(values, 0.95), 2),
            }
            for name, values in per_term.items()
        },
        "slowest_term": slowest,
        "slowest_matches": slowest_matches,
        "slowest_plan": explain_search(terms[slowest], page_size=page_size),
        "frequent_term": frequent,
        "frequent_plan": (
            explain_search(terms[frequent], page_size=page_size) if frequent != slowest else ""
        ),
    }


def explain_search(query: str, *, page_size: int) -> str:
    """The plans of the queries the search runs (the count, then the page), as PostgreSQL
    runs them: the profile of a database-bound measure."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        catalogue_search(query, page_size=page_size)
    plans = []
    for captured in queries.captured_queries:
        sql = captured["sql"]
        if sql.startswith("EXPLAIN"):
            plans.append("-- the planner's estimate of the matches (EXPLAIN: nothing is run)")
            continue
        if "pg_class" in sql:
            continue  # the publication-time histogram, read once per process every 10 minutes
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}")
            # The page's thousand pks, one array value, would fill a screen.
            plan = [LONG_ARRAY.sub("'{…}'", row[0]) for row in cursor.fetchall()]
        if sql.startswith("SELECT COUNT(*)"):
            kind = "count query"
        elif "ts_rank" in sql:
            kind = "page query"
        else:
            kind = "newest matches (a query per window of time)"
        plans.append(f"-- the {kind}\n" + "\n".join(plan[:60]))
    return "\n".join(plans)


# --- P4 / P4b: downloads -----------------------------------------------------------------------


def write_big_file(path: Path, size: int) -> None:
    """Real bytes on disk (not a sparse hole), so both sides read the page cache alike."""
    path.parent.mkdir(parents=True, exist_ok=True)
    block = os.urandom(4 << 20)
    with path.open("wb") as handle:
        written = 0
        while written < size:
            chunk = block[: min(len(block), size - written)]
            handle.write(chunk)
            written += len(chunk)
        # Written back before any timing starts: the disk flush must not land in one side.
        handle.flush()
        os.fsync(handle.fileno())


def signed_link(base_url: str, *, cookie: tuple[str, str], slug: str, rendition_id: int) -> str:
    """POST the download form as the browser does; the 303 names the account-bound link."""
    from django.conf import settings

    session = HttpSession(base_url, cookies={cookie[0]: cookie[1]})
    page = session.get(f"/videos/{slug}/")
    if page.status != 200:
        raise RuntimeError(f"video page answered {page.status}")
    response = session.post_form(
        f"/videos/{slug}/renditions/{rendition_id}/download/",
        {},
        csrf_cookie=settings.CSRF_COOKIE_NAME,
    )
    if response.status != 303:
        raise RuntimeError(f"download POST answered {response.status}: {response.text()[:300]}")
    return response.headers["location"]


def timed_downloads(
    *,
    url: Callable[[], str],
    headers: dict[str, str],
    repeats: int,
    expected_size: int,
    workers: list[int],
    expected_status: int = 200,
) -> dict:
    speeds, growths = [], []
    for _ in range(repeats):
        target = url()
        with RSSSampler(workers) as sampler:
            result = download(target, headers=headers)
        if result.status != expected_status or result.size != expected_size:
            raise RuntimeError(
                f"download of {target} gave {result.status}, {result.size} bytes "
                f"(expected {expected_status}, {expected_size})"
            )
        speeds.append(result.mb_per_second)
        growths.append(sampler.growth_mib)
    return {
        "mb_per_second": round(median(speeds), 1),
        "runs_mb_per_second": [round(s, 1) for s in speeds],
        "rss_growth_mib": max(growths) if workers else None,
    }


def measure_downloads(
    *,
    plan: Plan,
    fixtures_slug: str,
    rendition_id: int,
    cookie: tuple[str, str],
    direct: Gunicorn,
    behind_nginx: Gunicorn,
    nginx: Nginx,
    file_name: str,
) -> dict:
    """P4 (X-Accel-Redirect), P4b (streamed by the portal), both against nginx static."""
    size = plan.download_bytes
    cookie_header = f"{cookie[0]}={cookie[1]}"
    headers = {**PROXY_HEADERS, "Cookie": cookie_header}
    results: dict[str, dict] = {}
    # One untimed read, so that every timed one finds the file in the page cache alike.
    download(f"{nginx.url}/bench-static/{file_name}", headers={})
    # Every worker answers the download path before any is measured: a worker's first
    # requests allocate for good (a run once saw +14.7 MiB in one round of three, never
    # again in that worker), which is not what a download costs. Requests cannot be sent to
    # a chosen worker, so the warm-up goes on until no worker lags behind the others' memory.
    for server, base in ((behind_nginx, nginx.url), (direct, direct.url)):
        workers = server.worker_pids()
        for attempt in range(20 * len(workers)):
            link = signed_link(base, cookie=cookie, slug=fixtures_slug, rendition_id=rendition_id)
            HttpSession(base).head(link, headers=headers)
            sizes = [rss_kib(pid) for pid in workers]
            if attempt >= 3 * len(workers) and max(sizes) - min(sizes) < 4 * 1024:
                break
    for round_number in range(plan.download_repeats):
        runs = {
            "nginx static": lambda: timed_downloads(
                url=lambda: f"{nginx.url}/bench-static/{file_name}",
                headers={},
                repeats=1,
                expected_size=size,
                workers=[],
            ),
            "portal via X-Accel-Redirect": lambda: timed_downloads(
                url=lambda: (
                    nginx.url
                    + signed_link(
                        nginx.url, cookie=cookie, slug=fixtures_slug, rendition_id=rendition_id
                    )
                ),
                headers=headers,
                repeats=1,
                expected_size=size,
                workers=behind_nginx.worker_pids(),
            ),
            "portal streamed (no nginx)": lambda: timed_downloads(
                url=lambda: (
                    direct.url
                    + signed_link(
                        direct.url, cookie=cookie, slug=fixtures_slug, rendition_id=rendition_id
                    )
                ),
                headers=headers,
                repeats=1,
                expected_size=size,
                workers=direct.worker_pids(),
            ),
            "portal streamed, Range second half": lambda: timed_downloads(
                url=lambda: (
                    direct.url
                    + signed_link(
                        direct.url, cookie=cookie, slug=fixtures_slug, rendition_id=rendition_id
                    )
                ),
                headers={**headers, "Range": f"bytes={size // 2}-"},
                repeats=1,
                expected_size=size - size // 2,
                workers=direct.worker_pids(),
                expected_status=206,
            ),
        }
        for name, run in runs.items():
            outcome = run()
            entry = results.setdefault(name, {"runs": [], "rss": []})
            entry["runs"].append(outcome["mb_per_second"])
            if outcome["rss_growth_mib"] is not None:
                entry["rss"].append(outcome["rss_growth_mib"])
            log(
                f"  round {round_number + 1}: {name:<36} {outcome['mb_per_second']:8.1f} MB/s"
                f"  worker RSS +{outcome['rss_growth_mib'] or 0} MiB"
            )
    # Each path's ratio is the median over the rounds of its speed over the static speed of
    # the same round, measured just before it: a transfer lasts under a second here, so a
    # neighbour's burst must weigh on both sides of a ratio.
    static_runs = results["nginx static"]["runs"]
    summary = {"file_bytes": size}
    for name, entry in results.items():
        ratios = [
            speed / static
            for speed, static in zip(entry["runs"], static_runs, strict=True)
            if static
        ]
        summary[name] = {
            "mb_per_second": round(median(entry["runs"]), 1),
            "runs_mb_per_second": entry["runs"],
            "rss_growth_mib": max(entry["rss"]) if entry["rss"] else None,
            "ratio": round(median(ratios), 3) if ratios else None,
        }
    return summary


# --- P5: newsletter send rate ------------------------------------------------------------------


def measure_newsletter(
    *, subscribers: int, database_url: str, redis_url: str, log_dir: Path
) -> dict:
    """bench/newsletter_send.py (the newsletter engineer's), run as it is, on our services."""
    command = [
        sys.executable,
        "-m",
        "bench.newsletter_send",
        "--subscribers",
        str(subscribers),
        "--database-url",
        database_url,
        "--redis-url",
        redis_url,
    ]
    completed = subprocess.run(
        command, cwd=BASE_DIR, capture_output=True, text=True, env=dict(os.environ), check=False
    )
    (log_dir / "newsletter_send.log").write_text(completed.stdout + "\n" + completed.stderr)
    if completed.returncode != 0:
        raise RuntimeError(f"newsletter_send failed: {completed.stderr[-2000:]}")
    return json.loads(completed.stdout[completed.stdout.index("{") :])


# --- P6: signup to code email ------------------------------------------------------------------


def measure_signups(*, web: Gunicorn, smtp, count: int) -> dict:
    """Signup POST → the code email accepted by the SMTP server, through the real worker."""
    from django.conf import settings

    from bench.dataset import BENCH_EMAIL_DOMAIN

    totals, posts = [], []
    for n in range(count):
        session = HttpSession(web.url)
        form = session.get("/accounts/signup/")
        if form.status != 200:
            raise RuntimeError(f"signup page answered {form.status}")
        before = smtp.count()
        started = time.perf_counter()
        response = session.post_form(
            "/accounts/signup/",
            {
                "first_name": "Ada",
                "last_name": "Reporter",
                "organisation": "Europe Broadcast News",
                "country": "FR",
                "email": f"signup{n}-{int(time.time())}@{BENCH_EMAIL_DOMAIN}",
                "password1": "Bench-Signup-Secret-42!",
                "password2": "Bench-Signup-Secret-42!",
                "accept_terms": "on",
            },
            csrf_cookie=settings.CSRF_COOKIE_NAME,
        )
        posted = time.perf_counter()
        if response.status != 302:
            raise RuntimeError(f"signup answered {response.status}: {response.text()[:500]}")
        deadline = started + 30
        while smtp.count() <= before:
            if time.perf_counter() > deadline:
                raise RuntimeError("no code email within 30 s")
            time.sleep(0.005)
        arrived = time.perf_counter()
        totals.append((arrived - started) * 1000)
        posts.append((posted - started) * 1000)
        log(f"  signup {n + 1}: POST {posts[-1]:6.0f} ms, email at the server {totals[-1]:6.0f} ms")
    return {
        "signups": count,
        "median_ms": round(median(totals), 0),
        "max_ms": round(max(totals), 0),
        "post_median_ms": round(median(posts), 0),
        "runs_ms": [round(t) for t in totals],
    }


def as_dict(value) -> dict:
    return asdict(value)
