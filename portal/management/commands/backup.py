"""`manage.py backup FOLDER`: the database and every media file, with a manifest."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backups import BackupError, make_backup


class Command(BaseCommand):
    help = "Back up the database (pg_dump) and the media files into FOLDER/<UTC time>/."

    def add_arguments(self, parser) -> None:
        parser.add_argument("destination", type=Path)

    def handle(self, *args, **options) -> None:
        try:
            folder = make_backup(destination=options["destination"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"backup written to {folder}"))
