"""`manage.py restore FOLDER`: a backup into an empty database and the storages, verified."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backups import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup folder into the configured database, which must be empty, and the "
        "media storages; then verify row counts and file checksums against its manifest."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path)

    def handle(self, *args, **options) -> None:
        try:
            report = restore_backup(folder=options["folder"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"restore verified: {report.tables} tables, {report.rows} rows, "
                f"{report.media_files} media files"
            )
        )
