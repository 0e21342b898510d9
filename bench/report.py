"""docs/PERFORMANCE.md and its chart, from the results of one run.

The chart is a small hand-written SVG: one picture of bars and target marks does not justify
a plotting library (and its native wheels) in every developer's environment.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from bench.measures import REFERENCE

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


def _num(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def summary_rows(results: dict) -> list[Row]:
    rows: list[Row] = []
    p1 = results.get("P1") or {}
    reference = p1.get(REFERENCE, {})
    videos = results.get("P1_videos", 0)
    ref_text = f"{_num(reference.get('requests_per_second'))} req/s (bare Django view)"
    for row_id, name, label, target in [
        ("P1", "catalogue", f"catalogue list, anonymous, {videos:,} videos: req/s", 0.7),
        ("P1b", "video detail, logged in", "video detail page, logged in: req/s", 0.5),
        ("P1b", "speech detail, logged in", "speech detail page, logged in: req/s", 0.5),
    ]:
        page = p1.get(name)
        if page:
            rows.append(
                Row(
                    row_id,
                    label,
                    f"{_num(page['requests_per_second'])} req/s",
                    ref_text,
                    _ratio(page["ratio"]),
                    f"≥ {target}",
                    page["ratio"] >= target,
                )
            )
        else:
            rows.append(Row(row_id, label, "not measured", "", "", f"≥ {target}", None))

    p2 = results.get("P2") or {}
    if p2:
        sizes = list(p2)
        worst = {size: max(counts.values()) for size, counts in p2.items()}
        constant = len({tuple(sorted(c.items())) for c in p2.values()}) == 1
        over = sorted(
            {page for counts in p2.values() for page, n in counts.items() if n > P2_LIMIT}
        )
        portal = "; ".join(f"max {worst[size]} at {size}" for size in sizes)
        if over:
            portal += f" (over {P2_LIMIT}: {', '.join(over)})"
        after_edit = results.get("P2_after_edit") or {}
        if after_edit:
            first = max(n for counts in after_edit.values() for n in counts.values())
            portal += f"; first view after an edit: max {first}"
        rows.append(
            Row(
                "P2",
                "SQL queries per page (9 pages, two data sizes)",
                portal,
                "—",
                "—",
                f"constant, ≤ {P2_LIMIT}",
                constant and not over,
            )
        )

    p3 = {int(size): value for size, value in (results.get("P3") or {}).items()}
    base = p3.get(100_000) or (p3[min(p3)] if p3 else None)
    for size, outcome in sorted(p3.items()):
        label = f"full-text search at {size:,} videos: p50 / p95"
        portal = f"{_num(outcome['p50_ms'])} / {_num(outcome['p95_ms'])} ms"
        reference_text = (
            f"pk lookup {_num(outcome['reference_p50_ms'], 2)} / "
            f"{_num(outcome['reference_p95_ms'], 2)} ms"
        )
        ratio = _ratio(outcome["p95_ms"] / outcome["reference_p95_ms"]) + " (p95)"
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
            Row("P3", "full-text search at 1,000,000 videos", note, "", "", "≤ 2x growth", None)
        )

    p4 = results.get("P4") or {}
    if p4:
        size_gb = p4["file_bytes"] / (1 << 30)
        static = p4["nginx static"]
        accel = p4["portal via X-Accel-Redirect"]
        streamed = p4["portal streamed (no nginx)"]
        ranged = p4["portal streamed, Range second half"]
        rows.append(
            Row(
                "P4",
                f"authorised download of a {size_gb:g} GiB rendition via nginx X-Accel-Redirect",
                f"{_num(accel['mb_per_second'])} MB/s; worker RSS +{accel['rss_growth_mib']} MiB",
                f"nginx static {_num(static['mb_per_second'])} MB/s",
                _ratio(accel["ratio"]),
                "≥ 0.9; RSS < 10 MB",
                accel["ratio"] >= 0.9 and (accel["rss_growth_mib"] or 0) < 10,
            )
        )
        rows.append(
            Row(
                "P4b",
                "the same streamed by the portal (no nginx), whole file / Range second half",
                f"{_num(streamed['mb_per_second'])} / {_num(ranged['mb_per_second'])} MB/s; "
                f"worker RSS +{max(streamed['rss_growth_mib'] or 0, ranged['rss_growth_mib'] or 0)} MiB",
                f"nginx static {_num(static['mb_per_second'])} MB/s",
                _ratio(streamed["ratio"]),
                "report; memory flat",
                max(streamed["rss_growth_mib"] or 0, ranged["rss_growth_mib"] or 0) < 10,
            )
        )
    else:
        rows.append(Row("P4", "downloads", "not measured", "", "", "≥ 0.9", None))

    p5 = results.get("P5")
    if p5:
        rows.append(
            Row(
                "P5",
                f"newsletter to {p5['subscribers']:,} subscribers, one worker: messages/s",
                f"{_num(p5['portal_worker']['messages_per_second'])} msg/s",
                f"raw smtplib loop {_num(p5['raw_smtplib']['messages_per_second'])} msg/s",
                _ratio(p5["ratio_portal_to_raw"]),
                "≥ 0.5",
                p5["ratio_portal_to_raw"] >= 0.5,
            )
        )
    else:
        rows.append(Row("P5", "newsletter send rate", "not measured", "", "", "≥ 0.5", None))

    p6 = results.get("P6")
    if p6:
        rows.append(
            Row(
                "P6",
                f"signup POST → code email at the SMTP server, real worker (median of {p6['signups']})",
                f"{_num(p6['median_ms'], 0)} ms (max {_num(p6['max_ms'], 0)} ms)",
                "—",
                "—",
                "median ≤ 1 s",
                p6["median_ms"] <= 1000,
            )
        )
    else:
        rows.append(Row("P6", "signup to code email", "not measured", "", "", "≤ 1 s", None))
    return rows


# --- The chart ---------------------------------------------------------------------------------


def chart_svg(results: dict) -> str:
    """Horizontal bars: each ratio to its reference, with the target as a mark."""
    bars: list[tuple[str, float, float | None]] = []
    p1 = results.get("P1") or {}
    for label, name, target in [
        ("P1 catalogue", "catalogue", 0.7),
        ("P1 home page", "home", None),
        ("P1b video detail", "video detail, logged in", 0.5),
        ("P1b speech detail", "speech detail, logged in", 0.5),
    ]:
        if p1.get(name):
            bars.append((label, p1[name]["ratio"], target))
    p4 = results.get("P4") or {}
    if p4:
        bars.append(("P4 X-Accel download", p4["portal via X-Accel-Redirect"]["ratio"], 0.9))
        bars.append(("P4b streamed download", p4["portal streamed (no nginx)"]["ratio"], None))
    if results.get("P5"):
        bars.append(("P5 newsletter", results["P5"]["ratio_portal_to_raw"], 0.5))

    left, width, bar_height, gap = 190, 460, 22, 10
    top = 40
    height = top + len(bars) * (bar_height + gap) + 40
    scale = width / 1.2  # ratios up to 1.2 fit; longer bars are clipped and labelled
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 80}" height="{height}" '
        'font-family="sans-serif" font-size="13" role="img" '
        'aria-labelledby="title"><title id="title">Portal throughput as a share of its '
        "reference, measured in the same run; the dark mark is the target</title>",
        f'<text x="{left}" y="20" font-weight="bold">portal ÷ reference (same run); '
        "mark = target</text>",
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = left + tick * scale
        parts.append(
            f'<line x1="{x:.0f}" y1="{top - 6}" x2="{x:.0f}" y2="{height - 30}" '
            'stroke="#ddd" stroke-width="1"/>'
        )
        parts.append(f'<text x="{x:.0f}" y="{height - 14}" text-anchor="middle">{tick:g}</text>')
    for index, (label, ratio, target) in enumerate(bars):
        y = top + index * (bar_height + gap)
        met = target is None or ratio >= target
        colour = "#2a7a3b" if met else "#b3261e"
        length = min(ratio, 1.2) * scale
        parts.append(
            f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">{html.escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{left}" y="{y}" width="{length:.0f}" height="{bar_height}" fill="{colour}"/>'
        )
        parts.append(f'<text x="{left + length + 6:.0f}" y="{y + 16}">{ratio:.2f}</text>')
        if target is not None:
            x = left + target * scale
            parts.append(
                f'<line x1="{x:.0f}" y1="{y - 3}" x2="{x:.0f}" y2="{y + bar_height + 3}" '
                'stroke="#111" stroke-width="3"/>'
            )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


# --- The document ------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def render(results: dict, *, chart_name: str) -> str:
    rows = summary_rows(results)
    plan = results.get("plan", {})
    out: list[str] = []
    out.append("# Performance\n")
    out.append(
        f"Measured on {results.get('date', '?')} by `make bench` (`python -m bench`), in "
        f"{results.get('elapsed_seconds', 0) / 60:.1f} minutes. **This file is generated: "
        "edit `bench/report.py`, not this page.**\n"
    )
    out.append(
        "Every figure sits beside a reference measured in the same run on the same machine, "
        "and the verdicts use the ratio: this is a shared 2-core machine where other engineers "
        "run test suites at the same time, so absolute numbers drift from run to run (the load "
        "average at the start is below). Each page is loaded right after a run of the "
        "reference, and its ratio is the median of those paired ratios, so a neighbour's "
        "burst weighs on both sides of each.\n"
    )
    out.append("## Machine\n")
    out.append(_table(["", ""], [[k, v] for k, v in (results.get("machine") or {}).items()]))
    out.append(
        "\nSet-up: PostgreSQL (a database created anew for the run), Redis, `DJANGO_DEBUG=0`, "
        f"gunicorn with {plan.get('web_workers')} sync workers on 127.0.0.1, "
        f"wrk with {plan.get('connections')} connections for {plan.get('load_seconds')} s per "
        f"round, {plan.get('rounds')} rounds; data sets generated at bench time with bulk SQL.\n"
    )
    out.append("## Results against the targets of issue 8\n")
    out.append(
        _table(
            ["id", "measure", "portal", "reference (same run)", "ratio", "target", "verdict"],
            [[r.id, r.measure, r.portal, r.reference, r.ratio, r.target, r.verdict] for r in rows],
        )
    )
    out.append(f"\n![Ratios of the portal to its references, with the targets]({chart_name})\n")
    errors = results.get("errors") or {}
    notes = results.get("notes") or {}
    if errors or notes:
        out.append("### Not measured, or measured differently\n")
        for name, text in {**notes, **errors}.items():
            out.append(f"- {name}: {text}")
        out.append("")

    p1 = results.get("P1") or {}
    if p1:
        out.append("## P1, P1b: pages per second\n")
        out.append(
            "Each page under load by wrk through gunicorn. The reference is a bare Django view "
            "(`bench/urls.py`) returning a fixed page through the same gunicorn, middleware "
            "and settings, so the ratio is what the page's own work costs. After their first "
            "view the pages are served from the whole-page cache (`docs/caching.md`), as "
            "they are in production; P2 shows what the first view after an edit costs.\n"
        )
        out.append(
            _table(
                [
                    "page",
                    "logged in",
                    "bytes",
                    "req/s",
                    "p50 ms",
                    "p99 ms",
                    "ratio",
                    "rounds (req/s)",
                    "round ratios",
                    "errors",
                ],
                [
                    [
                        name,
                        "yes" if page["logged_in"] else "no",
                        f"{page['bytes']:,}",
                        _num(page["requests_per_second"]),
                        _num(page["p50_ms"]),
                        _num(page["p99_ms"]),
                        _ratio(page["ratio"]),
                        " / ".join(_num(r) for r in page["rounds"]),
                        " / ".join(_ratio(r) for r in page.get("round_ratios") or []),
                        page["errors"],
                    ]
                    for name, page in p1.items()
                ],
            )
        )
        out.append("")

    p2 = results.get("P2") or {}
    if p2:
        after_edit = results.get("P2_after_edit") or {}
        out.append("## P2: SQL queries per page\n")
        out.append(
            "Counted with Django's `CaptureQueriesContext`, twice per page: the first view "
            "after an editor's change (the content version moved, so the page is rendered) "
            "and the next one (served from the page cache, `docs/caching.md`; the verdict is "
            "on these). My account is personal and never cached. "
            "`portal/tests/test_query_counts.py` and the apps' own tests assert these counts "
            "at two data sizes.\n"
        )
        sizes = list(p2)
        pages = list(next(iter(p2.values())))

        def cell(size: str, page: str) -> str:
            cached = str(p2[size].get(page, "?"))
            if size in after_edit:
                return f"{after_edit[size].get(page, '?')} / {cached}"
            return cached

        out.append(
            _table(
                [
                    "page",
                    *[f"{size}: after an edit / cached" for size in sizes],
                    "≤ 6 and constant",
                ],
                [
                    [
                        page,
                        *[cell(size, page) for size in sizes],
                        "yes"
                        if len({p2[size].get(page) for size in sizes}) == 1
                        and len({after_edit.get(size, {}).get(page) for size in sizes}) == 1
                        and max(p2[size].get(page, 99) for size in sizes) <= P2_LIMIT
                        else "**no**",
                    ]
                    for page in pages
                ],
            )
        )
        heavy = sorted(
            {page for counts in after_edit.values() for page, n in counts.items() if n > P2_LIMIT}
        )
        if heavy:
            out.append(
                f"\nOver {P2_LIMIT} on the first view after an edit: {', '.join(heavy)}. The "
                "signed-in video page then reads the user (staff may preview drafts), the "
                "video, its renditions, tags and languages, and the related videos and "
                "speeches; it is rendered once per content version, language and audience, "
                "and every later view is served from the cache without a query."
            )
        out.append("")

    p3 = results.get("P3") or {}
    if p3:
        out.append("## P3: full-text search latency\n")
        cap = next((p3[s]["results_cap"] for s in p3 if p3[s].get("results_cap")), None)
        out.append(
            "The catalogue's own search (the view's selector, "
            '`media_library.search.catalogue_page({"q": q}, page_number=1, per_page=24)`): '
            "the count and the first page of 24, timed in the bench process against "
            "PostgreSQL. Reference: `Video.objects.get(pk=…)`. Words follow a skewed "
            "distribution, so a frequent word matches a large share of the rows."
            + (
                f" A search ranks and counts only its newest {cap:,} matches "
                "(`SEARCH_RESULTS_CAP`, `docs/media.md`). They are found once, in the way the "
                "words' frequency makes cheapest: the walk of `video_newest_idx` for a frequent "
                "word, the newest window of publication time for a word in between (GIN and "
                "BRIN in one bitmap, `media_library/newest_matches.py`), every match for a rare "
                "one, and adjacent-word pairs for a phrase (migration 0003). The data sets are "
                "vacuumed and analyzed after they are built, as autovacuum would. The two "
                "sizes are measured some ten minutes apart (the million rows are built in "
                "between) and the machine's load moves meanwhile: the growth verdict holds "
                "both as timed and against each size's own pk lookup, measured beside it."
                if cap
                else ""
            )
            + "\n"
        )
        sizes = sorted(p3, key=int)
        terms = list(p3[sizes[0]]["terms"])
        out.append(
            _table(
                ["query", *[f"{int(s):,} videos p50 / p95 ms" for s in sizes]],
                [
                    [
                        f"{term} (`{p3[sizes[0]]['terms'][term]['query']}`)",
                        *[
                            f"{_num(p3[s]['terms'][term]['p50_ms'])} / "
                            f"{_num(p3[s]['terms'][term]['p95_ms'])}"
                            for s in sizes
                        ],
                    ]
                    for term in terms
                ]
                + [
                    [
                        "data set built in",
                        *[f"{p3[s].get('build_seconds', 0):.0f} s" for s in sizes],
                    ]
                ],
            )
        )
        largest = p3[sizes[-1]]
        out.append(
            f"\nThe slowest query at {int(sizes[-1]):,} videos, "
            f"`{largest['terms'][largest['slowest_term']]['query']}` "
            f"({largest['slowest_matches']:,} matching rows), as PostgreSQL runs it:\n"
        )
        out.append("```\n" + largest["slowest_plan"] + "\n```\n")
        if largest.get("frequent_plan"):
            frequent = largest["terms"][largest["frequent_term"]]["query"]
            out.append(f"The most frequent word, `{frequent}`, at the same size:\n")
            out.append("```\n" + largest["frequent_plan"] + "\n```\n")

    p4 = results.get("P4") or {}
    if p4:
        out.append("## P4, P4b: downloads\n")
        out.append(
            f"A {p4['file_bytes'] / (1 << 30):g} GiB file of random bytes, written at bench time "
            "and deleted after. The portal's path is the browser's: POST the download form "
            "(account check, download recorded, 303 to the signed link), then GET the link with "
            "curl; the reference is nginx serving the same file from a plain static location, "
            "just before, in each round. A path's ratio is the median of its rounds' ratios. "
            "RSS growth: the largest rise of any gunicorn worker's resident memory over its "
            "own level before the download, sampled every 20 ms, after every worker has "
            "answered the download path.\n"
        )
        out.append(
            _table(
                [
                    "path",
                    "MB/s (median)",
                    "runs",
                    "ratio to nginx static (median of rounds)",
                    "worker RSS growth",
                ],
                [
                    [
                        name,
                        _num(entry["mb_per_second"]),
                        " / ".join(_num(r) for r in entry["runs_mb_per_second"]),
                        _ratio(entry["ratio"]),
                        "—"
                        if entry["rss_growth_mib"] is None
                        else f"+{entry['rss_growth_mib']} MiB",
                    ]
                    for name, entry in p4.items()
                    if name != "file_bytes"
                ],
            )
        )
        out.append("")

    p5 = results.get("P5")
    if p5:
        portal, raw = p5["portal_worker"], p5["raw_smtplib"]
        out.append("## P5: newsletter send rate\n")
        out.append(
            "`bench/newsletter_send.py` (written with the newsletter), run as it is: "
            f"{p5['subscribers']:,} subscribers, one Celery worker (prefork, concurrency "
            f"{p5['worker_concurrency']}, batches of {p5['batch_size']}) against a real SMTP server "
            "(aiosmtpd in its own process), beside a raw `smtplib` loop sending the same "
            "pre-rendered messages to the same server. Per message the worker pays one database "
            "round trip (the row's outcome, its commit and the next claim), the batch's MIME "
            "template filled in, and the SMTP exchange (`docs/newsletter.md`).\n"
        )
        out.append(
            _table(
                ["", "seconds", "messages/s", "delivered"],
                [
                    [
                        "portal worker",
                        portal.get("seconds", "?"),
                        portal["messages_per_second"],
                        f"{portal.get('received_by_server', 0):,} "
                        f"(sent {portal.get('sent', '?')}, failed {portal.get('failed', '?')})",
                    ],
                    *[
                        [
                            f"raw smtplib{label}",
                            part.get("seconds", "?"),
                            part["messages_per_second"],
                            f"{part.get('received_by_server', 0):,}",
                        ]
                        # The newsletter bench takes its reference before and after the worker.
                        for label, part in (
                            [(" (before)", raw["before"]), (" (after)", raw["after"])]
                            if "before" in raw
                            else [("", raw)]
                        )
                    ],
                ],
            )
        )
        out.append("")

    p6 = results.get("P6")
    if p6:
        out.append("## P6: signup to code email\n")
        out.append(
            "A browser-like signup (GET the form, POST it with its CSRF token) against gunicorn; "
            "the clock runs from the POST until the SMTP server has accepted the code email, sent "
            "by a real Celery worker from the outbox. "
            f"Median {p6['median_ms']:.0f} ms; the POST alone {p6['post_median_ms']:.0f} ms "
            "(Argon2 hashing of the password is most of it). Runs (ms): "
            + ", ".join(str(t) for t in p6["runs_ms"])
            + ".\n"
        )

    from bench.findings import findings

    found = findings(results)
    if found:
        out.append("## Findings: causes of the missed targets and their fixes\n")
        out.extend(found)

    profiles = {k: v for k, v in (results.get("profiles") or {}).items() if v}
    if profiles:
        out.append("## Profiles\n")
        out.append(
            "pyinstrument over repeated in-process requests of the page (same code as under "
            "gunicorn, without the network), the first levels of the call tree:\n"
        )
        for name, text in profiles.items():
            out.append(
                f"<details><summary>{html.escape(name)}</summary>\n\n```\n{text}\n```\n</details>\n"
            )

    out.append("## Running it\n")
    out.append(
        "```sh\nmake bench                 # the full run, rewrites this page (under 20 minutes)\n"
        ".venv/bin/python -m bench --smoke --output /tmp/perf.md   # every code path, ~1 minute\n"
        ".venv/bin/python -m bench --no-million    # skip the 1,000,000-video point\n```\n\n"
        "It needs PostgreSQL on 127.0.0.1:5432 with trust auth (`--postgres URL` otherwise), "
        "Redis on 127.0.0.1:6379 (it uses db 6; smoke runs db 7), nginx, and wrk (installed "
        "from Debian's packages when missing and the bench runs as root; otherwise a Python load "
        "generator stands in and the page says so). The database `portal_bench` is dropped and "
        "created anew each run, and dropped at the end.\n"
    )
    return "\n".join(out)


def write(results: dict, path: Path) -> None:
    chart_name = f"{path.stem.lower()}.svg" if path.stem != "PERFORMANCE" else "performance.svg"
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.parent / chart_name).write_text(chart_svg(results))
    path.write_text(render(results, chart_name=chart_name))
