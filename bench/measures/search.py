"""P3: the catalogue's full-text search latency, beside a primary-key get."""

from __future__ import annotations

import re
import time

from bench.measures.plan import median, percentile

LONG_ARRAY = re.compile(r"'\{[0-9,]{80,}\}'")


def catalogue_search(query: str, *, page_size: int = 24) -> list:
    """The catalogue's search exactly as `media_library.views.video_list` runs it, no filter
    chosen: the selector `media_library.search.catalogue_page` (the newest matches and the
    count), then the first page."""
    from media_library.search import catalogue_page

    page = catalogue_page({"q": query}, page_number=1, per_page=page_size)
    return list(page.object_list)


def measure_search(*, terms: dict[str, str], repeats: int, page_size: int = 24) -> dict:
    """The catalogue's search as the view runs it (the selector: the newest matches, then the
    first page) vs a primary-key get."""
    import random

    from django.db import connection

    from media_library import newest_matches
    from media_library.models import Video
    from media_library.search import SEARCH_RESULTS_CAP

    ids = list(Video.objects.values_list("pk", flat=True)[:5000])
    # The data set just grew under this process: read PostgreSQL's new statistics now, as a
    # running site would within ten minutes.
    newest_matches.forget_timeline()
    for query in terms.values():  # warm the buffer cache as a running site has it
        catalogue_search(query, page_size=page_size)
    per_term: dict[str, list[float]] = {name: [] for name in terms}
    reference: list[float] = []
    for _ in range(repeats):
        for name, query in terms.items():
            started = time.perf_counter()
            catalogue_search(query, page_size=page_size)
            per_term[name].append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            Video.objects.get(pk=random.choice(ids))
            reference.append((time.perf_counter() - started) * 1000)
    everything = [value for values in per_term.values() for value in values]
    slowest = max(per_term, key=lambda name: median(per_term[name]))
    frequent = next(iter(terms))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM media_library_video "
            "WHERE search_vector @@ websearch_to_tsquery('english', %s)",
            [terms[slowest]],
        )
        slowest_matches = cursor.fetchone()[0]
        # Whether the table fits in PostgreSQL's own cache decides what a read of a row costs.
        cursor.execute(
            "SELECT pg_total_relation_size('media_library_video'), "
            "pg_size_bytes(current_setting('shared_buffers'))"
        )
        table_bytes, shared_buffers_bytes = cursor.fetchone()
    return {
        "videos": Video.objects.count(),
        "results_cap": SEARCH_RESULTS_CAP,
        "table_mib": round(table_bytes / (1 << 20)),
        "shared_buffers_mib": round(shared_buffers_bytes / (1 << 20)),
        "p50_ms": round(percentile(everything, 0.5), 2),
        "p95_ms": round(percentile(everything, 0.95), 2),
        "reference_p50_ms": round(percentile(reference, 0.5), 3),
        "reference_p95_ms": round(percentile(reference, 0.95), 3),
        "terms": {
            name: {
                "query": terms[name],
                "p50_ms": round(percentile(values, 0.5), 2),
                "p95_ms": round(percentile(values, 0.95), 2),
            }
            for name, values in per_term.items()
        },
        "slowest_term": slowest,
        "slowest_matches": slowest_matches,
        "slowest_plan": explain_search(terms[slowest], page_size=page_size),
        "frequent_term": frequent,
        "frequent_plan": (
            explain_search(terms[frequent], page_size=page_size) if frequent != slowest else ""
        ),
    }


def explain_search(query: str, *, page_size: int) -> str:
    """The plans of the queries the search runs (the count, then the page), as PostgreSQL
    runs them: the profile of a database-bound measure."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        catalogue_search(query, page_size=page_size)
    plans = []
    for captured in queries.captured_queries:
        sql = captured["sql"]
        if sql.startswith("EXPLAIN"):
            plans.append("-- the planner's estimate of the matches (EXPLAIN: nothing is run)")
            continue
        if "pg_class" in sql:
            continue  # the publication-time histogram, read once per process every 10 minutes
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}")
            # The page's thousand pks, one array value, would fill a screen.
            plan = [LONG_ARRAY.sub("'{…}'", row[0]) for row in cursor.fetchall()]
        if sql.startswith("SELECT COUNT(*)"):
            kind = "count query"
        elif "ts_rank" in sql:
            kind = "page query"
        else:
            kind = "newest matches (a query per window of time)"
        plans.append(f"-- the {kind}\n" + "\n".join(plan[:60]))
    return "\n".join(plans)
