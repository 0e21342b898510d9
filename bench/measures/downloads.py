"""P4 / P4b: authorised downloads through nginx X-Accel-Redirect and streamed by the portal,
each beside nginx serving the same file statically."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from bench.measures.plan import Plan, median
from bench.processes import (
    PROXY_HEADERS,
    Gunicorn,
    HttpSession,
    RSSSampler,
    download,
    log,
    rss_kib,
)
from core.testing.nginx import NginxProcess


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
    nginx: NginxProcess,
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

    def fresh_link(base: str) -> Callable[[], str]:
        """A new account-bound link per download, asked for through `base`."""
        return lambda: (
            base + signed_link(base, cookie=cookie, slug=fixtures_slug, rendition_id=rendition_id)
        )

    # Each path: its link, the request's headers, the server whose workers' memory is sampled
    # (none: nginx alone), the status and size expected.
    paths = {
        "nginx static": (lambda: f"{nginx.url}/bench-static/{file_name}", {}, None, 200, size),
        "portal via X-Accel-Redirect": (fresh_link(nginx.url), headers, behind_nginx, 200, size),
        "portal streamed (no nginx)": (fresh_link(direct.url), headers, direct, 200, size),
        "portal streamed, Range second half": (
            fresh_link(direct.url),
            {**headers, "Range": f"bytes={size // 2}-"},
            direct,
            206,
            size - size // 2,
        ),
    }
    for round_number in range(plan.download_repeats):
        for name, (link, path_headers, server, status, expected) in paths.items():
            outcome = timed_downloads(
                url=link,
                headers=path_headers,
                repeats=1,
                expected_size=expected,
                workers=server.worker_pids() if server else [],
                expected_status=status,
            )
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
