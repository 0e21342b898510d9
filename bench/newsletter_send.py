"""Benchmark: newsletter send rate through one real Celery worker, beside a raw smtplib loop.

Both send the same messages to the same real SMTP server (aiosmtpd, in its own process):
- portal: `send_issue` writes the delivery rows and queues the batches; one worker process
  (prefork, `--concurrency`) claims, renders, sends and records every row;
- raw: the very same messages, rendered beforehand, sent by one `smtplib` connection in a
  tight loop: no database, no broker, no rendering. It is the ceiling, not a rival.

Not a test: run it by hand. It uses its own Postgres database and Redis db 5.

    .venv/bin/python bench/newsletter_send.py                 # 2,000 subscribers
    .venv/bin/python bench/newsletter_send.py --subscribers 10000

Prints one JSON object: both rates (messages per second) and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import smtplib
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from core.testing.celery import CeleryWorkerProcess

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

SMTP_SERVER_SCRIPT = """
import sys
from core.testing.smtp import SMTPTestServer
server = SMTPTestServer(port=int(sys.argv[1]))
server.start()
print("ready", flush=True)
for line in sys.stdin:
    command = line.strip()
    if command == "count":
        print(len(server.handler.messages), flush=True)
    elif command == "reset":
        server.reset()
        print("ok", flush=True)
    elif command == "quit":
        break
server.stop()
"""


class SMTPServerProcess:
    """The aiosmtpd test server in a process of its own, so it does not share our GIL."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.process = subprocess.Popen(
            [sys.executable, "-c", SMTP_SERVER_SCRIPT, str(port)],
            cwd=BASE_DIR,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "ready"

    def _ask(self, command: str) -> str:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def count(self) -> int:
        return int(self._ask("count"))

    def reset(self) -> None:
        self._ask("reset")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write("quit\n")
            self.process.stdin.flush()
            self.process.wait(10)


def ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def start_worker(env: dict[str, str], concurrency: int, log_path: Path) -> CeleryWorkerProcess:
    """One worker on the email queue, answering pings; the test suite's own worker process."""
    from core.testing.celery import CeleryWorkerProcess

    worker = CeleryWorkerProcess(
        env=env,
        log_path=log_path,
        name=f"bench-newsletter-{os.getpid()}",
        queues="email",
        concurrency=concurrency,
        loglevel="WARNING",
    )
    try:
        return worker.start(timeout=60)
    except RuntimeError as exc:
        raise SystemExit(f"{exc}\nsee {log_path}") from exc


BENCH_DOMAIN = "newsletter.bench.example"
BENCH_SUBJECT = "Benchmark issue"


def create_subscribers(count: int) -> None:
    """Replace this benchmark's own subscribers and issues; nobody else's data is touched."""
    from django.utils import timezone

    from accounts.models import User
    from newsletter.models import Issue, Subscription

    Issue.objects.filter(subject=BENCH_SUBJECT).delete()
    User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}").delete()
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(
                email=f"reader{n}@{BENCH_DOMAIN}",
                first_name=f"Reader{n}",
                last_name="Bench",
                password="!",  # unusable: hashing 10,000 passwords is not what we measure
            )
            for n in range(count)
        ],
        batch_size=1000,
    )
    Subscription.objects.bulk_create(
        [
            Subscription(user=user, is_active=True, consent_at=now, consent_source="signup")
            for user in users
        ],
        batch_size=1000,
    )


def create_issue() -> int:
    from newsletter.models import Issue

    issue = Issue.objects.create(
        subject=BENCH_SUBJECT,
        intro="The week in pictures.\n\nNew footage from the summit, free for broadcasters.",
    )
    return issue.pk


def measure_portal(issue_id: int, server: SMTPServerProcess, timeout: float) -> dict:
    from newsletter import sending
    from newsletter.models import Issue

    server.reset()
    started = time.perf_counter()
    sending.send_issue(issue_id=issue_id)
    deadline = time.monotonic() + timeout
    while not Issue.objects.filter(pk=issue_id, status=Issue.Status.SENT).exists():
        if time.monotonic() > deadline:
            progress = Issue.objects.get(pk=issue_id).progress()
            raise SystemExit(f"not finished after {timeout}s: {progress}")
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    progress = Issue.objects.get(pk=issue_id).progress()
    return {
        "recipients": progress["total"],
        "seconds": round(elapsed, 3),
        "messages_per_second": round(progress["total"] / elapsed, 1),
        "sent": progress["sent"],
        "failed": progress["failed"],
        "received_by_server": server.count(),
    }


def prepare_raw_messages(issue_id: int) -> tuple[list[tuple[str, bytes]], float]:
    """The issue's messages to every active subscriber, rendered as the worker renders them
    (`IssueRenderer.smtp_message`: the very bytes the worker hands to the SMTP server)."""
    from newsletter.models import Issue, Subscription
    from newsletter.rendering import IssueRenderer

    renderer = IssueRenderer(Issue.objects.get(pk=issue_id))
    started = time.perf_counter()
    prepared = []
    for n, subscription in enumerate(Subscription.objects.active().select_related("user")):
        user = subscription.user
        _, data = renderer.smtp_message(
            user_id=user.pk,
            first_name=user.first_name,
            to=user.email,
            message_id=f"<raw.{issue_id}.{n}@{renderer.host}>",
        )
        prepared.append((user.email, data))
    return prepared, time.perf_counter() - started


def measure_raw(prepared: list[tuple[str, bytes]], server: SMTPServerProcess) -> dict:
    from django.conf import settings

    server.reset()
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as connection:
        for address, raw in prepared:
            connection.sendmail(settings.DEFAULT_FROM_EMAIL, [address], raw)
    elapsed = time.perf_counter() - started
    return {
        "seconds": round(elapsed, 3),
        "messages_per_second": round(len(prepared) / elapsed, 1),
        "received_by_server": server.count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=2000, help="10000 for the full run")
    parser.add_argument(
        "--database-url",
        default="postgres://postgres@127.0.0.1:5432/portal_bench_newsletter",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--concurrency", type=int, default=2, help="worker pool processes")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args()

    from core.testing.services import free_port

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{port}?timeout=10",
        "NEWSLETTER_BATCH_SIZE": str(args.batch_size),
        "NEWSLETTER_PARALLEL_BATCHES": str(args.concurrency),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update(env)
    ensure_database(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command

    from portal.celery import app

    call_command("migrate", verbosity=0)
    create_subscribers(args.subscribers)
    app.control.purge()

    server = SMTPServerProcess(port)
    log_path = Path("/tmp") / f"bench-newsletter-worker-{os.getpid()}.log"
    issue_id = create_issue()
    prepared, rendering_seconds = prepare_raw_messages(issue_id)
    worker = start_worker(env, args.concurrency, log_path)
    try:
        # The machine may be shared: the reference is taken before and after the portal's
        # run, so that a neighbour's load weighs on both sides of the ratio.
        raw_before = measure_raw(prepared, server)
        portal = measure_portal(issue_id, server, args.timeout)
        raw_after = measure_raw(prepared, server)
    finally:
        worker.stop()
        server.stop()
    raw_rate = (raw_before["messages_per_second"] + raw_after["messages_per_second"]) / 2

    result = {
        "benchmark": "newsletter_send",
        "subscribers": args.subscribers,
        "worker_concurrency": args.concurrency,
        "batch_size": args.batch_size,
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "portal_worker": portal,
        "raw_smtplib": {
            "messages_per_second": round(raw_rate, 1),
            "before": raw_before,
            "after": raw_after,
            "rendering_seconds_not_counted": round(rendering_seconds, 3),
        },
        "ratio_portal_to_raw": round(portal["messages_per_second"] / raw_rate, 3),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
