"""P10 on its own: `python -m bench.transcode_point` measures the automatic renditions (a few
minutes) and writes its section into docs/PERFORMANCE.md, leaving the rest as it is.

A 1080p25 H.264/AAC master is made at bench time; each round times the same FFmpeg command
line the job runs (`media_library.transcoding.build_command`), by hand, then the portal's job
for the 720p rung, from its planning (the commit that queues it on Redis) until it is done, in
one Celery worker (prefork, concurrency 1) on the media queue: queueing, claim, FFmpeg with
its heartbeats, the rename into the storage and the ingest of the new rendition (SHA-256 and
PyAV probe reading every packet), which the hand-run command does not do. Target (issue 20):
the whole job at most 1.1 times the hand run (median of the rounds' ratios).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from bench.processes import BASE_DIR, log

SECTION_TITLE = "## P10: automatic renditions"
FFMPEG = "/usr/bin/ffmpeg"


def write_master(path: Path, seconds: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            FFMPEG,
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size=1920x1080:rate=25:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency=440:sample_rate=48000:duration={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-ac",
            "2",
            "-shortest",
            str(path),
        ],
        check=True,
    )


def measure(*, env: dict[str, str], work_dir: Path, smoke: bool) -> dict:
    from django.conf import settings
    from django.utils import timezone

    from core.testing.celery import CeleryWorkerProcess
    from media_library import ingest, transcode_jobs, transcoding
    from media_library.models import Rendition, TranscodeJob, Video

    seconds = 4 if smoke else 20
    name = "renditions/bench-transcode/master.mp4"
    master_path = Path(settings.MEDIA_ROOT) / "private" / name
    log(f"P10: writing a {seconds} s 1080p master")
    write_master(master_path, seconds)
    probe = ingest.probe(master_path)
    video = Video.objects.create(
        title="Bench renditions",
        slug=f"bench-renditions-{uuid.uuid4().hex[:8]}",
        status=Video.Status.PUBLISHED,
        published_at=timezone.now(),
    )
    master = Rendition.objects.create(
        video=video,
        file=name,
        original_filename="master.mp4",
        status=Rendition.Status.READY,
        checksum_sha256=ingest.file_sha256(master_path),
        **probe.as_fields(),
    )
    worker = CeleryWorkerProcess(
        env={**env, "RENDITION_LADDER": "720"},
        log_path=work_dir / "celery-transcode.log",
        name=f"bench-transcode-{os.getpid()}",
        queues="media",
        concurrency=1,
        loglevel="WARNING",
    ).start()
    runs = []
    try:
        for round_number in range(1, (1 if smoke else 3) + 1):
            output = work_dir / f"by-hand-{round_number}.mp4"
            command = transcoding.build_command(
                ffmpeg=FFMPEG,
                master=transcoding.Master(
                    path=master_path,
                    duration_seconds=probe.duration_seconds or 0,
                    audio_channels=probe.audio_channels,
                ),
                output=output,
                height=720,
            )
            started = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
            by_hand = time.perf_counter() - started
            output.unlink()

            for job in TranscodeJob.objects.filter(master=master).select_related("output"):
                if job.output:
                    job.output.delete()
                job.delete()
            started = time.perf_counter()
            (job,) = transcode_jobs.plan_renditions(master=master)
            while not TranscodeJob.objects.filter(pk=job.pk, state__in=["done", "failed"]).exists():
                time.sleep(0.05)
            portal = time.perf_counter() - started
            job.refresh_from_db()
            if job.state != "done":
                raise RuntimeError(f"the job failed: {job.error} {job.error_detail}")
            encode = (job.output.ingested_at - job.started_at).total_seconds()
            runs.append(
                {
                    "round": round_number,
                    "by_hand_s": round(by_hand, 3),
                    "portal_s": round(portal, 3),
                    "job_started_to_ingested_s": round(encode, 3),
                    "ratio": round(portal / by_hand, 3),
                }
            )
            log(f"P10 round {round_number}: {runs[-1]}")
    finally:
        worker.stop()
        video.delete()
        master_path.unlink(missing_ok=True)
    return {
        "master_seconds": seconds,
        "runs": runs,
        "median_ratio": statistics.median(r["ratio"] for r in runs),
        "load": os.getloadavg(),
    }


def section(result: dict) -> str:
    rows = "\n".join(
        f"| {r['round']} | {r['by_hand_s']:.3f} | {r['portal_s']:.3f} | "
        f"{r['job_started_to_ingested_s']:.3f} | {r['ratio']:.2f} |"
        for r in result["runs"]
    )
    load = " / ".join(f"{x:.2f}" for x in result["load"])
    return (
        f"{SECTION_TITLE}\n\n"
        f"A {result['master_seconds']} s 1080p25 H.264/AAC master made into its 720p rung "
        "(`RENDITION_LADDER=720`). By hand: the job's own FFmpeg command line "
        "(`transcoding.build_command`) run directly. Portal: from planning the job (its commit "
        "queues it on Redis) until it is done in one Celery worker (prefork, concurrency 1) on "
        "the media queue: claim, FFmpeg with heartbeats, rename into the storage, and the "
        "ingest of the new rendition (SHA-256, PyAV probe of every packet). Run by "
        "`python -m bench.transcode_point`.\n\n"
        "| round | ffmpeg by hand (s) | portal job (s) | claim to ingested (s) | ratio |\n"
        "|---|---|---|---|---|\n"
        f"{rows}\n\n"
        f"Median ratio {result['median_ratio']:.2f} (target ≤ 1.1). Load average at the end: "
        f"{load} on 2 cores.\n"
    )


def splice(report: Path, result: dict) -> None:
    text = report.read_text() if report.exists() else "# Performance\n\n## Running it\n"
    new = section(result) + "\n"
    if SECTION_TITLE in text:
        before, _, rest = text.partition(SECTION_TITLE)
        after = rest[rest.index("\n## ") + 1 :] if "\n## " in rest else ""
        text = before + new + after
    else:
        before, marker, after = text.partition("## Running it")
        text = before + new + marker + after
    report.write_text(text)


def main(argv: list[str] | None = None) -> int:
    from bench.run import DEFAULT_POSTGRES, drop_database, recreate_database

    parser = argparse.ArgumentParser(prog="python -m bench.transcode_point", description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="a 4 s master, one round")
    parser.add_argument(
        "--postgres", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    )
    parser.add_argument("--database", default="portal_bench_transcode")
    parser.add_argument(
        "--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
    )
    parser.add_argument("--output", type=Path, default=BASE_DIR / "docs" / "PERFORMANCE.md")
    args = parser.parse_args(argv)

    work_dir = Path(tempfile.mkdtemp(prefix="portal-bench-transcode-"))
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
                "RENDITION_LADDER": "720",
            }
        )
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        import redis

        redis.Redis.from_url(args.redis).flushdb()
        result = measure(env=dict(os.environ), work_dir=work_dir, smoke=args.smoke)
        log(json.dumps(result))
        splice(args.output, result)
        log(f"P10 written into {args.output}")
    finally:
        drop_database(args.postgres, args.database)
        shutil.rmtree(work_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
