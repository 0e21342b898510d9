from django.db import migrations

INDEX = "video_published_brin_idx"


def create_index(apps, schema_editor):
    # A search looks for its newest matches one window of publication time at a time
    # (media_library.newest_matches): this index gives the rows of a window as a bitmap for the
    # GIN index's to meet, for a few hundred kilobytes at a million videos. It works because
    # videos are stored about in the order they are published; where they are not, PostgreSQL
    # sees it in its statistics and reads video_newest_idx instead. `autosummarize` covers the
    # newest rows as soon as autovacuum passes, not at the next VACUUM only.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON media_library_video "
            "USING brin (published_at) WITH (autosummarize = on)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("media_library", "0003_search_word_pairs")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
