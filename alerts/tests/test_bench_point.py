"""The alert-matching bench point (P9, bench/alerts_point.py) runs end to end at small scale.
No timing is asserted here: the figures belong in docs/PERFORMANCE.md."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from core.testing.services import postgres_server_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.integration


@pytest.mark.timeout(600)
def test_the_alert_bench_point_runs_at_small_scale(postgres, redis_url: str, tmp_path: Path):
    from django.db import connection

    redis = urlsplit(redis_url)
    result_path = tmp_path / "p8.json"

    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.alerts_point",
            "--smoke",
            "--json",
            str(result_path),
            "--postgres",
            postgres_server_url(connection.settings_dict),
            "--database",
            f"bench_alerts_{uuid.uuid4().hex[:8]}",
            # Its own Redis database: the run empties it.
            "--redis",
            f"redis://{redis.netloc}/7",
        ],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=590,
        check=False,
    )

    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    result = json.loads(result_path.read_text())
    assert result["searches"] == 500 and result["videos"] == 20
    assert result["pairs_announced"] > 0 and result["outbox_emails"] == result["instant_alerts"]
    print(
        f"P9 smoke: {result['searches']} searches x {result['videos']} videos, "
        f"{result['pairs_announced']} pairs, {result['queries']} queries"
    )
