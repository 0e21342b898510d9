"""P8 on its own: `python -m bench.api_point` loads only the API's video list (a page of 50,
anonymous) beside the bare Django view, in the same run, over 10,000 videos (`--smoke`:
300 videos, one short round). The full `python -m bench` measures the same page in P1
(`API video list`) and reports it as P8. This prints the figures and writes them as JSON;
it leaves docs/PERFORMANCE.md to the full run.

It uses its own PostgreSQL database (dropped and created anew), a Redis database and a
temporary folder, like the full run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

from bench.processes import log


def measure(*, plan, env: dict[str, str], work_dir: Path) -> dict:
    from bench import dataset, processes
    from bench.measures import throughput
    from bench.measures.pages import REFERENCE, Page
    from bench.processes import Gunicorn
    from bench.run import API_VIDEO_LIST, API_VIDEO_LIST_PATH

    dataset.create_reference_rows()
    log(f"data: {plan.p1_videos:,} videos")
    dataset.grow_videos(plan.p1_videos)
    wrk = processes.ensure_wrk(install=False)
    if wrk:

        def load(url, **kw):
            return processes.run_wrk(wrk, url, **kw)
    else:
        load = processes.run_python_load
    web = Gunicorn(env=env, workers=plan.web_workers, log_dir=work_dir, name="web").start()
    try:
        results = throughput.measure_throughput(
            plan=plan,
            web=web,
            load=load,
            pages=[
                Page(REFERENCE, "/__bench__/reference/", logged_in=False),
                Page(API_VIDEO_LIST, API_VIDEO_LIST_PATH, logged_in=False),
            ],
            cookie="",
        )
    finally:
        web.stop()
    return {"videos": dataset.video_count(), "P1": results}


def main(argv: list[str] | None = None) -> int:
    from bench.measures.plan import Plan
    from bench.run import DEFAULT_POSTGRES, drop_database, recreate_database

    parser = argparse.ArgumentParser(prog="python -m bench.api_point", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="300 videos, one 1 s round")
    parser.add_argument("--videos", type=int, default=None, help="instead of 10,000")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None, help="of load per run")
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument("--database", default="portal_bench_api")
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
    )
    parser.add_argument("--output", type=Path, default=None, help="a JSON file of the figures")
    args = parser.parse_args(argv)
    plan = Plan.smoke_run() if args.smoke else Plan()
    if args.videos is not None:
        plan.p1_videos = args.videos
    if args.rounds is not None:
        plan.rounds = args.rounds
    if args.seconds is not None:
        plan.load_seconds = args.seconds

    work_dir = Path(tempfile.mkdtemp(prefix="portal-bench-api-"))
    database_url = recreate_database(args.postgres, args.database)
    try:
        (work_dir / "media" / "private").mkdir(parents=True)
        os.environ.update(
            {
                "DJANGO_SETTINGS_MODULE": "bench.settings",
                "DATABASE_URL": database_url,
                "REDIS_URL": args.redis,
                "DJANGO_DEBUG": "0",
                "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
                "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
                "MEDIA_ROOT": str(work_dir / "media"),
                "MEDIA_STORAGE": "local",
                "API_ANONYMOUS_REQUESTS_PER_MINUTE": str(10**9),
                "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
            }
        )
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        import redis

        redis.Redis.from_url(args.redis).flushdb()
        result = measure(plan=plan, env=dict(os.environ), work_dir=work_dir)
        page = result["P1"]["API video list"]
        reference = result["P1"]["reference"]
        log(
            f"P8: API video list {page['requests_per_second']} req/s, bare view "
            f"{reference['requests_per_second']} req/s, ratio {page['ratio']} (target >= 0.5), "
            f"{result['videos']:,} videos"
        )
        if args.output:
            args.output.write_text(json.dumps(result, indent=2))
    finally:
        drop_database(args.postgres, args.database)
        shutil.rmtree(work_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
