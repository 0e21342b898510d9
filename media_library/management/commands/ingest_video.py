"""`manage.py ingest_video PATH [--video SLUG]`: add a file, or every file of a folder."""

from __future__ import annotations

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser

from media_library import ingest, services
from media_library.models import Video


def title_from_filename(path: Path) -> str:
    words = path.stem.replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize() or path.name


class Command(BaseCommand):
    help = (
        "Store video files as renditions and queue their ingest. PATH is a file or a folder "
        "(its files, not sub-folders). Without --video, each file becomes a new draft video."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--video", metavar="SLUG", help="Attach to this existing video.")
        parser.add_argument("--label", default="", help="Label of the rendition(s).")
        parser.add_argument(
            "--preview",
            action="store_true",
            help="Make the web preview from this file (default: when the video has none).",
        )

    def handle(self, *args, path: Path, video: str | None, label: str, preview: bool, **options):
        target = None
        if video:
            target = Video.objects.filter(slug=video).first()
            if target is None:
                raise CommandError(f"No video with the slug {video!r}.")
        if path.is_dir():
            files = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            if not files:
                raise CommandError(f"{path} holds no files.")
        elif path.is_file():
            files = [path]
        else:
            raise CommandError(f"{path} is neither a file nor a folder.")

        failures = 0
        for file_path in files:
            try:
                # A quick look before anything is stored: a file that is not a video is
                # refused here and leaves no trace. The full check runs in the ingest task.
                ingest.probe(file_path, check_complete=False)
            except ingest.IngestError as exc:
                failures += 1
                self.stderr.write(f"{file_path.name}: {exc}")
                continue
            rendition = self._attach(file_path, target=target, label=label, preview=preview)
            self.stdout.write(
                f"{file_path.name}: rendition {rendition.pk} of “{rendition.video.title}” "
                f"({rendition.video.slug}), ingest {rendition.get_status_display().lower()}."
            )
        if failures:
            raise CommandError(f"{failures} of {len(files)} file(s) could not be ingested.")

    def _attach(self, file_path: Path, *, target: Video | None, label: str, preview: bool):
        video = target or services.create_video(title=title_from_filename(file_path))
        make_preview = preview or (
            not video.preview and not video.renditions.filter(make_preview=True).exists()
        )
        with file_path.open("rb") as handle:
            rendition = services.attach_rendition(
                video=video,
                content=File(handle),
                filename=file_path.name,
                label=label,
                make_preview=make_preview,
            )
        rendition.refresh_from_db()
        return rendition
