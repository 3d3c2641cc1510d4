"""What other processes changed, cheaply: the console's refresh feed.

`data_version` changes whenever another connection commits (polling it costs microseconds);
the audit table, whose ids only grow, then says which cases changed, so a console refreshes
just those rows.
"""

from __future__ import annotations

import sqlite3


def data_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA data_version").fetchone()[0]


def last_change(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0]


def changed_cases_since(conn: sqlite3.Connection, after: int) -> tuple[int, set[int]]:
    """(the newest change id, the cases changed after `after`)."""
    rows = conn.execute("SELECT id, case_id FROM audit WHERE id > ? ORDER BY id",
                        (after,)).fetchall()
    if not rows:
        return after, set()
    return rows[-1][0], {case_id for _, case_id in rows if case_id is not None}
