"""The bench's smoke mode runs every code path of `make bench` on tiny data (issue 8).

No timing is asserted here, ever: figures belong in docs/PERFORMANCE.md. This only proves that
the bench still runs end to end against the real services, so `make bench` does not rot.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from core.testing.services import postgres_server_url, require_executable

BASE_DIR = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.integration


def _postgres_server_url() -> str:
    from django.db import connection

    return postgres_server_url(connection.settings_dict)


@pytest.mark.timeout(960)  # the bench subprocess alone may take 900 s
def test_bench_smoke_mode_measures_everything_and_writes_the_report(
    postgres, redis_url: str, tmp_path: Path
):
    require_executable("nginx", hint="apt-get install -y nginx")
    redis = urlsplit(redis_url)
    report = tmp_path / "PERFORMANCE.md"
    raw = tmp_path / "results.json"

    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--smoke",
            "--output",
            str(report),
            "--json",
            str(raw),
            "--postgres",
            _postgres_server_url(),
            "--database",
            f"bench_smoke_{uuid.uuid4().hex[:8]}",
            # Its own Redis database: the run empties it, and the suite uses another.
            "--redis",
            f"redis://{redis.netloc}/7",
        ],
        cwd=BASE_DIR,
        env={**os.environ, "PYINSTRUMENT_IGNORE_OVERHEAD_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )

    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    results = json.loads(raw.read_text())
    assert results["errors"] == {}
    assert set(results["P1"]) >= {
        "reference",
        "catalogue",
        "video detail, logged in",
        "API video list",
    }
    # The long tail: both audiences loaded with distinct pages, every response counted as a
    # page-cache hit or miss, every kind's miss timed on pages the load never asked for.
    for audience in ("anonymous", "signed in"):
        assert results["P1m"][audience]["errors"] == 0
        assert results["P1m"][audience]["uncached_responses"] == 0
    assert set(results["P1m"]["miss_costs"]) >= {"video", "search", "catalogue", "filters"}
    assert len(results["P2"]) == 2
    # Query counts are exact (not timings): every page within the target at both sizes.
    assert all(0 <= count <= 6 for counts in results["P2"].values() for count in counts.values())
    assert all(len(counts) == 9 for counts in results["P2"].values())
    assert len(results["P3"]) == 2
    assert results["P4"]["portal via X-Accel-Redirect"]["mb_per_second"] > 0
    assert results["P5"]["portal_worker"]["received_by_server"] == results["P5"]["subscribers"]
    assert results["P6"]["signups"] == len(results["P6"]["runs_ms"])
    text = report.read_text()
    for row in (
        "| P1 |",
        "| P1b |",
        "| P1m |",
        "| P2 |",
        "| P3 |",
        "| P4 |",
        "| P4b |",
        "| P5 |",
        "| P6 |",
        "| P8 |",
    ):
        assert row in text
    assert (tmp_path / "performance.svg").read_text().startswith("<svg")
