"""`python -m bench`: build the data, start the services, measure P1-P6, write the report.

The whole run uses its own PostgreSQL database (dropped and created anew each run), its own
Redis database, its own temporary folder (media, static files, logs, the 1 GB file) and
processes on free ports, so it can run beside the test suites of other engineers.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench import processes
from bench.measures import downloads as p4
from bench.measures import long_tail as p1m
from bench.measures import newsletter as p5
from bench.measures import profiles, sessions
from bench.measures import queries as p2
from bench.measures import search as p3
from bench.measures import signups as p6
from bench.measures import throughput as p1
from bench.measures.pages import REFERENCE, Page
from bench.measures.plan import Plan, as_dict
from bench.processes import BASE_DIR, Gunicorn, log
from bench.report import document as report
from core.testing.nginx import NginxProcess
from core.testing.services import find_executable

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432"
# A full run's budget is 20 minutes; the million-video point is skipped when the steps
# before it leave too little of it (building and indexing a million rows takes minutes).
MILLION_DEADLINE_SECONDS = 12 * 60
BENCH_PASSWORD = "Bench-Reader-Secret-42!"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny data, a second per measure")
    parser.add_argument("--output", type=Path, help="report path (default: docs/PERFORMANCE.md)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="server URL without database (trust auth)",
    )
    parser.add_argument("--database", help="database name (dropped and created anew)")
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", ""), help="Redis URL")
    parser.add_argument("--no-million", action="store_true", help="skip the 1,000,000-video point")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument(
        "--report-from", type=Path, help="only render the report from a --json file of a run"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and the temp folder")
    args = parser.parse_args(argv)
    if args.database is None:
        args.database = "portal_bench_smoke" if args.smoke else "portal_bench"
    if not args.redis:
        # Redis db 6 belongs to the full bench, 7 to smoke runs: neither is used by the tests.
        args.redis = f"redis://127.0.0.1:6379/{7 if args.smoke else 6}"
    if args.output is None:
        args.output = (
            Path(tempfile.gettempdir()) / "PERFORMANCE-smoke.md"
            if args.smoke
            else BASE_DIR / "docs" / "PERFORMANCE.md"
        )
    return args


def recreate_database(server_url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return f"{server_url}/{name}"


def drop_database(server_url: str, name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Run:
    """The state of one bench run: its plan, folders, processes and results."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.plan = Plan.smoke_run() if args.smoke else Plan.full(million=not args.no_million)
        self.started = time.monotonic()
        self.work_dir = Path(tempfile.mkdtemp(prefix="portal-bench-"))
        self.results: dict = {"plan": as_dict(self.plan), "errors": {}, "notes": {}}
        self.cleanups: list[Callable[[], None]] = []

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def step(self, name: str, function: Callable[[], object]) -> object:
        """Run one measure; a failure is reported (and fails the run) but spares the others."""
        log(f"{name} (at {self.elapsed():.0f} s)")
        try:
            return function()
        except Exception as exc:  # noqa: BLE001 - one broken measure must not lose the others
            log(f"{name} FAILED: {exc}")
            self.results["errors"][name] = f"{type(exc).__name__}: {exc}"
            (self.work_dir / f"error-{name.split()[0]}.txt").write_text(traceback.format_exc())
            return None

    def close(self) -> None:
        for cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception as exc:  # noqa: BLE001 - keep cleaning up the rest
                log(f"cleanup: {exc}")


def environment(run: Run, database_url: str, smtp_port: int) -> dict[str, str]:
    media = run.work_dir / "media"
    (media / "private").mkdir(parents=True)
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": run.args.redis,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}?timeout=10",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "MEDIA_ROOT": str(media),
        "MEDIA_STORAGE": "local",
        "DOWNLOAD_ACCEL_REDIRECT_PREFIX": "",
        # The load comes from one address: the API's per-address limit would measure 429s.
        "API_ANONYMOUS_REQUESTS_PER_MINUTE": str(10**9),
        "BENCH_STATIC_ROOT": str(run.work_dir / "static"),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def pages(fixtures) -> dict[str, Page]:
    return {
        page.name: page
        for page in [
            Page(REFERENCE, "/__bench__/reference/", logged_in=False),
            Page("home", "/", logged_in=False),
            Page("catalogue", "/videos/", logged_in=False),
            Page("catalogue search", "/videos/?q=summit", logged_in=False),
            Page("video detail", f"/videos/{fixtures.video_slug}/", logged_in=False),
            Page("video detail, logged in", f"/videos/{fixtures.video_slug}/", logged_in=True),
            Page("speech list", "/speeches/", logged_in=False),
            Page("speech detail", f"/speeches/{fixtures.speech_slug}/", logged_in=False),
            Page("speech detail, logged in", f"/speeches/{fixtures.speech_slug}/", logged_in=True),
            Page("My account", "/accounts/me/", logged_in=True),
            Page(API_VIDEO_LIST, API_VIDEO_LIST_PATH, logged_in=False),
        ]
    }


# The API's video list (issue 19): a page of 50, anonymous, against the same bare view.
API_VIDEO_LIST = "API video list"
API_VIDEO_LIST_PATH = "/api/v1/videos/?page_size=50"
THROUGHPUT_PAGES = [
    REFERENCE,
    "catalogue",
    API_VIDEO_LIST,
    "home",
    "video detail, logged in",
    "speech detail, logged in",
]
QUERY_PAGES = [
    "home",
    "catalogue",
    "catalogue search",
    "video detail",
    "video detail, logged in",
    "speech list",
    "speech detail",
    "speech detail, logged in",
    "My account",
]
# Targets of the issue, by the page that carries them.
THROUGHPUT_TARGETS = {
    "catalogue": 0.7,
    "video detail, logged in": 0.5,
    "speech detail, logged in": 0.5,
    API_VIDEO_LIST: 0.5,
}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report_from:
        report.write(json.loads(args.report_from.read_text()), args.output)
        log(f"report written to {args.output}")
        return 0
    run = Run(args)
    log(
        f"{'smoke' if args.smoke else 'full'} run; work folder {run.work_dir}; report {args.output}"
    )
    try:
        execute(run)
    finally:
        run.close()
        if not args.keep:
            shutil.rmtree(run.work_dir, ignore_errors=True)
    log(f"done in {run.elapsed():.0f} s; report written to {args.output}")
    if run.results["errors"]:
        log("errors: " + "; ".join(f"{k}: {v}" for k, v in run.results["errors"].items()))
        return 1
    return 0


def execute(run: Run) -> None:
    args, plan, results = run.args, run.plan, run.results

    database_url = recreate_database(args.postgres, args.database)
    if not args.keep:
        run.cleanups.append(lambda: drop_database(args.postgres, args.database))
    import redis

    redis.Redis.from_url(args.redis).flushdb()

    from bench.newsletter_send import SMTPServerProcess, start_worker
    from core.testing.services import free_port

    smtp_port = free_port()
    env = environment(run, database_url, smtp_port)
    os.environ.update(env)
    env = dict(os.environ)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from bench import dataset, machine

    log("migrate and collectstatic")
    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    results["machine"] = machine.describe(redis_url=args.redis)
    results["date"] = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    wrk = processes.ensure_wrk(install=not plan.smoke)
    load = processes.run_wrk if wrk else processes.run_python_load
    if wrk:
        load = lambda url, **kw: processes.run_wrk(wrk, url, **kw)  # noqa: E731
    else:
        results["notes"]["load generator"] = (
            "wrk is not installed and could not be installed: a Python load generator was "
            "used instead; it competes harder for the two cores, so absolute rates are low."
        )
        log("wrk unavailable: falling back to the Python load generator")

    # --- Data for P2 (two sizes), then P1 ---------------------------------------------------
    dataset.create_reference_rows()
    all_pages: dict[str, Page] = {}
    fixtures = None
    results["P2"] = {}
    results["P2_after_edit"] = {}
    for videos, speeches in plan.p2_sizes:
        log(f"data: {videos:,} videos, {speeches:,} speeches")
        dataset.grow_videos(videos)
        dataset.grow_speeches(speeches)
        if fixtures is None:
            fixtures = dataset.create_fixtures(password=BENCH_PASSWORD)
            all_pages = pages(fixtures)
        counts = run.step(
            f"P2 queries per page at {videos:,} videos",
            lambda pages=all_pages, email=fixtures.user_email: p2.count_queries(
                [pages[name] for name in QUERY_PAGES], email=email
            ),
        )
        if counts:
            size = f"{videos:,} videos, {speeches:,} speeches"
            results["P2"][size] = counts["cached"]
            results["P2_after_edit"][size] = counts["after an edit"]
            for moment, by_page in counts.items():
                log(f"  {moment}: " + ", ".join(f"{k}: {v}" for k, v in by_page.items()))
    dataset.grow_videos(plan.p1_videos)
    results["P1_videos"] = dataset.video_count()

    # --- Processes ---------------------------------------------------------------------------
    smtp = SMTPServerProcess(smtp_port)
    run.cleanups.append(smtp.stop)
    web = Gunicorn(env=env, workers=plan.web_workers, log_dir=run.work_dir, name="web").start()
    run.cleanups.append(web.stop)
    cookie = sessions.session_cookie(fixtures.user_email)
    cookie_header = sessions.signed_in_browser_cookies(fixtures.user_email)

    # --- P1 / P1b ------------------------------------------------------------------------------
    results["P1"] = run.step(
        "P1/P1b pages per second",
        lambda: p1.measure_throughput(
            plan=plan,
            web=web,
            load=load,
            pages=[all_pages[name] for name in THROUGHPUT_PAGES],
            cookie=cookie_header,
        ),
    )

    # --- P1m: the long tail of distinct pages, then the in-process cost of a miss ------------
    def long_tail() -> dict:
        if not wrk:
            raise RuntimeError("P1m needs wrk (its script draws each request from the list)")
        urls = p1m.tail_urls(
            count=plan.tail_urls + plan.miss_samples * len(p1m.MIX),
            seed=20261201,
            vocabulary=dataset.VOCABULARY,
            skew=dataset.SKEW,
        )
        browsed, unseen = p1m.split_for_misses(urls, per_kind=plan.miss_samples + 1)
        measured = p1m.measure_long_tail(
            plan=plan,
            web=web,
            wrk=wrk,
            urls=browsed,
            reference=all_pages[REFERENCE],
            cookie=cookie_header,
            load=load,
            work_dir=run.work_dir,
        )
        measured["miss_costs"] = p1m.miss_costs(unseen, per_kind=plan.miss_samples)
        return measured

    results["P1m"] = run.step("P1m long tail of distinct pages", long_tail)

    # --- Profiles of the pages that missed their throughput target ---------------------------
    results["profiles"] = {}
    for name, target in THROUGHPUT_TARGETS.items():
        ratio = ((results.get("P1") or {}).get(name) or {}).get("ratio")
        if ratio is not None and (ratio < target or plan.smoke):
            results["profiles"][name] = run.step(
                f"profile of {name}",
                lambda name=name: profiles.profile_page(
                    all_pages[name], email=fixtures.user_email, requests=plan.profile_requests
                ),
            )

    # --- P6: signup → code email -------------------------------------------------------------
    def signups() -> dict:
        worker = start_worker(env, 2, run.work_dir / "celery-worker.log")
        try:
            return p6.measure_signups(web=web, smtp=smtp, count=plan.signups)
        finally:
            worker.stop()

    results["P6"] = run.step("P6 signup to code email", signups)

    # --- P4 / P4b: downloads -----------------------------------------------------------------
    def downloads() -> dict:
        from media_library.models import Rendition, Video

        nginx_binary = find_executable("nginx")
        if nginx_binary is None:
            raise RuntimeError("nginx is not installed (apt-get install -y nginx)")
        private_root = Path(settings.MEDIA_ROOT) / "private"
        name = "bench-1g.mp4"
        big = private_root / "renditions" / "bench-big" / name
        processes_started: list = []
        try:
            p4.write_big_file(big, plan.download_bytes)
            video = Video.objects.get(pk=fixtures.video_id)
            rendition = Rendition.objects.create(
                video=video,
                label="Bench 1 GB master",
                file=f"renditions/bench-big/{name}",
                original_filename=name,
                status=Rendition.Status.READY,
                file_size=plan.download_bytes,
                checksum_sha256="b" * 64,
                position=9,
            )
            behind = Gunicorn(
                env={**env, "DOWNLOAD_ACCEL_REDIRECT_PREFIX": "/protected/"},
                workers=plan.web_workers,
                log_dir=run.work_dir,
                name="behind-nginx",
            ).start()
            processes_started.append(behind)
            nginx = NginxProcess(
                binary=nginx_binary,
                prefix=run.work_dir / "nginx",
                upstream=behind.url,
                private_root=private_root,
                # The reference: the same file served statically, no Django in the way.
                static_locations={"/bench-static/": big.parent},
                forwarded_proto="https",
            ).start()
            processes_started.append(nginx)
            return p4.measure_downloads(
                plan=plan,
                fixtures_slug=fixtures.video_slug,
                rendition_id=rendition.pk,
                cookie=cookie,
                direct=web,
                behind_nginx=behind,
                nginx=nginx,
                file_name=name,
            )
        finally:
            for process in reversed(processes_started):
                process.stop()
            big.unlink(missing_ok=True)

    results["P4"] = run.step("P4/P4b downloads", downloads)
    web.stop()

    # --- P7: a clip of a 1 GiB master ----------------------------------------------------------
    from bench import clips_point

    results["P7"] = run.step(
        "P7 clips",
        lambda: clips_point.measure(env=env, work_dir=run.work_dir, smoke=plan.smoke),
    )

    # --- P5: newsletter ------------------------------------------------------------------------
    results["P5"] = run.step(
        "P5 newsletter send rate",
        lambda: p5.measure_newsletter(
            subscribers=plan.subscribers,
            database_url=database_url,
            redis_url=args.redis,
            log_dir=run.work_dir,
        ),
    )

    # --- P3: search at growing sizes -------------------------------------------------------
    results["P3"] = {}
    terms = dataset.search_terms()
    for size in plan.p3_sizes:
        if size >= 1_000_000 and run.elapsed() > MILLION_DEADLINE_SECONDS:
            results["notes"]["P3 1,000,000"] = (
                f"not measured: {run.elapsed() / 60:.0f} minutes had passed, and building a "
                "million videos would push the run past its 20-minute budget"
            )
            log(results["notes"]["P3 1,000,000"])
            continue
        log(f"data: {size:,} videos")
        build_started = time.monotonic()
        dataset.grow_videos(size)
        build_seconds = time.monotonic() - build_started
        # A frequent word takes seconds at a million rows: fewer repeats keep the budget.
        repeats = plan.search_repeats if size < 1_000_000 else max(3, plan.search_repeats // 3)
        outcome = run.step(
            f"P3 search at {size:,} videos",
            lambda repeats=repeats: p3.measure_search(terms=terms, repeats=repeats),
        )
        if outcome:
            outcome["build_seconds"] = round(build_seconds, 1)
            results["P3"][size] = outcome
            log(
                f"  p50 {outcome['p50_ms']} ms, p95 {outcome['p95_ms']} ms "
                f"(pk lookup p95 {outcome['reference_p95_ms']} ms); built in {build_seconds:.0f} s"
            )
    if not args.no_million and plan.smoke:
        results["notes"]["P3 1,000,000"] = "smoke run: tiny sizes only"

    results["elapsed_seconds"] = round(run.elapsed())
    (run.work_dir / "results.json").write_text(json.dumps(results, indent=2, default=str))
    report.write(results, args.output)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
