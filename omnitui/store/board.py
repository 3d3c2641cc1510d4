"""What the supervisor's board reads (omnitui/metrics/board.py): the tallies the store's
triggers keep in the transaction of every change to a case (schema 23), and small index
ranges, so a refresh at a million cases stays a few milliseconds of queries."""

from __future__ import annotations

import sqlite3

from omnitui.store.schema import ACTIVE, NO_SLA_DUE, band_sql

DUE = f"coalesce(sla_due, '{NO_SLA_DUE}')"  # what the SLA order's index is on


def waiting_by_hour(conn: sqlite3.Connection) -> list[tuple[str, str, int]]:
    """(UTC hour of opening "YYYY-MM-DD HH", priority band, unsolved cases) from the
    tallies: a row per hour that still has a case waiting, not a row per case."""
    return conn.execute("SELECT bucket, key, n FROM tallies WHERE name = 'waiting'"
                        " AND n != 0").fetchall()


def waiting_between(conn: sqlite3.Connection, since: str, until: str, now: str
                    ) -> dict[str, int]:
    """Priority band -> the unsolved cases opened in [since, until) that the queue shows
    (a case snoozed past `now` is out of sight until it comes back): exact, from the
    cases_active_age index, for the part of an hour the tallies cannot split."""
    return dict(conn.execute(
        f"SELECT {band_sql('priority')}, count(*) FROM cases INDEXED BY cases_active_age"
        f" WHERE status IN {ACTIVE} AND created_at >= ? AND created_at < ? AND id NOT IN"
        " (SELECT id FROM cases WHERE snoozed_until IS NOT NULL AND snoozed_until > ?)"
        " GROUP BY 1", (since, until, now)).fetchall())


def snoozed_waiting(conn: sqlite3.Connection, now: str) -> list[tuple[str, str]]:
    """(opened at, priority band) of the unsolved cases snoozed past `now`: the tallies
    count them, the queue does not show them (the few snoozed cases, their own index)."""
    return conn.execute(
        f"SELECT created_at, {band_sql('priority')} FROM cases WHERE id IN"
        " (SELECT id FROM cases WHERE snoozed_until IS NOT NULL AND snoozed_until > ?)"
        f" AND status IN {ACTIVE}", (now,)).fetchall()


def due_soon(conn: sqlite3.Connection, now: str, before: str, limit: int
             ) -> list[sqlite3.Row]:
    """The unsolved cases whose next SLA due time comes before `before`: the ones still to
    come first (soonest first: there is time to save them), then the breached, the latest
    breach first, in at least half the rows when there are that many. Earliest first, a
    morning with more breached cases than the list holds showed none of those about to
    breach; longest late first, a case that breached while a supervisor watched fell off
    the end of the list; with no room kept, a busy hour ahead hid every breach."""
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    columns = "id, subject, queue, owner, status, priority, sla_due, channel"
    coming = cur.execute(f"SELECT {columns} FROM cases WHERE status IN {ACTIVE} AND {DUE} >= ?"
                         f" AND {DUE} < ? ORDER BY {DUE}, id LIMIT ?",
                         (now, before, limit)).fetchall()
    late = cur.execute(f"SELECT {columns} FROM cases WHERE status IN {ACTIVE} AND {DUE} < ?"
                       f" ORDER BY {DUE} DESC, id LIMIT ?", (now, limit)).fetchall()
    kept = min(len(late), max(limit - len(coming), limit // 2))
    return coming[:limit - kept] + late[:kept]


def due_soon_count(conn: sqlite3.Connection, before: str) -> int:
    return conn.execute(f"SELECT count(*) FROM cases WHERE status IN {ACTIVE}"
                        f" AND {DUE} < ?", (before,)).fetchone()[0]


def owners_load(conn: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    """owner -> (open or new cases, pending or on hold), from the tallies."""
    load: dict[str, list[int]] = {}
    for name, owner, n in conn.execute("SELECT name, key, n FROM tallies WHERE name IN"
                                       " ('working', 'held') AND n != 0"):
        load.setdefault(owner, [0, 0])[name == "held"] += n
    return {owner: (working, held) for owner, (working, held) in load.items()}


def hourly(conn: sqlite3.Connection, since: str) -> dict[str, dict[str, int]]:
    """Tally name -> UTC hour ("YYYY-MM-DD HH") -> count, of the hours since `since`:
    cases opened, solved, ever solved (finished), came back, ever assigned, bounced."""
    found: dict[str, dict[str, int]] = {}
    for name, hour, n in conn.execute(
            "SELECT name, bucket, sum(n) FROM tallies WHERE name IN ('opened', 'solved',"
            " 'finished', 'came_back', 'assigned', 'bounced') AND bucket >= ?"
            " GROUP BY name, bucket", (since[:13],)):
        found.setdefault(name, {})[hour] = n
    return found


def opened_since(conn: sqlite3.Connection, since: str) -> list[sqlite3.Row]:
    """The cases opened since `since` (the created_at index), not merged into another
    (the case they joined counts): where they are, who has them, and their first reply
    against its own due time, and who wrote it (not always who has the case now)."""
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    return cur.execute("SELECT queue, channel, owner, status, solved_at, paused_at,"
                       " first_response_at, first_response_seconds, sla_first_response_due,"
                       " first_replier"
                       " FROM cases WHERE created_at >= ? AND merged_into IS NULL",
                       (since,)).fetchall()


def solved_by(conn: sqlite3.Connection, since: str) -> dict[str, int]:
    """Who solved the cases solved since `since` (the solved_at index), not who owns them
    (a supervisor's solve of dave's case was dave's)."""
    return dict(conn.execute("SELECT solved_by, count(*) FROM cases WHERE solved_at >= ?"
                             " AND solved_by IS NOT NULL GROUP BY solved_by",
                             (since,)).fetchall())


def csat_since(conn: sqlite3.Connection, since: str) -> tuple[int, float | None, int]:
    """(answers, mean score, answers of 4 or 5) given since `since`."""
    row = conn.execute("SELECT count(*), avg(score), coalesce(sum(score >= 4), 0) FROM csat"
                       " WHERE answered_at >= ? AND score IS NOT NULL", (since,)).fetchone()
    return row[0], row[1], row[2]


def came_back_about(conn: sqlite3.Connection, since: str, limit: int = 3
                    ) -> list[tuple[str, int]]:
    """What the cases opened since `since` that came back after being solved were about
    (their intent, else their queue), most common first (the tallies)."""
    return conn.execute(
        "SELECT key, sum(n) FROM tallies WHERE name = 'came_back' AND bucket >= ?"
        " GROUP BY key HAVING sum(n) > 0 ORDER BY 2 DESC, 1 LIMIT ?",
        (since[:13], limit)).fetchall()
