"""The real processes a measure runs against: gunicorn, wrk, curl; and an HTTP client.

Every process binds 127.0.0.1 on a free port, writes its log into the run's folder and is
stopped by the process id it was started with. gunicorn, nginx and the Celery worker are the
test suite's own (core.testing).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import statistics
import subprocess
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from core.testing.web import GunicornProcess

BASE_DIR = Path(__file__).resolve().parent.parent
# Production sits behind a TLS proxy; without this header the portal (debug off) redirects
# every request to https and sets only secure cookies.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- gunicorn ---------------------------------------------------------------------------------


class Gunicorn(GunicornProcess):
    """`gunicorn portal.wsgi` with sync workers, as the README runs it in production."""

    # A 1 GB streamed download must not be cut by the worker timeout.
    options = ["--worker-class", "sync", "--timeout", "300", "--log-level", "warning"]
    startup_seconds = 60
    stop_seconds = 30

    def __init__(self, *, env: dict[str, str], workers: int, log_dir: Path, name: str) -> None:
        super().__init__(env=env, log_path=log_dir / f"gunicorn-{name}.log", workers=workers)

    def start(self) -> Gunicorn:
        super().start()
        # Every worker has booted once all are listed and each answers the health check.
        deadline = time.monotonic() + 60
        while len(self.worker_pids()) < self.workers and time.monotonic() < deadline:
            time.sleep(0.1)
        for _ in range(self.workers * 2):
            HttpSession(self.url).get("/healthz")
        return self

    def worker_pids(self) -> list[int]:
        if self.process is None:
            return []
        return children_of(self.process.pid)


def children_of(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the ppid follows the last ")".
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            children.append(int(entry.name))
    return sorted(children)


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RSSSampler:
    """Samples the resident memory of some processes in a thread, every 20 ms."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.baseline = {pid: rss_kib(pid) for pid in pids}
        self.peak = dict(self.baseline)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self.pids:
                self.peak[pid] = max(self.peak[pid], rss_kib(pid))
            time.sleep(0.02)

    def __enter__(self) -> RSSSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth_mib(self) -> float:
        """The largest growth of any one process over its own baseline."""
        growth = max((self.peak[pid] - self.baseline[pid] for pid in self.pids), default=0)
        return round(growth / 1024, 1)


# --- An HTTP client with cookies, for logins, forms and redirects ------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class HttpSession:
    """Keeps cookies by name, secure ones too: the proxy header makes the portal see https."""

    base_url: str
    cookies: dict[str, str] = field(default_factory=dict)

    def _request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None
    ) -> Response:
        parts = urllib.parse.urlsplit(self.base_url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        all_headers = {**PROXY_HEADERS, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=all_headers)
            raw = connection.getresponse()
            data = raw.read()
            for header in raw.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                value = rest.split(";", 1)[0]
                if value in ("", '""'):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
            return Response(raw.status, {k.lower(): v for k, v in raw.headers.items()}, data)
        finally:
            connection.close()

    def get(self, path: str, headers: dict | None = None) -> Response:
        return self._request("GET", path, headers=headers)

    def head(self, path: str, headers: dict | None = None) -> Response:
        return self._request("HEAD", path, headers=headers)

    def post_form(self, path: str, data: dict[str, str], *, csrf_cookie: str) -> Response:
        """A form POST as a browser sends it over https: token, cookie, Origin and Referer."""
        origin = "https://" + urllib.parse.urlsplit(self.base_url).netloc
        fields = {"csrfmiddlewaretoken": self.cookies.get(csrf_cookie, ""), **data}
        return self._request(
            "POST",
            path,
            body=urllib.parse.urlencode(fields).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": origin + path,
            },
        )

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


# --- Load generation --------------------------------------------------------------------------


@dataclass
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    tool: str


def ensure_wrk(*, install: bool) -> str | None:
    """The wrk binary; installed from Debian's packages when missing and we may."""
    found = shutil.which("wrk")
    if found or not install:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        log("wrk is missing: installing Debian's package 'wrk' with apt-get")
        quiet = {"check": False, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], **quiet)
        if not shutil.which("wrk"):
            subprocess.run(["apt-get", "update", "-qq"], **quiet)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], **quiet)
        return shutil.which("wrk")
    return None


_WRK_DURATION = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _wrk_ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value.strip())
    if not match:
        return float("nan")
    return float(match.group(1)) * _WRK_DURATION[match.group(2)]


def run_wrk(
    wrk: str, url: str, *, seconds: float, connections: int, headers: dict[str, str]
) -> LoadResult:
    command = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.MULTILINE))
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        errors += sum(int(n) for n in match.groups())
    return LoadResult(
        requests_per_second=rps,
        p50_ms=_wrk_ms(latency.get("50", "")),
        p99_ms=_wrk_ms(latency.get("99", "")),
        requests=requests,
        errors=errors,
        tool="wrk",
    )


def run_python_load(
    url: str, *, seconds: float, connections: int, headers: dict[str, str]
) -> LoadResult:
    """The fallback when wrk cannot be had: keep-alive connections in threads.

    It spends far more CPU per request than wrk, on the same two cores as the server, so its
    absolute figures are lower; the ratio to the reference, measured the same way, still holds.
    """
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine: list[float] = []
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status >= 400:
                    errors[0] += 1
            except (OSError, http.client.HTTPException):
                errors[0] += 1
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                continue
            mine.append((time.perf_counter() - started) * 1000)
        connection.close()
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return LoadResult(
        requests_per_second=len(latencies) / elapsed,
        p50_ms=statistics.median(latencies) if latencies else float("nan"),
        p99_ms=latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan"),
        requests=len(latencies),
        errors=errors[0],
        tool="python-threads (wrk missing)",
    )


# --- Downloads --------------------------------------------------------------------------------


@dataclass
class DownloadResult:
    status: int
    size: int
    seconds: float

    @property
    def mb_per_second(self) -> float:
        return self.size / 1e6 / self.seconds if self.seconds else 0.0


def download(url: str, *, headers: dict[str, str]) -> DownloadResult:
    """Fetch a URL to nowhere with curl (fast enough not to be the bottleneck)."""
    curl = shutil.which("curl")
    if curl is None:
        return _download_python(url, headers=headers)
    command = [curl, "-s", "-o", "/dev/null", "-w", "%{http_code} %{size_download} %{time_total}"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    status, size, seconds = output.split()
    return DownloadResult(int(status), int(size), float(seconds))


def _download_python(url: str, *, headers: dict[str, str]) -> DownloadResult:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    started = time.perf_counter()
    connection.request(
        "GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers
    )
    response = connection.getresponse()
    size = 0
    buffer = bytearray(1 << 20)
    while count := response.readinto(buffer):
        size += count
    seconds = time.perf_counter() - started
    connection.close()
    return DownloadResult(response.status, size, seconds)
