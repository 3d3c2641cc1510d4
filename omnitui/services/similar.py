"""Solved cases like the one on screen: how the team answered the same question before.

Candidates are the newest solved cases whose customers' messages share at least two of the
first content words of this case's latest message (full-text search; one common word,
"order", is no likeness), ranked by how many words they share; with the semantic extra
they are ranked by meaning instead, and those under `[semantic] article_min_similarity`
dropped.
`[semantic] similar_cases` says how many are shown (0: none).
"""

from __future__ import annotations

import sqlite3

from omnitui.config import Settings
from omnitui.records import record
from omnitui.store.cases import latest_customer_words
from omnitui.store.queries import solved_like
from omnitui.triage.semantic import model_for, ranked
from omnitui.triage.text import content_words, own_words

CANDIDATES = 30  # recent solved cases sharing words, ranked again
QUERY_WORDS = 5  # the content words they must share two of


@record(frozen=True)
class SimilarCase:
    id: int
    text: str  # the opening of its customer's message that is like this one
    score: float  # cosine similarity with the semantic extra, else the words shared


def similar_solved(conn: sqlite3.Connection, settings: Settings, case_id: int, *,
                   wait: bool = True) -> list[SimilarCase]:
    """`wait=False` (a console's UI thread): by meaning only once the model is loaded."""
    limit = settings.semantic.similar_cases
    subject, text, _, _ = latest_customer_words(conn, case_id)
    words = content_words(f"{subject} {own_words(text)}")
    if not limit or not words:
        return []
    found = solved_like(conn, words[:QUERY_WORDS], case_id, CANDIDATES)
    model = model_for(settings.semantic, wait=wait)
    if model is None or not found:
        wanted = set(words)
        shared = [len(wanted & set(content_words(f"{s} {t}", 64))) for _, s, t in found]
        order = sorted(range(len(found)), key=lambda i: -shared[i])  # stable: newest first
        return [SimilarCase(found[i][0], _opening(found[i][1], found[i][2]), shared[i])
                for i in order[:limit]]
    nearest = ranked(model.one(" ".join(words)),
                     model.embed([f"{s} {own_words(t)[:300]}" for _, s, t in found]), limit)
    floor = settings.semantic.article_min_similarity
    return [SimilarCase(found[row][0], _opening(found[row][1], found[row][2]),
                        round(score, 3)) for row, score in nearest if score >= floor]


def _opening(subject: str, text: str) -> str:
    """The customer's words that matched, by their opening (a mail's subject if they are
    a reply without words of their own)."""
    return " ".join((own_words(text) or subject).split())[:60]
