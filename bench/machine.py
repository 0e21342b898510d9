"""What the figures were taken on: they mean little without it."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from pathlib import Path


def _first_line(command: list[str]) -> str:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    return (
        (completed.stdout or completed.stderr).strip().splitlines()[0]
        if (completed.stdout or completed.stderr)
        else "unknown"
    )


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return 0.0


def load_average() -> str:
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def describe(*, redis_url: str) -> dict[str, str]:
    import django
    import gunicorn
    import redis
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    redis_version = redis.Redis.from_url(redis_url).info("server").get("redis_version", "?")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    nginx_version = _first_line([nginx, "-v"]).replace("nginx version: ", "")
    wrk = shutil.which("wrk")
    wrk_version = (
        re.sub(r"\s+Copyright.*", "", _first_line([wrk, "-v"])) if wrk else "not installed"
    )
    return {
        "CPU": f"{cpu_model()}, {os.cpu_count()} cores",
        "memory": f"{memory_gib()} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "PostgreSQL": postgres,
        "Redis": str(redis_version),
        "gunicorn": gunicorn.__version__,
        "nginx": nginx_version,
        "load generator": wrk_version,
        "load average at start (1/5/15 min)": load_average(),
    }
