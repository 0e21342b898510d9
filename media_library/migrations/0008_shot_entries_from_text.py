"""The free-text shot lists become entries (ShotEntry), line by line; nothing is lost.

Each line is read by the shot-list parser; a line it cannot read is kept as a shot at the
previous entry's in point with the line as its description (`shotlist.lenient`), for an
editor to correct. The text itself stays on the video as it was.
"""

from django.db import migrations

from media_library import shotlist


def forwards(apps, schema_editor):
    Video = apps.get_model("media_library", "Video")
    Rendition = apps.get_model("media_library", "Rendition")
    ShotEntry = apps.get_model("media_library", "ShotEntry")
    videos = Video.objects.exclude(shot_list="").only("pk", "shot_list").iterator(chunk_size=500)
    for video in videos:
        stored_rate = (
            Rendition.objects.filter(video_id=video.pk, status="ready", frame_rate__isnull=False)
            .order_by("-height", "pk")
            .values_list("frame_rate", flat=True)
            .first()
        )
        entries = shotlist.lenient(video.shot_list, fps=shotlist.frame_rate(stored_rate))
        ShotEntry.objects.bulk_create(
            ShotEntry(
                video_id=video.pk,
                position=position,
                start_ms=entry.start_ms,
                end_ms=entry.end_ms,
                kind=entry.kind,
                description=entry.description,
                speaker_name=entry.speaker_name,
                speaker_role=entry.speaker_role,
                language=entry.language,
                quote=entry.quote,
            )
            for position, entry in enumerate(entries)
        )


def backwards(apps, schema_editor):
    # The text was never changed: dropping the entries restores the state before.
    apps.get_model("media_library", "ShotEntry").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("media_library", "0007_shot_entries_and_captions")]

    operations = [migrations.RunPython(forwards, backwards)]
