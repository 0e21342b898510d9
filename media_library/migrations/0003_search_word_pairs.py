"""Phrases found like words: each two adjacent words of a video become one more lexeme.

A phrase search ("press conference") used to read every row holding both words to check that
they stand side by side: the GIN index keeps no word positions. With the pair stored as a
lexeme of its own ('press confer'), the index finds exactly the rows where the words are
adjacent, as it finds a single word (issue 8, P3). The parser never puts a space inside a
lexeme, so a pair can never collide with a word.

Three functions, PostgreSQL only (SQLite searches with LIKE):
- search_word_pairs(vector): the pairs of a search vector, from its word positions;
- search_with_word_pairs(vector): the vector and its pairs, as the catalogue stores it
  (services.update_search_vector, and the bench's bulk data);
- search_phrase_query(config, query): the `websearch` query, which checks word positions,
  AND the pairs of each of its quoted phrases, which the index can find
  (VideoQuerySet.search).
"""

from django.db import migrations

CREATE_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION search_word_pairs(document tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    WITH words AS (
        SELECT word.lexeme, position
        FROM unnest(document) AS word, unnest(word.positions) AS position
    )
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT first.lexeme || ' ' || next.lexeme)), '')
    FROM words AS first JOIN words AS next ON next.position = first.position + 1
$$;

CREATE OR REPLACE FUNCTION search_with_word_pairs(document tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT document || search_word_pairs(document)
$$;

CREATE OR REPLACE FUNCTION search_phrase_query(config regconfig, query text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT websearch_to_tsquery(config, query) && coalesce(
        (
            SELECT string_agg(
                '''' || replace(replace(pair.lexeme, '\', '\\'), '''', '''''') || '''', ' & '
            )::tsquery
            FROM regexp_matches(query, '"([^"]+)"', 'g') AS phrase,
                unnest(search_word_pairs(to_tsvector(config, phrase[1]))) AS pair
        ),
        websearch_to_tsquery(config, query)
    )
$$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS search_phrase_query(regconfig, text);
DROP FUNCTION IF EXISTS search_with_word_pairs(tsvector);
DROP FUNCTION IF EXISTS search_word_pairs(tsvector);
"""


def add_word_pairs(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTIONS)
    # Existing videos get their pairs now; a large catalogue spends a while here, once (35 s
    # per 100,000 videos on a 2-core machine, docs/media.md).
    schema_editor.execute(
        "UPDATE media_library_video SET search_vector = search_with_word_pairs(search_vector) "
        "WHERE search_vector IS NOT NULL"
    )


def remove_word_pairs(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "UPDATE media_library_video SET search_vector = ts_delete(search_vector, ARRAY("
        "SELECT lexeme FROM unnest(search_vector) WHERE position(' ' in lexeme) > 0)) "
        "WHERE search_vector IS NOT NULL"
    )
    schema_editor.execute(DROP_FUNCTIONS)


class Migration(migrations.Migration):
    dependencies = [("media_library", "0002_video_newest_index")]

    operations = [migrations.RunPython(add_word_pairs, remove_word_pairs, elidable=False)]
