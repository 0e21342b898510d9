"""P7 on its own: `python -m bench.clips_point` measures only the clip point (a few minutes)
and writes its section and summary row into docs/PERFORMANCE.md, leaving the rest as it is.
The full `python -m bench` runs the same measure after P4 (`measure()`).

It uses its own PostgreSQL database (dropped and created anew), a Redis database (the full
bench's by default) and a temporary folder, like the full run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import uuid
from pathlib import Path

from bench.processes import BASE_DIR, log

SECTION_TITLE = "## P7: clips"


def measure(*, env: dict[str, str], work_dir: Path, smoke: bool) -> dict:
    """Write the master, start one worker on the media queue, cut, compare with FFmpeg."""
    from django.conf import settings
    from django.utils import timezone

    from accounts.models import User
    from bench.measures import clips as p7
    from core.testing.celery import CeleryWorkerProcess
    from media_library import ingest
    from media_library.models import Rendition, Video

    name = "renditions/bench-clips/master.mp4"
    master = Path(settings.MEDIA_ROOT) / "private" / name
    log("P7: writing the master")
    duration = p7.write_master(master, (8 << 20) if smoke else (1 << 30))
    probe = ingest.probe(master, check_complete=False)
    video = Video.objects.create(
        title="Bench clips",
        slug=f"bench-clips-{uuid.uuid4().hex[:8]}",
        status=Video.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    rendition = Rendition.objects.create(
        video=video,
        label="Bench 1 GiB master",
        file=name,
        original_filename="master.mp4",
        status=Rendition.Status.READY,
        checksum_sha256="c" * 64,
        **probe.as_fields(),
    )
    user = User.objects.create_user(email=f"clips-{uuid.uuid4().hex[:8]}@bench.example")
    worker = CeleryWorkerProcess(
        env=env,
        log_path=work_dir / "celery-clips.log",
        name=f"bench-clips-{os.getpid()}",
        queues="media",
        concurrency=1,
        loglevel="WARNING",
    ).start()
    try:
        return p7.measure_clips(
            master=master,
            duration=duration,
            user=user,
            rendition=rendition,
            worker_pid=worker.process.pid,
            rounds=1 if smoke else 7,
            seconds=2 if smoke else 30,
        )
    finally:
        worker.stop()
        video.delete()  # the clips and their files go with it
        master.unlink(missing_ok=True)


def splice(report: Path, results: dict) -> None:
    """Replace (or add) P7's section and summary row in an existing report."""
    from bench.report.cells import markdown_table
    from bench.report.sections import p7_clips
    from bench.report.summary import clip_rows

    text = report.read_text() if report.exists() else "# Performance\n\n## Running it\n"
    section = "\n".join(p7_clips(results)) + "\n"
    if SECTION_TITLE in text:
        before, _, rest = text.partition(SECTION_TITLE)
        after = rest[rest.index("\n## ") + 1 :] if "\n## " in rest else ""
        text = before + section + after
    else:
        before, marker, after = text.partition("## Running it")
        text = before + section + marker + after
    row = markdown_table(
        ["id", "measure", "portal", "reference (same run)", "ratio", "target", "verdict"],
        [
            [r.id, r.measure, r.portal, r.reference, r.ratio, r.target, r.verdict]
            for r in clip_rows(results["P7"])
        ],
    ).splitlines()[-1]
    lines = text.splitlines()
    existing = [i for i, line in enumerate(lines) if line.startswith("| P7 |")]
    if existing:
        lines[existing[0]] = row
    else:
        last = max((i for i, line in enumerate(lines) if line.startswith("| P6")), default=None)
        if last is not None:
            lines.insert(last + 1, row)
    report.write_text("\n".join(lines) + "\n")


def main(argv: list[str] | None = None) -> int:
    from bench.run import DEFAULT_POSTGRES, drop_database, recreate_database

    parser = argparse.ArgumentParser(prog="python -m bench.clips_point", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="an 8 MiB master, one round")
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument("--database", default="portal_bench_clips")
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
    )
    parser.add_argument("--output", type=Path, default=BASE_DIR / "docs" / "PERFORMANCE.md")
    args = parser.parse_args(argv)

    work_dir = Path(tempfile.mkdtemp(prefix="portal-bench-clips-"))
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
                "MEDIA_ROOT": str(work_dir / "media"),
                "MEDIA_STORAGE": "local",
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
        result = measure(env=dict(os.environ), work_dir=work_dir, smoke=args.smoke)
        (work_dir / "p7.json").write_text(json.dumps(result, indent=2))
        log(json.dumps({k: v for k, v in result.items() if k != "runs"}))
        splice(args.output, {"P7": result})
        log(f"P7 written into {args.output}")
    finally:
        drop_database(args.postgres, args.database)
        shutil.rmtree(work_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
