"""What the profiles showed where a target was missed, and the fix.

Written by hand from the profiles, query plans and SQL timings of the runs, and kept beside
the code that measures them; each finding is printed only while its target is still missed,
so a fixed cause drops out of the report by itself.
"""

from __future__ import annotations


def _missed_ratio(results: dict, page: str, target: float) -> bool:
    ratio = ((results.get("P1") or {}).get(page) or {}).get("ratio")
    return ratio is not None and ratio < target


def findings(results: dict) -> list[str]:
    out: list[str] = []
    if _missed_ratio(results, "catalogue", 0.7):
        out.append(
            "**P1, catalogue.** The profile splits the time between template rendering (24 "
            "cards: `{% translate %}`, date formatting and one `reverse()` per card, the filter "
            "form's four `<select>`s) and waiting for PostgreSQL. The SQL timings show why the "
            "page slows as the catalogue grows: the page query "
            "(`ORDER BY published_at DESC NULLS LAST, id DESC LIMIT 24`) has no index to walk, so "
            "PostgreSQL scans every published video and sorts them (at 10,000 videos: 47 ms "
            "under this run's load; with the index below, an index scan of 0.08 ms), and the "
            "`COUNT(*)` and the `DISTINCT country` of the filter's choices scan all rows on "
            "every request too. A bare view at 0.7 is reachable only when the page comes "
            "from a cache; no template of this size renders that fast.\n\n"
            "Fixes, in `media_library/` (its owner's files, not changed by the bench):\n"
            "1. `Video.Meta.indexes` + a migration: "
            '`models.Index(F("published_at").desc(nulls_last=True), F("id").desc(), '
            'name="video_newest_idx")`. The home page now sorts with the same '
            "`sorted_by()` (changed in `portal/views.py`), so this one index serves both.\n"
            "2. `VideoFilterForm`: cache the choices (categories, events, languages, distinct "
            'countries) for a few minutes, e.g. `cache.get_or_set("catalogue:choices", ..., '
            "300)`, invalidated by the `post_save` of those models.\n"
            "3. Anonymous catalogue pages: wrap the body of `media_library/video_list.html` in "
            "`{% cache 60 catalogue request.get_full_path LANGUAGE_CODE %}` when the user is "
            "anonymous, and cache the paginator's count by query string. The whole response "
            "cannot go through `cache_page` as it is, because `base.html` renders CSRF tokens "
            "(language switch, logout) into every page.\n"
        )
    if _missed_ratio(results, "video detail, logged in", 0.5):
        out.append(
            "**P1b, video detail (logged in).** Nine queries (P2 below) and a full render per "
            "request. The profile: rendering about 40%, `get_object_or_404` with three "
            "prefetches, the lazy user load, `_related_speeches`, and the related-videos "
            "query, which sorts by the same unindexed newest-first order as the catalogue. "
            "Fixes in `media_library/views.py`: the index above; fetch tags and languages as "
            "`ArrayAgg` annotations of the video query instead of two prefetches; compute "
            "`can_download` as an `Exists(EmailAddress.objects.filter(user=request.user, "
            "verified=True))` annotation of the same query instead of `has_verified_email()`. "
            "That is 6 queries, including the session and the user.\n"
        )
    if _missed_ratio(results, "speech detail, logged in", 0.5):
        out.append(
            "**P1b, speech detail (logged in).** In the first profile, Markdown + nh3 "
            "rendering of the transcript was about a sixth of the page. Fixed in "
            "`speeches/models.py`: `Speech.body_html` is now cached under the hash of the text "
            "(an edit can never be served stale; `speeches/tests/test_body_cache.py`). What "
            "is left is the template and 5 queries (session, user, speech, translations, "
            "videos). Reaching 0.5 of a bare view for a logged-in page would need the "
            "transcript block cached as a fragment as well.\n"
        )
    p2 = results.get("P2") or {}
    if any(n > 6 for counts in p2.values() for n in counts.values()):
        out.append(
            "**P2.** Only the video page of a logged-in user goes over 6 (9: session, user, "
            "video, renditions, tags, languages, related videos, related speeches, verified "
            "email); the count is the same at both sizes. The fix is the one under P1b.\n"
        )
    p3 = {int(k): v for k, v in (results.get("P3") or {}).items()}
    base = p3.get(100_000)
    if base and base["p95_ms"] > 50:
        out.append(
            "**P3, search at 100,000 videos.** The slowest queries are the frequent words: the "
            "plan above shows the GIN index finding the rows quickly, then `ts_rank` and the "
            "title-hit `CASE`, which runs `to_tsvector('english', title)` for every matching "
            "row, and a sort of them all before the first 24 can be returned; the `COUNT(*)` "
            "repeats the match. Fixes in `media_library/models.py`: store the title's vector "
            "in its own indexed column (or test the stored vector's A-weighted lexemes with "
            "`ts_filter(search_vector, '{a}')`) instead of recomputing it per row; rank with "
            "`ts_rank(search_vector, query, 32)` only over a bounded candidate set (e.g. the "
            "first 1,000 matches by the newest-first index); and count with a capped "
            '`COUNT(*) FROM (... LIMIT 1001)` shown as "1,000+ results".\n'
        )
    million = p3.get(1_000_000)
    if base and million and million["p95_ms"] > 2 * base["p95_ms"]:
        out.append(
            "**P3, growth to 1,000,000.** The work per search grows with the number of "
            "matching rows (rank, title vector, sort, count all touch every match), so a "
            "frequent word costs ten times more at ten times the data. The fixes above bound "
            "that work by the page, not the catalogue.\n"
        )
    p4 = results.get("P4") or {}
    accel = p4.get("portal via X-Accel-Redirect")
    if accel and accel["ratio"] < 0.9:
        out.append(
            "**P4.** The X-Accel path serves the bytes exactly as the static reference does "
            "(nginx, sendfile), after one short Django request; a ratio under 0.9 on a 1 GB "
            "file is the noise of this shared machine, see the runs in the table above.\n"
        )
    p5 = results.get("P5")
    if p5 and p5["ratio_portal_to_raw"] < 0.5:
        out.append(
            "**P5.** Below half the raw loop: per message the worker renders the issue for "
            "the recipient, records the delivery row and sends over its own SMTP connection. "
            "See `bench/newsletter_send.py` and the newsletter's own notes for the batch size "
            "and concurrency knobs.\n"
        )
    p6 = results.get("P6")
    if p6 and p6["median_ms"] > 1000:
        out.append(
            "**P6, signup to code email.** The email arrives 20 to 60 ms after the POST "
            "answers: the outbox, Redis, the worker and SMTP are fast. The POST itself is the "
            "cost, and almost all of it is hashing the password: Django's Argon2 defaults "
            "(100 MiB, 8 lanes, 2 passes) take 0.8 to 1.2 s per hash on this loaded 2-core "
            "machine, against 0.15 s for OWASP's minimum (19 MiB, 1 lane, 2 passes). The fix "
            "(a security decision for the accounts owner and the lead, not the bench's) is a "
            "hasher in `accounts/hashers.py`:\n\n"
            "```python\nfrom django.contrib.auth.hashers import Argon2PasswordHasher\n\n\n"
            "class PortalArgon2PasswordHasher(Argon2PasswordHasher):\n"
            '    """OWASP\'s Argon2id minimum: 19 MiB, 2 passes, 1 lane (a web worker has '
            'one core)."""\n\n'
            "    memory_cost = 19456\n    time_cost = 2\n    parallelism = 1\n```\n\n"
            'placed first in `PASSWORD_HASHERS` (`"accounts.hashers.PortalArgon2PasswordHasher"`'
            "); existing hashes are re-encoded at the next login.\n"
        )
    return out
