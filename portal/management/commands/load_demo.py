"""Load the demo content of every app (idempotent: running it twice changes nothing)."""

from __future__ import annotations

import importlib
import importlib.util

from django.core.management.base import BaseCommand
from django.db import transaction

# Order matters: videos exist before the speeches and newsletters that point at them.
DEMO_MODULES = ["accounts.demo", "media_library.demo", "speeches.demo", "newsletter.demo"]


class Command(BaseCommand):
    help = "Load the demo content: an editor account, videos, speeches, a newsletter issue."

    def handle(self, *args, **options) -> None:
        for module_name in DEMO_MODULES:
            if importlib.util.find_spec(module_name) is None:
                continue
            module = importlib.import_module(module_name)
            with transaction.atomic():
                module.load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo content loaded."))
