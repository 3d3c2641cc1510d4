"""What a store says of itself (store_info): key/value rows."""

from __future__ import annotations

import sqlite3


def put(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute("INSERT OR REPLACE INTO store_info (key, value) VALUES (?, ?)", (key, value))


def get(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM store_info WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])
