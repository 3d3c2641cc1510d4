"""Full-text entries written at a bulk transaction's end (schema 27).

FTS5 writes its pending entries to disk at every statement savepoint, and SQLite opens one
for each statement that fires triggers and may fail (an INSERT into messages does both): so
with each message's entry written as it went in, an import paid for a flush per message and
for merging the thousands of tiny segments they made. Inside `at_the_end`, the triggers
queue new messages and customers in `fts_pending` instead, and their entries are written in
one statement each just before the transaction commits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def at_the_end(conn: sqlite3.Connection) -> Iterator[None]:
    """Around the work of a write transaction the caller holds: the rows it adds are
    indexed when the work is done. (On an error the transaction's rollback takes everything
    back, the mark included.)"""
    conn.execute("INSERT INTO fts_deferred (id) VALUES (1)")
    yield
    index_pending(conn)
    conn.execute("DELETE FROM fts_deferred")


def index_pending(conn: sqlite3.Connection) -> None:
    """Write the entries still waiting; a full-text query that may run inside `at_the_end`
    calls this first, to find the rows added earlier in its transaction. Outside one nothing
    waits, and nothing is written (no write lock is taken)."""
    if conn.execute("SELECT 1 FROM fts_pending LIMIT 1").fetchone() is None:
        return
    conn.execute("INSERT INTO messages_fts(rowid, subject, text) SELECT m.id, m.subject, m.text"
                 " FROM fts_pending p JOIN messages m ON m.id = p.id"
                 " WHERE p.source = 'messages'")
    conn.execute("INSERT INTO customers_fts(rowid, name) SELECT c.id, c.name"
                 " FROM fts_pending p JOIN customers c ON c.id = p.id"
                 " WHERE p.source = 'customers'")
    conn.execute("DELETE FROM fts_pending")
