"""Presence: which agents are viewing or writing on a case right now."""

from __future__ import annotations

import sqlite3


def announce(conn: sqlite3.Connection, agent: str, case_id: int, activity: str,
             now: str) -> None:
    conn.execute("INSERT INTO presence (agent, case_id, activity, seen_at) VALUES (?, ?, ?, ?)"
                 " ON CONFLICT(agent) DO UPDATE SET case_id = excluded.case_id,"
                 " activity = excluded.activity, seen_at = excluded.seen_at",
                 (agent, case_id, activity, now))


def leave(conn: sqlite3.Connection, agent: str) -> None:
    conn.execute("DELETE FROM presence WHERE agent = ?", (agent,))


def others_on(conn: sqlite3.Connection, case_id: int, agent: str,
              fresh_since: str) -> list[tuple[str, str]]:
    """(agent, activity) of everyone else on the case, seen since `fresh_since`."""
    return conn.execute("SELECT agent, activity FROM presence WHERE case_id = ?"
                        " AND agent != ? AND seen_at >= ? ORDER BY agent",
                        (case_id, agent, fresh_since)).fetchall()
