"""Schema 35's data step: the cases we opened by writing first answer nobody till the
customer writes.

Before schema 35 our opening message (`omnitui new`, `c`, our own mail the intake filed)
was the case's first reply: "first reply in 0 min" on the board, in the reports and in the
acknowledgement's typical wait, credited to whoever opened it. Each such case's first, first
meaningful and last answer are worked out again (`cases.answered_again`: from the customer's
first message on), and the durations the clocks had stored for them are cleared: the daemon
replays the unsolved ones at its next start (services/sla_rules.py); a solved one counts in
no first-reply figure unless `omnitui sla recompute --solved` replays it.
"""

from __future__ import annotations

import sqlite3

from omnitui.store.cases import answered_again, opened_by_us


def migrate(conn: sqlite3.Connection) -> None:
    answered_as_opened = [row[0] for row in conn.execute(  # what our opening message made
        "SELECT id FROM cases WHERE first_response_at IS NOT NULL"  # (a scan of the cases,
        " AND first_response_at <= created_at")]  # once; few of them are ours)
    for case_id in answered_as_opened:
        if opened_by_us(conn, case_id):
            answered_again(conn, case_id)
            conn.execute("UPDATE cases SET first_response_seconds = NULL,"
                         " meaningful_response_seconds = NULL WHERE id = ?", (case_id,))
