"""Per-folder sync state of a mail account: (UIDVALIDITY, last stored UID).

It is written in the same transaction as the messages it covers, so after a crash the
poller fetches again from the last committed message: a refetch at worst, never a gap.
"""

from __future__ import annotations

import sqlite3


def get_cursor(conn: sqlite3.Connection, channel: str, account: str,
               folder: str) -> tuple[int | None, int]:
    """(UIDVALIDITY, last UID) as last committed; (None, 0) for a folder never synced."""
    row = conn.execute("SELECT uidvalidity, last_uid FROM channel_cursors WHERE channel = ?"
                       " AND account = ? AND folder = ?", (channel, account, folder)).fetchone()
    return (row[0], row[1] or 0) if row else (None, 0)


def set_cursor(conn: sqlite3.Connection, channel: str, account: str, folder: str, *,
               uidvalidity: int, last_uid: int, at: str) -> None:
    conn.execute(
        "INSERT INTO channel_cursors (channel, account, folder, uidvalidity, last_uid,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (channel, account, folder)"
        " DO UPDATE SET uidvalidity = excluded.uidvalidity, last_uid = excluded.last_uid,"
        " updated_at = excluded.updated_at", (channel, account, folder, uidvalidity, last_uid, at))
