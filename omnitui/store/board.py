"""What the supervisor's board reads (omnitui/metrics/board.py): aggregates the store does
itself, so a refresh at a million cases stays a few queries."""

from __future__ import annotations

import sqlite3
from itertools import pairwise

from omnitui.store.schema import ACTIVE, NO_SLA_DUE

DUE = f"coalesce(sla_due, '{NO_SLA_DUE}')"  # what the SLA order's index is on


def aging(conn: sqlite3.Connection, edges: list[str], bands: list[float], now: str
          ) -> list[list[int]]:
    """The unsolved cases by age and priority, as the queue shows them (a case snoozed
    past `now` is out of sight until it comes back): row i holds the cases opened after
    edges[i] and before edges[i-1] (newest first; the last row everything older), column j
    those with priority at least bands[j] and under bands[j-1] (highest first; the last
    column the rest). One range of the cases_active_age index per row, read from the index
    alone, less the few snoozed cases (their own small index)."""
    columns = [f"sum(priority >= {float(low)!r}" + (f" AND priority < {float(bands[j - 1])!r})"
                                                    if j else ")")
               for j, low in enumerate(bands)]
    below = f"sum(priority < {float(bands[-1])!r})" if bands else "count(*)"
    sql = (f"SELECT {', '.join([*columns, below])} FROM cases INDEXED BY cases_active_age"
           f" WHERE status IN {ACTIVE} AND created_at >= ? AND created_at < ?"
           " AND id NOT IN (SELECT id FROM cases WHERE snoozed_until IS NOT NULL"
           " AND snoozed_until > ?)")
    bounds = ["9999", *edges, ""]
    return [[int(n or 0) for n in conn.execute(sql, (lo, hi, now)).fetchone()]
            for hi, lo in pairwise(bounds)]


def due_soon(conn: sqlite3.Connection, before: str, limit: int) -> list[sqlite3.Row]:
    """The unsolved cases whose next SLA due time comes before `before` (the breached
    first), earliest first."""
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    return cur.execute(
        "SELECT id, subject, queue, owner, status, priority, sla_due, channel FROM cases"
        f" WHERE status IN {ACTIVE} AND {DUE} < ? ORDER BY {DUE}, id LIMIT ?",
        (before, limit)).fetchall()


def due_soon_count(conn: sqlite3.Connection, before: str) -> int:
    return conn.execute(f"SELECT count(*) FROM cases WHERE status IN {ACTIVE}"
                        f" AND {DUE} < ?", (before,)).fetchone()[0]


def owners_load(conn: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    """owner -> (open or new cases, pending or on hold)."""
    return {owner: (working, waiting) for owner, working, waiting in conn.execute(
        "SELECT owner, sum(status IN ('new', 'open')), sum(status IN ('pending', 'on_hold'))"
        f" FROM cases WHERE status IN {ACTIVE} AND owner IS NOT NULL GROUP BY owner")}


def hourly_flow(conn: sqlite3.Connection, since: str) -> list[tuple[str, int, int]]:
    """(UTC hour "YYYY-MM-DD HH", cases opened, cases solved) since `since`: read from the
    created_at and solved_at indexes alone (the board turns hours into its zone's days)."""
    opened = dict(conn.execute(
        "SELECT substr(created_at, 1, 13), count(*) FROM cases WHERE created_at >= ?"
        " GROUP BY 1", (since,)).fetchall())
    solved = dict(conn.execute(
        "SELECT substr(solved_at, 1, 13), count(*) FROM cases WHERE solved_at >= ?"
        " GROUP BY 1", (since,)).fetchall())
    return [(hour, opened.get(hour, 0), solved.get(hour, 0))
            for hour in sorted(set(opened) | set(solved))]


def opened_since(conn: sqlite3.Connection, since: str
                 ) -> list[tuple[str, str, str | None, float]]:
    """(queue, channel, owner, first response seconds) of the cases opened since `since`
    and answered (the created_at index)."""
    return conn.execute("SELECT queue, channel, owner, first_response_seconds FROM cases"
                        " WHERE created_at >= ? AND first_response_seconds IS NOT NULL",
                        (since,)).fetchall()


def opened_count(conn: sqlite3.Connection, since: str) -> dict[tuple[str, str], int]:
    """(queue, channel) -> cases opened since `since`."""
    return {(queue, channel): n for queue, channel, n in conn.execute(
        "SELECT queue, channel, count(*) FROM cases WHERE created_at >= ?"
        " GROUP BY queue, channel", (since,))}


def solved_by(conn: sqlite3.Connection, since: str) -> dict[str, int]:
    """owner -> cases solved since `since` (the solved_at index)."""
    return dict(conn.execute("SELECT owner, count(*) FROM cases WHERE solved_at >= ?"
                             " AND owner IS NOT NULL GROUP BY owner", (since,)).fetchall())


def rates_since(conn: sqlite3.Connection, since: str) -> tuple[int, int, int, int]:
    """(reopened, ever solved, reassigned, ever assigned) of the cases opened since."""
    row = conn.execute(
        "SELECT coalesce(sum(reopens > 0), 0), coalesce(sum(solved_at IS NOT NULL"
        " OR reopens > 0), 0), coalesce(sum(reassignments > 0), 0),"
        " coalesce(sum(assigned_at IS NOT NULL OR reassignments > 0), 0)"
        " FROM cases WHERE created_at >= ?", (since,)).fetchone()
    return row[0], row[1], row[2], row[3]


def csat_since(conn: sqlite3.Connection, since: str) -> tuple[int, float | None, int]:
    """(answers, mean score, answers of 4 or 5) given since `since`."""
    row = conn.execute("SELECT count(*), avg(score), coalesce(sum(score >= 4), 0) FROM csat"
                       " WHERE answered_at >= ? AND score IS NOT NULL", (since,)).fetchone()
    return row[0], row[1], row[2]


def reopened_about(conn: sqlite3.Connection, since: str, limit: int = 3
                   ) -> list[tuple[str, int]]:
    """What the cases opened since `since` that came back after being solved were about
    (their intent, else their queue), most common first."""
    return conn.execute(
        "SELECT coalesce(intent, queue), count(*) FROM cases WHERE created_at >= ?"
        " AND reopens > 0 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?", (since, limit)).fetchall()

