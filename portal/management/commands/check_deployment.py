"""`manage.py check_deployment`: is this installation ready? (docs/operations.md, "Checking it")

Django's `check --deploy`, then the portal's own checks, one line each, "ok" or "FAIL" with the
reason; exits 1 when any fails, so an upgrade script or a timer can stop on it.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, SystemCheckError

from core.site import site_domain
from portal import health


class Command(BaseCommand):
    help = "check --deploy plus the portal's checks: site domain, static files, services, workers, beat."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-processes",
            action="store_true",
            help="skip the workers and beat (before they are started on a new host)",
        )

    def handle(self, *args, **options) -> None:
        results: list[tuple[str, bool, str]] = []
        try:
            call_command("check", deploy=True, fail_level="WARNING", stdout=self.stdout)
            results.append(("check --deploy", True, "no issues"))
        except SystemCheckError as exc:
            results.append(("check --deploy", False, str(exc).strip().splitlines()[0]))
        results.append(self._site())
        results.append(self._static())
        for name, ok in health.run_checks().items():
            results.append((name, ok, "answers" if ok else "unreachable (see the log)"))
        if not options["no_processes"]:
            results.extend(self._processes())
        for name, ok, detail in results:
            mark = self.style.SUCCESS("ok  ") if ok else self.style.ERROR("FAIL")
            self.stdout.write(f"{mark} {name}: {detail}")
        failed = [name for name, ok, _ in results if not ok]
        if failed:
            raise CommandError(f"deployment check failed: {', '.join(failed)}")
        self.stdout.write(self.style.SUCCESS("deployment ready"))

    def _site(self) -> tuple[str, bool, str]:
        from django.contrib.sites.models import Site

        expected = site_domain()
        current = Site.objects.filter(pk=settings.SITE_ID).values_list("domain", flat=True).first()
        if current == expected:
            return "site domain", True, f"{current} (SITE_URL)"
        return "site domain", False, f"{current!r} but SITE_URL says {expected!r}: run migrate"

    def _static(self) -> tuple[str, bool, str]:
        root = Path(settings.STATIC_ROOT)
        if not root.is_dir():
            return "static files", False, f"STATIC_ROOT {root} does not exist: run collectstatic"
        if not settings.DEBUG and not (root / "staticfiles.json").is_file():
            return "static files", False, f"no manifest in {root}: run collectstatic"
        return "static files", True, str(root)

    def _processes(self) -> list[tuple[str, bool, str]]:
        workers = health.workers_per_queue(fresh=True)
        if workers is None:
            return [("workers", True, "tasks run in-process (no REDIS_URL)")]
        results = [
            (f"worker {queue}", bool(count), f"{count} answering" if count else "none answers")
            for queue, count in workers.items()
        ]
        age = health.beat_heartbeat_age()
        alive = age is not None and age < health.BEAT_STALE_SECONDS
        detail = "no heartbeat" if age is None else f"heartbeat {age:.0f} s ago"
        results.append(("beat", alive, detail))
        return results
