from django.db import migrations

INDEX = "video_newest_idx"


def create_index(apps, schema_editor):
    # The catalogue reads published videos newest first (NULLS LAST): an index in that order
    # lets PostgreSQL stop after one page instead of sorting every row. SQLite has no such
    # index syntax and no need for it at the one-command run's size.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON media_library_video "
            "(published_at DESC NULLS LAST, id DESC)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("media_library", "0001_initial")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
