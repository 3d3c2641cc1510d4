"""Presence: which agents are viewing or writing on a case right now, and each stretch of
it over time (presence_intervals: the handle time the metrics measure)."""

from __future__ import annotations

import sqlite3


def announce(conn: sqlite3.Connection, agent: str, case_id: int, activity: str,
             now: str, continues_since: str) -> None:
    """Mark the agent on the case, and stretch their interval to now: the one they are in
    if it was marked since `continues_since` (the console marks every few seconds), else a
    new one (the one before ends now, if it was still running)."""
    conn.execute("INSERT INTO presence (agent, case_id, activity, seen_at) VALUES (?, ?, ?, ?)"
                 " ON CONFLICT(agent) DO UPDATE SET case_id = excluded.case_id,"
                 " activity = excluded.activity, seen_at = excluded.seen_at",
                 (agent, case_id, activity, now))
    last = _running(conn, agent, continues_since)
    if last is not None and last[1:] == (case_id, activity):
        conn.execute("UPDATE presence_intervals SET ended_at = ? WHERE id = ?", (now, last[0]))
        return
    if last is not None:
        conn.execute("UPDATE presence_intervals SET ended_at = ? WHERE id = ?", (now, last[0]))
    conn.execute("INSERT INTO presence_intervals (agent, case_id, activity, started_at,"
                 " ended_at) VALUES (?, ?, ?, ?, ?)", (agent, case_id, activity, now, now))


def leave(conn: sqlite3.Connection, agent: str, now: str, continues_since: str,
          case_id: int | None = None) -> None:
    """Off every case, or only off `case_id` if the mark is still on it (another console
    of the agent's may have marked them on another since): the running interval ends now."""
    if case_id is not None and conn.execute(
            "SELECT 1 FROM presence WHERE agent = ? AND case_id = ?",
            (agent, case_id)).fetchone() is None:
        return
    if not conn.execute("DELETE FROM presence WHERE agent = ?", (agent,)).rowcount:
        return  # no mark: its interval ended as it went (a console's start stretched it
        # over the time since, looking through every interval of the agent's: 150 ms at 1M)
    if (last := _running(conn, agent, continues_since)) is not None:
        conn.execute("UPDATE presence_intervals SET ended_at = ? WHERE id = ?", (now, last[0]))


def _running(conn: sqlite3.Connection, agent: str,
             since: str) -> tuple[int, int, str] | None:
    """The agent's latest interval, if it was marked since `since`: the only one a mark
    stretches, and one row to read (asked for the latest marked since, SQLite looked
    through every interval of the agent's when none was: 40 ms a case opened at 1M)."""
    row = conn.execute("SELECT id, case_id, activity FROM presence_intervals WHERE id ="
                       " (SELECT max(id) FROM presence_intervals WHERE agent = ?)"
                       " AND ended_at >= ?", (agent, since)).fetchone()
    return None if row is None else (row[0], row[1], row[2])


def record_interval(conn: sqlite3.Connection, agent: str, case_id: int, activity: str,
                    started_at: str, ended_at: str) -> None:
    """A stretch known afterwards (the demo's agents writing their replies)."""
    conn.execute("INSERT INTO presence_intervals (agent, case_id, activity, started_at,"
                 " ended_at) VALUES (?, ?, ?, ?, ?)",
                 (agent, case_id, activity, started_at, ended_at))


def others_on(conn: sqlite3.Connection, case_id: int, agent: str,
              fresh_since: str) -> list[tuple[str, str]]:
    """(agent, activity) of everyone else on the case, seen since `fresh_since`."""
    return conn.execute("SELECT agent, activity FROM presence WHERE case_id = ?"
                        " AND agent != ? AND seen_at >= ? ORDER BY agent",
                        (case_id, agent, fresh_since)).fetchall()
