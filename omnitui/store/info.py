"""What a store says of itself (store_info): key/value rows."""

from __future__ import annotations

import sqlite3


def put(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO store_info (key, value) VALUES (?, ?)", (key, value))


def get(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM store_info WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


# Ids a case or customer is known by outside its row (the audit log, `history --case`, a
# script's notes): one whose creation was undone is retired, never given again
NEVER_REUSED = ("cases", "customers")


def retire(conn: sqlite3.Connection, table: str, row_id: int) -> None:
    """`row_id` of `table` (NEVER_REUSED) is gone for good: no new row takes it. SQLite
    gives a new row the highest id + 1, so the case an undo took away came back as the next
    case made, its history mixed with another's, and the undo's redo refused."""
    conn.execute("INSERT INTO store_info (key, value) VALUES (?, ?) ON CONFLICT(key) DO"
                 " UPDATE SET value = max(CAST(value AS INTEGER), excluded.value)",
                 (f"retired:{table}", row_id))


def next_id(conn: sqlite3.Connection, table: str) -> int:
    """The id a new row of `table` (NEVER_REUSED) takes: past every one it has had."""
    if table not in NEVER_REUSED:
        raise ValueError(table)
    try:
        return conn.execute(
            f"SELECT max(coalesce((SELECT max(id) FROM {table}), 0), coalesce((SELECT"
            " CAST(value AS INTEGER) FROM store_info WHERE key = ?), 0)) + 1",
            (f"retired:{table}",)).fetchone()[0]
    except sqlite3.OperationalError:  # a migration's step, before store_info (schema 14)
        return conn.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]
