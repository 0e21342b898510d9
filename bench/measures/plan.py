"""How much of everything a run measures, and the statistics its measures share."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass, field


@dataclass
class Plan:
    """How much of everything: the full run (the defaults), or the smoke run's few seconds per
    measure."""

    smoke: bool = False
    # (videos, speeches) at which queries are counted
    p2_sizes: list[tuple[int, int]] = field(default_factory=lambda: [(1_000, 100), (10_000, 1_000)])
    p1_videos: int = 10_000
    p3_sizes: list[int] = field(default_factory=lambda: [100_000, 1_000_000])
    load_seconds: float = 8
    rounds: int = 3
    connections: int = 4
    web_workers: int = 3
    download_bytes: int = 1 << 30
    download_repeats: int = 5
    subscribers: int = 10_000
    signups: int = 9
    search_repeats: int = 15
    profile_requests: int = 60
    # P1m: distinct URLs of the long tail, wrk's connections, distinct pages per kind whose
    # in-process miss is timed
    tail_urls: int = 8000
    tail_connections: int = 8
    miss_samples: int = 200

    @classmethod
    def full(cls, *, million: bool = True) -> Plan:
        return cls() if million else cls(p3_sizes=[100_000])

    @classmethod
    def smoke_run(cls) -> Plan:
        return cls(
            smoke=True,
            p2_sizes=[(30, 5), (300, 30)],
            p1_videos=300,
            p3_sizes=[1_000, 3_000],
            load_seconds=1,
            rounds=1,
            connections=2,
            web_workers=2,
            download_bytes=8 << 20,
            download_repeats=1,
            subscribers=30,
            signups=2,
            search_repeats=2,
            profile_requests=3,
            tail_urls=150,
            tail_connections=2,
            miss_samples=4,
        )


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def as_dict(value) -> dict:
    return asdict(value)
