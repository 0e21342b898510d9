"""The search box's syntax, as cases every search runs on every database it supports.

Each search (videos, speeches, quotes) stores the texts of `TEXTS` where it searches, runs
each query of `CASES` and must find the texts named, no more: on PostgreSQL with its
full-text search and with `core.websearch`'s plain-text reading, and on SQLite.
"""

from __future__ import annotations

from django.db import connection

# A name for each text, and the text: words that sit side by side in one, apart in another.
TEXTS = {
    "opening": "Opening remarks by the Secretary General at the summit",
    "apart": "Remarks by the minister on the opening of the new harbour",
    "frigate": "Press conference on the frigate deployment",
    "closing": "Closing statement at the summit",
}

CASES = [
    # The example: a phrase finds its words side by side only.
    ('"opening remarks"', {"opening"}),
    ("opening remarks", {"opening", "apart"}),
    ('"OPENING Remarks"', {"opening"}),
    # A phrase holding common words, which PostgreSQL's english configuration leaves out.
    ('"remarks by the minister"', {"apart"}),
    ("summit -closing", {"opening"}),
    ('remarks -"opening remarks"', {"apart"}),
    ("frigate or closing", {"frigate", "closing"}),
    ("frigate OR summit -statement", {"frigate", "opening"}),
    ('"opening remarks" or frigate', {"opening", "frigate"}),
    # An unclosed quote runs to the end of the query.
    ('"closing statement', {"closing"}),
    ("harbour", {"apart"}),
    ("submarine", set()),
]

# How a search may read the syntax on the database of this run: PostgreSQL has both readings,
# SQLite has the plain-text one only.
READINGS = ["full-text", "plain-text"] if connection.vendor == "postgresql" else ["plain-text"]
