"""P1 / P1b: pages per second under load, each beside a run of the reference."""

from __future__ import annotations

from collections.abc import Callable

from bench.measures.pages import REFERENCE, Page, check_page
from bench.measures.plan import Plan, median
from bench.processes import PROXY_HEADERS, Gunicorn, LoadResult, log

LoadFunction = Callable[..., LoadResult]


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
