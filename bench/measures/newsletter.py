"""P5: the newsletter send rate, by the newsletter's own bench."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.processes import BASE_DIR


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
