"""Solved cases like the one on screen: how the team answered the same question before.

Candidates come from full-text search over the customers' words of solved cases (the
content words of this case's latest message, OR'ed, ranked by BM25), and share at least two
of those words (one common word, "order", is no likeness); with the semantic extra they are
ranked again by meaning, and those under `[semantic] article_min_similarity` dropped.
`[semantic] similar_cases` says how many are shown (0: none).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from omnitui.config import Settings
from omnitui.store.cases import latest_customer_words
from omnitui.store.queries import fts_phrase, solved_like
from omnitui.triage.semantic import model_for, ranked
from omnitui.triage.text import content_words, own_words

CANDIDATES = 30  # full-text matches ranked again by meaning


@dataclass(frozen=True)
class SimilarCase:
    id: int
    text: str  # the opening of its customer's message that is like this one
    score: float  # cosine similarity with the semantic extra, else BM25 (higher: nearer)


def similar_solved(conn: sqlite3.Connection, settings: Settings, case_id: int, *,
                   wait: bool = True) -> list[SimilarCase]:
    """`wait=False` (a console's UI thread): by meaning only once the model is loaded."""
    limit = settings.semantic.similar_cases
    subject, text, _, _ = latest_customer_words(conn, case_id)
    words = content_words(f"{subject} {own_words(text)}")
    if not limit or not words:
        return []
    shared = min(2, len(words))  # one common word ("order") is no likeness
    found = [c for c in solved_like(conn, " OR ".join(fts_phrase(w) for w in words), case_id,
                                    CANDIDATES)
             if len(set(words) & set(content_words(f"{c[1]} {c[2]}", 64))) >= shared]
    model = model_for(settings.semantic, wait=wait)
    if model is None or not found:
        return [SimilarCase(i, _opening(s, t), round(score, 2))
                for i, s, t, score in found[:limit]]
    nearest = ranked(model.one(" ".join(words)),
                     model.embed([f"{s} {own_words(t)[:300]}" for _, s, t, _ in found]), limit)
    floor = settings.semantic.article_min_similarity
    return [SimilarCase(found[row][0], _opening(found[row][1], found[row][2]),
                        round(score, 3)) for row, score in nearest if score >= floor]


def _opening(subject: str, text: str) -> str:
    """The customer's words that matched, by their opening (a mail's subject if they are
    a reply without words of their own)."""
    return " ".join((own_words(text) or subject).split())[:60]
