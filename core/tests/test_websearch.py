"""The search box's syntax read as PostgreSQL's websearch_to_tsquery reads it."""

from __future__ import annotations

import pytest
from django.db import connection

from core.websearch import Term, parse

QUERIES = [
    "a b or c",
    "a or b c",
    "-a b",
    "or a",
    "a or",
    '"a b" or c',
    'a -"b c"',
    "a or -b",
    "a OR b",
    "- a",
    '"a b',
    'a "" b',
    "a or or b",
    "-or a",
    "word, other.",
    "a -",
    '"opening remarks" summit -closing',
]


def as_tsquery(groups: list[list[Term]]) -> str:
    """`parse()`'s reading written as PostgreSQL writes a tsquery."""

    def term(t: Term) -> str:
        words = " <-> ".join(f"'{word}'" for word in t.text.split())
        if not t.negated:
            return words
        return f"!( {words} )" if " " in t.text else f"!{words}"

    return " | ".join(" & ".join(term(t) for t in group) for group in groups)


def test_words_phrases_negations_and_alternatives_are_read_apart():
    assert parse('"opening remarks" summit -closing or -"press conference" frigate') == [
        [Term("opening remarks"), Term("summit"), Term("closing", negated=True)],
        [Term("press conference", negated=True), Term("frigate")],
    ]


def test_a_query_of_punctuation_alone_has_no_term():
    assert parse('" " - , or') == [[Term("or")]]
    assert parse('"" -') == []


@pytest.mark.parametrize("query", QUERIES)
def test_the_reading_is_postgresqls_own(postgres, query):
    with connection.cursor() as cursor:
        cursor.execute("SELECT websearch_to_tsquery('simple', %s)::text", [query])
        expected = cursor.fetchone()[0]

    assert as_tsquery(parse(query)) == expected
