"""The report's sections, one per measure family: what was measured, how, and the detail."""

from __future__ import annotations

import functools
from collections.abc import Callable

from bench.report.cells import fmt_number, fmt_ratio, markdown_table
from bench.report.summary import P2_LIMIT

Body = Callable[[dict, dict], list[str]]


def section(key: str, title: str) -> Callable[[Body], Callable[[dict], list[str]]]:
    """The section of measure `key` under its title: `body(its results, all results)`, or
    nothing where the measure has no results."""

    def decorate(body: Body) -> Callable[[dict], list[str]]:
        @functools.wraps(body)
        def lines(results: dict) -> list[str]:
            measured = results.get(key)
            return [f"## {title}\n", *body(measured, results)] if measured else []

        return lines

    return decorate


@section("P1", "P1, P1b: pages per second")
def p1_pages(p1: dict, results: dict) -> list[str]:
    """Each page's rate under load, round by round."""
    return [
        "Each page under load by wrk through gunicorn. The reference is a bare Django view "
        "(`bench/urls.py`) returning a fixed page through the same gunicorn, middleware "
        "and settings, so the ratio is what the page's own work costs. After their first "
        "view the pages are served from the whole-page cache (`docs/caching.md`), as "
        "they are in production; P2 shows what the first view after an edit costs.\n",
        markdown_table(
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
                    fmt_number(page["requests_per_second"]),
                    fmt_number(page["p50_ms"]),
                    fmt_number(page["p99_ms"]),
                    fmt_ratio(page["ratio"]),
                    " / ".join(fmt_number(r) for r in page["rounds"]),
                    " / ".join(fmt_ratio(r) for r in page.get("round_ratios") or []),
                    page["errors"],
                ]
                for name, page in p1.items()
            ],
        ),
        "",
    ]


@section("P1m", "P1m: the long tail of distinct pages")
def p1m_long_tail(p1m: dict, results: dict) -> list[str]:
    """Rates over thousands of distinct URLs, and the cost of a miss per page kind."""
    mix = ", ".join(f"{kind} {count:,}" for kind, count in sorted(p1m.get("mix", {}).items()))
    lines = [
        f"wrk draws each request at random from {p1m.get('urls', 0):,} distinct URLs "
        f"({mix}): catalogue pages shallow and deep in every order, filter combinations, "
        "searches of one or two words from the skewed vocabulary of the data set and their "
        "second pages, video and speech pages, the home page. Each round runs right after a "
        "run of the bare view with the same connections. The page cache is not emptied "
        "between rounds, as on a live site: each round's share of hits "
        "(`X-Page-Cache: hit` among the cacheable responses) is given.\n",
        markdown_table(
            [
                "audience",
                "req/s",
                "p50 ms",
                "p99 ms",
                "ratio",
                "round ratios",
                "hit rate",
                "errors",
            ],
            [
                [
                    audience,
                    fmt_number(p1m[audience]["requests_per_second"]),
                    fmt_number(p1m[audience]["p50_ms"]),
                    fmt_number(p1m[audience]["p99_ms"]),
                    fmt_ratio(p1m[audience]["ratio"]),
                    " / ".join(fmt_ratio(r) for r in p1m[audience]["round_ratios"]),
                    " / ".join(f"{r:.0%}" for r in p1m[audience]["hit_rates"]),
                    p1m[audience]["errors"],
                ]
                for audience in ("anonymous", "signed in")
                if audience in p1m
            ],
        ),
        "",
    ]
    costs = p1m.get("miss_costs") or {}
    if costs:
        lines += [
            "The cost of a miss: in the bench's own process (Django's test client, no network), "
            "the median time to render pages of each kind that nobody had asked for, after the "
            "load above has warmed what pages share.\n",
            markdown_table(
                ["page kind", "pages", "median ms"],
                [[kind, c["pages"], f"{c['median_ms']:.2f}"] for kind, c in costs.items()],
            ),
            "",
        ]
    return lines


@section("P2", "P2: SQL queries per page")
def p2_queries(p2: dict, results: dict) -> list[str]:
    """The queries per page at each data size, after an edit and cached."""
    after_edit = results.get("P2_after_edit") or {}
    sizes = list(p2)
    pages = list(next(iter(p2.values())))

    def cell(size: str, page: str) -> str:
        cached = str(p2[size].get(page, "?"))
        if size in after_edit:
            return f"{after_edit[size].get(page, '?')} / {cached}"
        return cached

    heavy = sorted(
        {page for counts in after_edit.values() for page, n in counts.items() if n > P2_LIMIT}
    )
    return [
        "Counted with Django's `CaptureQueriesContext`, twice per page: the first view "
        "after an editor's change (the content version moved, so the page is rendered) "
        "and the next one (served from the page cache, `docs/caching.md`; the verdict is "
        "on these). My account is personal and never cached. "
        "`portal/tests/test_query_counts.py` and the apps' own tests assert these counts "
        "at two data sizes.\n",
        markdown_table(
            ["page", *[f"{size}: after an edit / cached" for size in sizes], "≤ 6 and constant"],
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
        ),
        *(
            [
                f"\nOver {P2_LIMIT} on the first view after an edit: {', '.join(heavy)}. The "
                "signed-in video page then reads the user (staff may preview drafts), the "
                "video, its renditions, tags and languages, and the related videos and "
                "speeches; it is rendered once per content version, language and audience, "
                "and every later view is served from the cache without a query."
            ]
            if heavy
            else []
        ),
        "",
    ]


@section("P3", "P3: full-text search latency")
def p3_search(p3: dict, results: dict) -> list[str]:
    """The search's latency per query and size, and the plans of the slowest."""
    cap = next((p3[s]["results_cap"] for s in p3 if p3[s].get("results_cap")), None)
    sizes = sorted(p3, key=int)
    terms = list(p3[sizes[0]]["terms"])
    largest = p3[sizes[-1]]
    out = [
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
        + "\n",
        markdown_table(
            ["query", *[f"{int(s):,} videos p50 / p95 ms" for s in sizes]],
            [
                [
                    f"{term} (`{p3[sizes[0]]['terms'][term]['query']}`)",
                    *[
                        f"{fmt_number(p3[s]['terms'][term]['p50_ms'])} / "
                        f"{fmt_number(p3[s]['terms'][term]['p95_ms'])}"
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
        ),
        f"\nThe slowest query at {int(sizes[-1]):,} videos, "
        f"`{largest['terms'][largest['slowest_term']]['query']}` "
        f"({largest['slowest_matches']:,} matching rows), as PostgreSQL runs it:\n",
        "```\n" + largest["slowest_plan"] + "\n```\n",
    ]
    if largest.get("frequent_plan"):
        frequent = largest["terms"][largest["frequent_term"]]["query"]
        out.append(f"The most frequent word, `{frequent}`, at the same size:\n")
        out.append("```\n" + largest["frequent_plan"] + "\n```\n")
    return out


@section("P4", "P4, P4b: downloads")
def p4_downloads(p4: dict, results: dict) -> list[str]:
    """Each download path's speed and its workers' memory."""
    return [
        f"A {p4['file_bytes'] / (1 << 30):g} GiB file of random bytes, written at bench time "
        "and deleted after. The portal's path is the browser's: POST the download form "
        "(account check, download recorded, 303 to the signed link), then GET the link with "
        "curl; the reference is nginx serving the same file from a plain static location, "
        "just before, in each round. A path's ratio is the median of its rounds' ratios. "
        "RSS growth: the largest rise of any gunicorn worker's resident memory over its "
        "own level before the download, sampled every 20 ms, after every worker has "
        "answered the download path.\n",
        markdown_table(
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
                    fmt_number(entry["mb_per_second"]),
                    " / ".join(fmt_number(r) for r in entry["runs_mb_per_second"]),
                    fmt_ratio(entry["ratio"]),
                    "—" if entry["rss_growth_mib"] is None else f"+{entry['rss_growth_mib']} MiB",
                ]
                for name, entry in p4.items()
                if name != "file_bytes"
            ],
        ),
        "",
    ]


@section("P5", "P5: newsletter send rate")
def p5_newsletter(p5: dict, results: dict) -> list[str]:
    """The newsletter worker beside a raw smtplib loop."""
    portal, raw = p5["portal_worker"], p5["raw_smtplib"]
    return [
        "`bench/newsletter_send.py` (written with the newsletter), run as it is: "
        f"{p5['subscribers']:,} subscribers, one Celery worker (prefork, concurrency "
        f"{p5['worker_concurrency']}, batches of {p5['batch_size']}) against a real SMTP server "
        "(aiosmtpd in its own process), beside a raw `smtplib` loop sending the same "
        "pre-rendered messages to the same server. Per message the worker pays one database "
        "round trip (the row's outcome, its commit and the next claim), the batch's MIME "
        "template filled in, and the SMTP exchange (`docs/newsletter.md`).\n",
        markdown_table(
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
        ),
        "",
    ]


@section("P6", "P6: signup to code email")
def p6_signups(p6: dict, results: dict) -> list[str]:
    """Signup to the code email."""
    runs = ", ".join(str(t) for t in p6["runs_ms"])
    return [
        "A browser-like signup (GET the form, POST it with its CSRF token) against gunicorn; "
        "the clock runs from the POST until the SMTP server has accepted the code email, sent "
        "by a real Celery worker from the outbox. "
        f"Median {p6['median_ms']:.0f} ms; the POST alone {p6['post_median_ms']:.0f} ms "
        f"(Argon2 hashing of the password is most of it). Runs (ms): {runs}.\n"
    ]


@section("P7", "P7: clips")
def p7_clips(p7: dict, results: dict) -> list[str]:
    """A 30-second stream-copy clip of a 1 GiB master, against FFmpeg alone."""
    return [
        f"A {p7['master_bytes'] / (1 << 30):.2f} GiB ({p7['master_bytes']:,} bytes) master (1080p25 H.264 at about 50 Mbit/s "
        f"and AAC, {fmt_number(p7['master_seconds'], 0)} s, made at bench time), and a "
        f"{p7['clip_seconds']}-second clip of it in fast mode (stream copy) asked for through "
        "`clips.services.request_clip`: the clock runs from the request until the row is "
        "ready, so it holds the queueing on Redis, the claim, the keyframe look-up (PyAV), "
        "FFmpeg, the SHA-256 of the clip, the rename into the storage and the final "
        "transaction, in one Celery worker (prefork, concurrency 1) on the media queue. The "
        f"reference is `ffmpeg -ss <start> -i master -t {p7['clip_seconds']} -c copy` on the "
        "same file, run just before in each round, from the page cache alike; each round cuts "
        "a range never cut before. Worker RSS growth: the largest rise of the worker's "
        "processes over their level before the job, sampled every 20 ms, after an untimed "
        "first job; RSS after: the worker's processes together once the job is over. Run on its own by `python -m bench.clips_point`.\n",
        markdown_table(
            [
                "round",
                "start (s)",
                "clip MB",
                "ffmpeg -c copy (s)",
                "portal (s)",
                "ratio",
                "worker RSS growth",
                "worker RSS after",
            ],
            [
                [
                    str(number),
                    str(run["start"]),
                    fmt_number(run["bytes"] / 1e6, 0),
                    f"{run['reference']:.3f}",
                    f"{run['seconds']:.3f}",
                    fmt_ratio(run["seconds"] / run["reference"]),
                    f"+{run['rss_growth_mib']} MiB",
                    f"{run.get('rss_after_mib', '?')} MiB",
                ]
                for number, run in enumerate(p7["runs"], start=1)
            ],
        ),
        "",
        f"Median: portal {p7['portal_seconds']:.3f} s against ffmpeg {p7['reference_seconds']:.3f} s, "
        f"ratio {fmt_ratio(p7['ratio'])} (median of the rounds' ratios); worker RSS growth at most "
        f"+{p7['rss_growth_mib']} MiB. Load average at the end of the point: "
        f"{' / '.join(str(v) for v in p7.get('load_average', []))} on 2 cores (other "
        "engineers' test suites): single runs swing both ways, hence the median.\n",
    ]


SECTIONS = [
    p1_pages,
    p1m_long_tail,
    p2_queries,
    p3_search,
    p4_downloads,
    p5_newsletter,
    p6_signups,
    p7_clips,
]
