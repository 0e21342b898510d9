"""The search box's syntax, read as PostgreSQL's `websearch_to_tsquery` reads it, for the
databases that have no full-text search (SQLite, the one-command run) and for the searches
that run on plain columns everywhere (speeches).

- words: every one must appear (`opening remarks`);
- `"a phrase"`: its words side by side, in that order (an unclosed quote runs to the end);
- `-word`, `-"a phrase"`: must not appear;
- `or` between two terms: either; `and` binds tighter, so `a b or c` is `(a and b) or c`.

`or` at the start or the end of the query, or right after another `or`, is a plain word, and
a lone `-` negates the term after it, as in PostgreSQL. A term matches as text anywhere in a
column, case-insensitively, where PostgreSQL matches stems: `remark` finds `remarks` on both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Q

# A word as the search sees it: letters and digits, joined by inner hyphens, apostrophes,
# dots (`e-mail`, `l'OTAN`, `U.N`); other punctuation separates words.
WORD = re.compile(r"\w+(?:['\u2019.\-]\w+)*")
NOT = "-"
TOKEN = re.compile(r'-?\s*"[^"]*"?|\S+')


@dataclass(frozen=True)
class Term:
    """A word or phrase of the query, as the text a column must (or must not) contain."""

    text: str
    negated: bool = False


def parse(query: str) -> list[list[Term]]:
    """The query as alternatives (joined by `or`), each a list of terms that must all hold."""
    tokens = [token for token in TOKEN.findall(query) if token.strip()]
    groups: list[list[Term]] = [[]]
    negate_next = False
    for index, token in enumerate(tokens):
        if _is_or(token) and groups[-1] and index + 1 < len(tokens) and not negate_next:
            groups.append([])
            continue
        negated = negate_next
        negate_next = False
        if token == NOT:
            negate_next = True
            continue
        if token.startswith(NOT):
            negated, token = True, token[1:].lstrip()
        if token.startswith('"'):
            words = WORD.findall(token)
            terms = [Term(" ".join(words), negated)] if words else []
        else:
            terms = [Term(word, negated) for word in WORD.findall(token)]
        groups[-1].extend(terms)
    return [group for group in groups if group]


def _is_or(token: str) -> bool:
    return token.lower() == "or"


def matches(query: str, term_q: Callable[[str], Q]) -> Q | None:
    """The filter for `query` where `term_q(text)` is what "contains this text" means.

    None when the query holds no term (`""`, `-`): the callers then find nothing, as
    PostgreSQL does with a query of no lexeme.
    """
    either: Q | None = None
    for group in parse(query):
        every = Q()
        for term in group:
            found = term_q(term.text)
            every &= ~found if term.negated else found
        either = every if either is None else either | every
    return either


def in_columns(*columns: str) -> Callable[[str], Q]:
    """`term_q` for `matches()`: the text appears in any of these columns."""

    def term_q(text: str) -> Q:
        found = Q()
        for column in columns:
            found |= Q(**{f"{column}__icontains": text})
        return found

    return term_q


def full_text(connection: BaseDatabaseWrapper) -> bool:
    """Whether searches on this database use PostgreSQL's full-text search (its stored
    vectors and `websearch_to_tsquery`) rather than `matches()`."""
    return connection.vendor == "postgresql"
