"""P1m: pages per second as journalists browse, over a long tail of distinct pages.

P1 loads one URL at a time, so after its first request it measures the page cache. Here each
request is drawn at random from thousands of distinct URLs in a realistic mix: catalogue
pages deep and shallow, filter combinations, searches from a skewed vocabulary and their
second pages, video and speech pages, the home page. Most of them are not in the cache; the
report gives the page cache's hit rate during the run (`X-Page-Cache` of each response,
counted by wrk's script) beside the rate. The other figure is the in-process cost of a miss
per page kind: the median time to render a page nobody has asked for yet.
"""

from __future__ import annotations

import random
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.measures.pages import Page
from bench.measures.plan import Plan, median
from bench.processes import PROXY_HEADERS, Gunicorn, log

# The share of each kind of page in the mix (they add up to 100).
MIX = {
    "video": 34,
    "search": 20,
    "catalogue": 14,
    "filters": 14,
    "speech": 10,
    "speech list": 4,
    "home": 4,
}
SORTS = ["", "newest", "oldest", "recorded", "title", "duration"]
RESOLUTIONS = ["", "720", "1080"]


@dataclass(frozen=True)
class TailUrl:
    kind: str
    path: str


def tail_urls(*, count: int, seed: int, vocabulary: list[str], skew: float) -> list[TailUrl]:
    """`count` distinct URLs in the proportions of MIX, drawn from the published content.

    Shallow catalogue pages and frequent words come up more often than deep pages and rare
    words (`skew` as in the dataset), as readers' clicks and searches do.
    """
    from media_library.models import Category, Event, Language, Video
    from speeches.models import Speech

    rng = random.Random(seed)
    video_slugs = list(Video.objects.published().values_list("slug", flat=True))
    speech_slugs = list(Speech.objects.published().values_list("slug", flat=True))
    categories = list(Category.objects.values_list("slug", flat=True))
    events = list(Event.objects.values_list("slug", flat=True))
    languages = list(Language.objects.values_list("code", flat=True))
    catalogue_pages = max(1, len(video_slugs) // 24)
    speech_pages = max(1, len(speech_slugs) // 20)

    def skewed(items: list, power: float = skew):
        return items[int(rng.random() ** power * len(items))]

    def page_number(pages: int) -> int:
        return 1 + int(rng.random() ** 3 * pages)

    def query(params: dict[str, object]) -> str:
        kept = [(k, v) for k, v in params.items() if v not in ("", None, 1)]
        return "&".join(f"{k}={v}" for k, v in kept)

    def one(kind: str) -> str:
        if kind == "video":
            return f"/videos/{rng.choice(video_slugs)}/"
        if kind == "speech":
            return f"/speeches/{rng.choice(speech_slugs)}/"
        if kind == "speech list":
            return f"/speeches/?page={page_number(speech_pages)}"
        if kind == "home":
            return "/"
        if kind == "catalogue":
            params = {"sort": rng.choice(SORTS), "page": page_number(catalogue_pages)}
            return "/videos/?" + query(params) if query(params) else "/videos/"
        if kind == "filters":
            params = {
                "category": rng.choice(["", *categories]),
                "event": rng.choice(["", "", *events]),
                "language": rng.choice(["", "", *languages]),
                "min_height": rng.choice(RESOLUTIONS),
                "sort": rng.choice(SORTS),
                "page": rng.choice([1, 1, 1, 2, 3]),
            }
            return "/videos/?" + (query(params) or "category=" + rng.choice(categories))
        words = [skewed(vocabulary)] if rng.random() < 0.7 else [skewed(vocabulary) for _ in "ab"]
        params = {"q": "+".join(words), "page": 2 if rng.random() < 0.25 else 1}
        return "/videos/?" + query(params)

    kinds = [kind for kind, share in MIX.items() for _ in range(share)]
    seen: set[str] = set()
    urls: list[TailUrl] = []
    attempts = 0
    while len(urls) < count and attempts < count * 20:
        attempts += 1
        kind = rng.choice(kinds)
        path = one(kind)
        if path not in seen:
            seen.add(path)
            urls.append(TailUrl(kind, path))
    return urls


def split_for_misses(urls: list[TailUrl], *, per_kind: int) -> tuple[list[TailUrl], list[TailUrl]]:
    """The URLs the load browses, and `per_kind` others of each kind it never asks for, whose
    miss is timed afterwards: pages nobody asked for yet, on a site whose shared parts are warm.
    """
    browsed: list[TailUrl] = []
    unseen: list[TailUrl] = []
    taken: Counter[str] = Counter()
    for url in urls:
        if url.kind != "home" and taken[url.kind] < per_kind:
            taken[url.kind] += 1
            unseen.append(url)
        else:
            browsed.append(url)
    return browsed, unseen


# wrk's script: each request a random path of the list; each response counted as a hit, a
# miss or uncached by its X-Page-Cache header, summed over the threads at the end.
WRK_SCRIPT = r"""
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local threads = {}
function setup(thread)
  thread:set("seed", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(os.time() * 1000 + seed)
  hits, misses, other, statuses = 0, 0, 0, 0
end
function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
function response(status, headers, body)
  local state = headers["X-Page-Cache"] or headers["x-page-cache"]
  if state == "hit" then hits = hits + 1
  elseif state == "miss" then misses = misses + 1
  else other = other + 1 end
  if status ~= 200 then statuses = statuses + 1 end
end
function done(summary, latency, requests)
  local h, m, o, s = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    h = h + thread:get("hits"); m = m + thread:get("misses")
    o = o + thread:get("other"); s = s + thread:get("statuses")
  end
  io.write(string.format("page-cache hits %%d misses %%d other %%d non-200 %%d\n", h, m, o, s))
end
"""


@dataclass
class TailRun:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    hits: int
    misses: int
    other: int
    errors: int

    @property
    def hit_rate(self) -> float:
        served = self.hits + self.misses
        return self.hits / served if served else 0.0


def run_tail(
    wrk: str, base_url: str, *, paths_file: Path, seconds: float, connections: int, headers: dict
) -> TailRun:
    import re

    script = Path(tempfile.mkdtemp(prefix="p1m-")) / "tail.lua"
    script.write_text(WRK_SCRIPT % {"paths": paths_file})
    command = [wrk, "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    command += ["-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, base_url], capture_output=True, text=True, check=True)
    text = output.stdout
    counts = re.search(r"page-cache hits (\d+) misses (\d+) other (\d+) non-200 (\d+)", text)
    if counts is None:
        raise RuntimeError(f"wrk's script printed no counts: {text[-400:]} {output.stderr[-400:]}")
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.MULTILINE))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text
    )
    hits, misses, other, non_200 = (int(n) for n in counts.groups())
    return TailRun(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        p50_ms=_ms(latency.get("50", "")),
        p99_ms=_ms(latency.get("99", "")),
        hits=hits,
        misses=misses,
        other=other,
        errors=non_200 + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0),
    )


def _ms(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float("nan")


def measure_long_tail(
    *,
    plan: Plan,
    web: Gunicorn,
    wrk: str,
    urls: list[TailUrl],
    reference: Page,
    cookie: str,
    load: Callable,
    work_dir: Path,
) -> dict:
    """P1m anonymous and signed in, each round right after a run of the reference (as P1).

    The cache is not emptied between rounds: as on a live site, the share of hits grows with
    the time the site has been up; each round reports its own.
    """
    paths_file = work_dir / "p1m-paths.txt"
    paths_file.write_text("\n".join(url.path for url in urls) + "\n")
    audiences = {"anonymous": {}, "signed in": {"Cookie": cookie}}
    results: dict[str, dict] = {}
    rounds: dict[str, list[TailRun]] = {name: [] for name in audiences}
    ratios: dict[str, list[float]] = {name: [] for name in audiences}
    for round_number in range(plan.rounds):
        for name, extra in audiences.items():
            headers = {**PROXY_HEADERS, **extra}
            before = load(
                web.url + reference.path,
                seconds=plan.load_seconds,
                connections=plan.tail_connections,
                headers=dict(PROXY_HEADERS),
            ).requests_per_second
            tail = run_tail(
                wrk,
                web.url,
                paths_file=paths_file,
                seconds=plan.load_seconds,
                connections=plan.tail_connections,
                headers=headers,
            )
            rounds[name].append(tail)
            if before:
                ratios[name].append(tail.requests_per_second / before)
            log(
                f"  round {round_number + 1}: P1m {name:<10} {tail.requests_per_second:8.1f} req/s"
                f" (reference {before:.1f})  p50 {tail.p50_ms:6.1f} ms  "
                f"hit rate {tail.hit_rate:.0%}  errors {tail.errors}"
            )
    for name in audiences:
        runs = rounds[name]
        results[name] = {
            "ratio": round(median(ratios[name]), 3) if ratios[name] else None,
            "round_ratios": [round(r, 3) for r in ratios[name]],
            "requests_per_second": round(median([r.requests_per_second for r in runs]), 1),
            "p50_ms": round(median([r.p50_ms for r in runs]), 1),
            "p99_ms": round(median([r.p99_ms for r in runs]), 1),
            "hit_rates": [round(r.hit_rate, 3) for r in runs],
            "errors": sum(r.errors for r in runs),
            "uncached_responses": sum(r.other for r in runs),
        }
    results["urls"] = len(urls)
    results["mix"] = dict(Counter(url.kind for url in urls))
    return results


def miss_costs(urls: list[TailUrl], *, per_kind: int) -> dict[str, dict]:
    """The in-process time of a page nobody asked for yet, per kind: the median of `per_kind`
    distinct pages, after one page of each kind has warmed what all pages share."""
    from django.test import Client

    client = Client(SERVER_NAME="127.0.0.1")
    by_kind: dict[str, list[str]] = {}
    for url in urls:
        by_kind.setdefault(url.kind, []).append(url.path)
    costs: dict[str, dict] = {}
    for kind, paths in by_kind.items():
        if kind == "home" or len(paths) < 2:
            continue
        warm, *sample = paths[: per_kind + 1]
        client.get(warm, secure=True)
        timings = []
        for path in sample:
            started = time.perf_counter()
            response = client.get(path, secure=True)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            if response.get("X-Page-Cache") != "miss":
                raise RuntimeError(f"{path} was not a miss: {response.get('X-Page-Cache')}")
        costs[kind] = {"pages": len(timings), "median_ms": round(median(timings), 2)}
    return costs
