"""The table of results against the targets of issue 8: a row per measure."""

from __future__ import annotations

from dataclasses import dataclass

from bench.measures.pages import REFERENCE
from bench.report.cells import fmt_number, fmt_ratio

# The most SQL queries a page may run (P2).
P2_LIMIT = 6


@dataclass
class Row:
    id: str
    measure: str
    portal: str
    reference: str
    ratio: str
    target: str
    met: bool | None  # None: reported, no target; or not measured

    @property
    def verdict(self) -> str:
        if self.met is None:
            return "—"
        return "**met**" if self.met else "**missed**"

    @classmethod
    def not_measured(cls, row_id: str, measure: str, target: str, why: str = "not measured") -> Row:
        return cls(row_id, measure, why, "", "", target, None)

    @classmethod
    def without_reference(
        cls, row_id: str, measure: str, portal: str, target: str, met: bool
    ) -> Row:
        """A figure held against a fixed target: no reference beside it, so no ratio."""
        return cls(row_id, measure, portal, "—", "—", target, met)


def summary_rows(results: dict) -> list[Row]:
    rows = [
        *_throughput_rows(results),
        *_long_tail_rows(results),
        *_query_rows(results),
        *_search_rows(results),
    ]
    # A measure that failed or was skipped still has its row, saying so.
    for key, rows_of, measure, target in [
        ("P4", _download_rows, "downloads", "≥ 0.9"),
        ("P5", _newsletter_rows, "newsletter send rate", "≥ 0.5"),
        ("P6", _signup_rows, "signup to code email", "≤ 1 s"),
        ("P7", clip_rows, "30 s stream-copy clip of a 1 GiB master", "≤ 1.5×"),  # noqa: RUF001
    ]:
        outcome = results.get(key)
        rows += rows_of(outcome) if outcome else [Row.not_measured(key, measure, target)]
    return rows


def _throughput_rows(results: dict) -> list[Row]:
    rows: list[Row] = []
    p1 = results.get("P1") or {}
    reference = p1.get(REFERENCE, {})
    videos = results.get("P1_videos", 0)
    ref_text = f"{fmt_number(reference.get('requests_per_second'))} req/s (bare Django view)"
    for row_id, name, label, target in [
        ("P1", "catalogue", f"catalogue list, anonymous, {videos:,} videos: req/s", 0.7),
        ("P1b", "video detail, logged in", "video detail page, logged in: req/s", 0.5),
        ("P1b", "speech detail, logged in", "speech detail page, logged in: req/s", 0.5),
        (
            "P8",
            "API video list",
            f"API video list, page of 50, anonymous, {videos:,} videos: req/s",
            0.5,
        ),
    ]:
        page = p1.get(name)
        if page:
            rows.append(
                Row(
                    row_id,
                    label,
                    f"{fmt_number(page['requests_per_second'])} req/s",
                    ref_text,
                    fmt_ratio(page["ratio"]),
                    f"≥ {target}",
                    page["ratio"] >= target,
                )
            )
        else:
            rows.append(Row.not_measured(row_id, label, f"≥ {target}"))
    return rows


# P1m (issue 21): the long tail's rate against the bare view, and the in-process cost of a
# miss per kind of page, in ms.
P1M_TARGETS = {"anonymous": 0.25, "signed in": 0.2}
MISS_COST_TARGETS_MS = {"video": 3.0, "catalogue": 6.0, "filters": 6.0, "search": 6.0}


def _long_tail_rows(results: dict) -> list[Row]:
    p1m = results.get("P1m") or {}
    rows: list[Row] = []
    for audience, target in P1M_TARGETS.items():
        label = f"P1m long tail of {p1m.get('urls', 0):,} distinct pages, {audience}: req/s"
        measured = p1m.get(audience)
        if not measured or measured.get("ratio") is None:
            rows.append(Row.not_measured("P1m", label, f"≥ {target}"))
            continue
        hit_rates = "/".join(f"{rate:.0%}" for rate in measured["hit_rates"])
        rows.append(
            Row(
                "P1m",
                label,
                f"{fmt_number(measured['requests_per_second'])} req/s (page cache hits {hit_rates})",
                "bare Django view, same connections",
                fmt_ratio(measured["ratio"]),
                f"≥ {target}",
                measured["ratio"] >= target,
            )
        )
    costs = p1m.get("miss_costs") or {}
    for kind, limit in MISS_COST_TARGETS_MS.items():
        label = f"cost of a miss in-process, {kind} page: median ms"
        if kind not in costs:
            rows.append(Row.not_measured("P1m", label, f"≤ {limit:g} ms"))
            continue
        median_ms = costs[kind]["median_ms"]
        rows.append(
            Row.without_reference(
                "P1m",
                label,
                f"{median_ms:.1f} ms ({costs[kind]['pages']} pages)",
                f"≤ {limit:g} ms",
                median_ms <= limit,
            )
        )
    return rows


def _query_rows(results: dict) -> list[Row]:
    p2 = results.get("P2") or {}
    if not p2:
        return []
    sizes = list(p2)
    worst = {size: max(counts.values()) for size, counts in p2.items()}
    constant = len({tuple(sorted(c.items())) for c in p2.values()}) == 1
    over = sorted({page for counts in p2.values() for page, n in counts.items() if n > P2_LIMIT})
    portal = "; ".join(f"max {worst[size]} at {size}" for size in sizes)
    if over:
        portal += f" (over {P2_LIMIT}: {', '.join(over)})"
    after_edit = results.get("P2_after_edit") or {}
    if after_edit:
        first = max(n for counts in after_edit.values() for n in counts.values())
        portal += f"; first view after an edit: max {first}"
    return [
        Row.without_reference(
            "P2",
            "SQL queries per page (9 pages, two data sizes)",
            portal,
            f"constant, ≤ {P2_LIMIT}",
            constant and not over,
        )
    ]


def _search_rows(results: dict) -> list[Row]:
    rows: list[Row] = []
    p3 = {int(size): value for size, value in (results.get("P3") or {}).items()}
    base = p3.get(100_000) or (p3[min(p3)] if p3 else None)
    for size, outcome in sorted(p3.items()):
        label = f"full-text search at {size:,} videos: p50 / p95"
        portal = f"{fmt_number(outcome['p50_ms'])} / {fmt_number(outcome['p95_ms'])} ms"
        reference_text = (
            f"pk lookup {fmt_number(outcome['reference_p50_ms'], 2)} / "
            f"{fmt_number(outcome['reference_p95_ms'], 2)} ms"
        )
        ratio = fmt_ratio(outcome["p95_ms"] / outcome["reference_p95_ms"]) + " (p95)"
        if outcome is base:
            rows.append(
                Row(
                    "P3",
                    label,
                    portal,
                    reference_text,
                    ratio,
                    "p95 ≤ 50 ms",
                    outcome["p95_ms"] <= 50,
                )
            )
        else:
            # The sizes are measured minutes apart on a shared machine: the growth must hold
            # both as timed and against each size's own reference, measured beside it.
            growth = outcome["p95_ms"] / base["p95_ms"]
            relative = (outcome["p95_ms"] / outcome["reference_p95_ms"]) / (
                base["p95_ms"] / base["reference_p95_ms"]
            )
            rows.append(
                Row(
                    "P3",
                    label,
                    f"{portal}; p95 x{growth:.1f} vs {base['videos']:,} "
                    f"(x{relative:.1f} against each size's pk lookup)",
                    reference_text,
                    ratio,
                    "≤ 2x growth",
                    growth <= 2 and relative <= 2,
                )
            )
    note = (results.get("notes") or {}).get("P3 1,000,000")
    if note and 1_000_000 not in p3:
        rows.append(
            Row.not_measured("P3", "full-text search at 1,000,000 videos", "≤ 2x growth", note)
        )
    return rows


def _download_rows(p4: dict) -> list[Row]:
    size_gb = p4["file_bytes"] / (1 << 30)
    static = p4["nginx static"]
    accel = p4["portal via X-Accel-Redirect"]
    streamed = p4["portal streamed (no nginx)"]
    ranged = p4["portal streamed, Range second half"]
    streamed_rss = max(streamed["rss_growth_mib"] or 0, ranged["rss_growth_mib"] or 0)
    return [
        Row(
            "P4",
            f"authorised download of a {size_gb:g} GiB rendition via nginx X-Accel-Redirect",
            f"{fmt_number(accel['mb_per_second'])} MB/s; worker RSS +{accel['rss_growth_mib']} MiB",
            f"nginx static {fmt_number(static['mb_per_second'])} MB/s",
            fmt_ratio(accel["ratio"]),
            "≥ 0.9; RSS < 10 MB",
            accel["ratio"] >= 0.9 and (accel["rss_growth_mib"] or 0) < 10,
        ),
        Row(
            "P4b",
            "the same streamed by the portal (no nginx), whole file / Range second half",
            f"{fmt_number(streamed['mb_per_second'])} / {fmt_number(ranged['mb_per_second'])} MB/s; "
            f"worker RSS +{streamed_rss} MiB",
            f"nginx static {fmt_number(static['mb_per_second'])} MB/s",
            fmt_ratio(streamed["ratio"]),
            "report; memory flat",
            streamed_rss < 10,
        ),
    ]


def _newsletter_rows(p5: dict) -> list[Row]:
    return [
        Row(
            "P5",
            f"newsletter to {p5['subscribers']:,} subscribers, one worker: messages/s",
            f"{fmt_number(p5['portal_worker']['messages_per_second'])} msg/s",
            f"raw smtplib loop {fmt_number(p5['raw_smtplib']['messages_per_second'])} msg/s",
            fmt_ratio(p5["ratio_portal_to_raw"]),
            "≥ 0.5",
            p5["ratio_portal_to_raw"] >= 0.5,
        )
    ]


def _signup_rows(p6: dict) -> list[Row]:
    return [
        Row.without_reference(
            "P6",
            f"signup POST → code email at the SMTP server, real worker (median of {p6['signups']})",
            f"{fmt_number(p6['median_ms'], 0)} ms (max {fmt_number(p6['max_ms'], 0)} ms)",
            "median ≤ 1 s",
            p6["median_ms"] <= 1000,
        )
    ]


def clip_rows(p7: dict) -> list[Row]:
    return [
        Row(
            "P7",
            f"{p7['clip_seconds']} s stream-copy clip of a 1 GiB master, request to ready "
            f"(median of {len(p7['runs'])}; worker RSS +{p7['rss_growth_mib']} MiB)",
            f"{p7['portal_seconds']:.3f} s",
            f"{p7['reference_seconds']:.3f} s (ffmpeg -c copy)",
            fmt_ratio(p7["ratio"]),
            "≤ 1.5× ffmpeg, memory flat",  # noqa: RUF001
            p7["ratio"] <= 1.5,
        )
    ]
