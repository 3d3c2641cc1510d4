"""The knowledge base's index: kb_articles and its full-text table kb_fts (services/kb.py
keeps them in step with the folder)."""

from __future__ import annotations

import json
import sqlite3

WEIGHTS = "10.0, 4.0, 1.0"  # bm25 weights of title, tags, body
ROW = "id, path, title, tags, body, language, 0"  # an ArticleRow, unranked

# id, path, title, tags (JSON), body, language, score
ArticleRow = tuple[int, str, str, str, str, str, float]


def indexed(conn: sqlite3.Connection) -> dict[str, tuple[int, float, int]]:
    """path -> (id, modification time, size) of every indexed article."""
    return {path: (article_id, mtime, size) for article_id, path, mtime, size in
            conn.execute("SELECT id, path, mtime, size FROM kb_articles")}


def add(conn: sqlite3.Connection, path: str, title: str, tags: list[str], body: str,
        language: str, mtime: float, size: int) -> None:
    cur = conn.execute("INSERT INTO kb_articles (path, title, tags, body, language, mtime,"
                       " size) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (path, title, json.dumps(tags), body, language, mtime, size))
    conn.execute("INSERT INTO kb_fts (rowid, title, tags, body) VALUES (?, ?, ?, ?)",
                 (cur.lastrowid, title, " ".join(tags), body))


def remove(conn: sqlite3.Connection, article_id: int) -> None:
    conn.execute("DELETE FROM kb_articles WHERE id = ?", (article_id,))
    conn.execute("DELETE FROM kb_fts WHERE rowid = ?", (article_id,))


def listing(conn: sqlite3.Connection) -> list[ArticleRow]:
    return conn.execute(f"SELECT {ROW} FROM kb_articles"
                        " ORDER BY path").fetchall()


def ranked(conn: sqlite3.Connection, match: str, limit: int) -> list[ArticleRow]:
    """Articles matching an FTS5 query, best first (score: higher is better)."""
    return conn.execute(
        f"SELECT a.id, a.path, a.title, a.tags, a.body, a.language, -bm25(kb_fts, {WEIGHTS})"
        f" FROM kb_fts JOIN kb_articles a ON a.id = kb_fts.rowid WHERE kb_fts MATCH ?"
        f" ORDER BY bm25(kb_fts, {WEIGHTS}) LIMIT ?", (match, limit)).fetchall()


def by_path(conn: sqlite3.Connection, path: str) -> ArticleRow | None:
    return conn.execute(f"SELECT {ROW} FROM kb_articles WHERE path = ?",
                        (path,)).fetchone()


def unvectored(conn: sqlite3.Connection, model: str) -> list[tuple[int, str, str, str]]:
    """(id, title, tags JSON, body) of the articles without a vector of `model`."""
    return conn.execute("SELECT id, title, tags, body FROM kb_articles WHERE vector IS NULL"
                        " OR vector_model IS NOT ?", (model,)).fetchall()


def set_vector(conn: sqlite3.Connection, article_id: int, vector: bytes, model: str) -> None:
    conn.execute("UPDATE kb_articles SET vector = ?, vector_model = ? WHERE id = ?",
                 (vector, model, article_id))


def vectors(conn: sqlite3.Connection, model: str) -> list[tuple[int, bytes]]:
    return conn.execute("SELECT id, vector FROM kb_articles WHERE vector_model = ?",
                        (model,)).fetchall()


def by_id(conn: sqlite3.Connection, article_id: int) -> ArticleRow | None:
    return conn.execute(f"SELECT {ROW} FROM kb_articles WHERE id = ?",
                        (article_id,)).fetchone()
