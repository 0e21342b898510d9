"""P7: a 30-second stream-copy clip of a 1 GiB master, cut by the portal's Celery job, beside
FFmpeg's own `ffmpeg -ss … -i master -t 30 -c copy` on the same file, round by round.

The portal's time runs from the request (`clips.services.request_clip`, committed, queued on
Redis) until the row is ready: queueing, the claim, the keyframe look-up with PyAV, FFmpeg,
the SHA-256 of the clip, the rename into the storage and the final transaction. Each round
cuts a range never cut before (the cache would answer at once otherwise). The worker's memory
is sampled every 20 ms during each job, after an untimed first job.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from bench.measures.plan import median
from bench.processes import RSSSampler, children_of, log, rss_kib

FFMPEG = "/usr/bin/ffmpeg"
SEGMENT_SECONDS = 4
# A broadcast-like master: 1080p25 H.264 at about 50 Mbit/s (XDCAM HD422's rate), so 1 GiB
# lasts about three minutes; noise keeps the encoder from making it smaller.
VIDEO_BITRATE = 50_000_000


def write_master(path: Path, size: int) -> float:
    """A master of at least `size` bytes; returns its duration in seconds. A few seconds are
    encoded, then repeated by stream copy (encoding three minutes of 1080p would take many)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    segment = path.with_name("segment.mp4")
    quiet = [FFMPEG, "-hide_banner", "-loglevel", "error", "-y"]
    source = f"testsrc2=size=1920x1080:rate=25:duration={SEGMENT_SECONDS},noise=alls=30:allf=t"
    rate = str(VIDEO_BITRATE)
    encode = ["-c:v", "libx264", "-preset", "ultrafast", "-b:v", rate, "-maxrate", rate]
    encode += ["-bufsize", str(VIDEO_BITRATE // 2), "-g", "50", "-pix_fmt", "yuv420p"]
    subprocess.run(
        [*quiet, "-f", "lavfi", "-i", source, *encode, "-f", "mp4", str(segment)], check=True
    )
    loops = max(1, -(-size // segment.stat().st_size))
    seconds = loops * SEGMENT_SECONDS
    tone = f"sine=frequency=440:sample_rate=48000:duration={seconds}"
    inputs = ["-stream_loop", str(loops - 1), "-i", str(segment), "-f", "lavfi", "-i", tone]
    mapping = ["-map", "0:v", "-map", "1:a", "-c:v", "copy", "-c:a", "aac", "-b:a", "128k"]
    subprocess.run([*quiet, *inputs, *mapping, "-shortest", "-f", "mp4", str(path)], check=True)
    segment.unlink()
    return float(seconds)


def _warm(path: Path) -> None:
    # Both sides read the master from the page cache alike.
    with path.open("rb") as handle:
        while handle.read(8 << 20):
            pass


def _reference(master: Path, output: Path, *, start: int, seconds: int) -> float:
    started = time.perf_counter()
    command = [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-ss", str(start)]
    command += ["-i", str(master), "-t", str(seconds), "-c", "copy", "-f", "mp4", str(output)]
    subprocess.run(command, check=True)
    elapsed = time.perf_counter() - started
    output.unlink()
    return elapsed


def _portal(*, user, rendition, start: int, seconds: int, worker_pids: list[int]) -> dict:
    from clips import services
    from clips.models import Clip

    with RSSSampler(worker_pids) as sampler:
        started = time.perf_counter()
        clip = services.request_clip(
            user=user,
            rendition=rendition,
            start_ms=start * 1000,
            end_ms=(start + seconds) * 1000,
            mode=Clip.Mode.FAST,
        )
        while True:
            clip.refresh_from_db(fields=["status", "error", "file_size"])
            if clip.status in {Clip.Status.READY, Clip.Status.FAILED}:
                break
            time.sleep(0.005)
        elapsed = time.perf_counter() - started
    if clip.status != Clip.Status.READY:
        raise RuntimeError(f"the clip failed: {clip.error}")
    # What the worker keeps once the job is over: the same after every round if nothing
    # accumulates.
    after = round(sum(rss_kib(pid) for pid in worker_pids) / 1024, 1)
    return {
        "seconds": elapsed,
        "rss_growth_mib": sampler.growth_mib,
        "rss_after_mib": after,
        "bytes": clip.file_size,
    }


def measure_clips(
    *, master: Path, duration: float, user, rendition, worker_pid: int, rounds: int, seconds: int
) -> dict:
    workers = [worker_pid, *children_of(worker_pid)]
    work = master.parent / "reference"
    work.mkdir(exist_ok=True)
    _warm(master)
    # The worker's first job imports and allocates for good: untimed.
    _portal(user=user, rendition=rendition, start=0, seconds=1, worker_pids=workers)
    runs = []
    # Starts spread over the master, never the warm-up's range.
    step = max(1, int((duration - seconds - 2) // max(1, rounds)))
    for number in range(rounds):
        start = 1 + number * step
        reference = _reference(master, work / "ref.mp4", start=start, seconds=seconds)
        portal = _portal(
            user=user, rendition=rendition, start=start, seconds=seconds, worker_pids=workers
        )
        runs.append({"reference": reference, **portal, "start": start})
        log(
            f"  round {number + 1}: ffmpeg {reference:.3f} s, portal {portal['seconds']:.3f} s "
            f"({portal['bytes'] / 1e6:.0f} MB), worker RSS +{portal['rss_growth_mib']} MiB "
            f"during, {portal['rss_after_mib']} MiB after"
        )
    return {
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "master_bytes": master.stat().st_size,
        "master_seconds": duration,
        "clip_seconds": seconds,
        "clip_bytes": median([run["bytes"] for run in runs]),
        "reference_seconds": round(median([run["reference"] for run in runs]), 3),
        "portal_seconds": round(median([run["seconds"] for run in runs]), 3),
        "ratio": round(median([run["seconds"] / run["reference"] for run in runs]), 3),
        "rss_growth_mib": max(run["rss_growth_mib"] for run in runs),
        "runs": [
            {
                key: round(value, 3) if isinstance(value, float) else value
                for key, value in run.items()
            }
            for run in runs
        ],
    }
