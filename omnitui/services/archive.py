"""Old conversations an import brings in are history, not the team's work.

A team's first `omnitui import` is usually its old mailbox: years of conversations answered
in another tool, whose replies are not in the mailbox. Filed as they came, each became an
open case late by months: the queue buried under them, the board's waiting and late counts
meaningless, and every breach escalated by the daemon's scheduler. So an import files each
case it brought whose newest message is older than a cutoff (`omnitui import
--history-before`, 30 days ago by default) as solved, at that message's time, with the reason
on the case: searchable, on the customer's timeline, counted in the reports of its own days,
and a new message from the customer threads to it like to any solved case.

Only cases nobody of the team has touched: no agent's reply, note or action on it (a case the
daemon filed a month ago and an agent is working on stays as it is).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime, timedelta

from omnitui.ingest.persist import ACTOR
from omnitui.model import Status
from omnitui.services.actions import set_status
from omnitui.store.cases import mark_upkeep_due
from omnitui.store.db import Store, db_time, parse_db_time, utc_now

HISTORY_DAYS = 30  # the default cutoff: conversations quiet for longer are history
BATCH = 500  # cases a transaction


def default_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=HISTORY_DAYS)


def solve_as_history(store: Store, case_ids: Iterable[int], before: datetime) -> int:
    """Solve each of `case_ids` that is new or open, untouched by the team, and whose newest
    message is older than `before`: now, as its clocks and history tell it, but solved
    at that message's time in the reports (the board's "solved today" is not the import's);
    returns how many."""
    why = f"imported as history: no message since {before:%Y-%m-%d}"
    now = utc_now()  # when it happens: after the messages as the clocks replay them
    solved = 0
    ordered = sorted(set(case_ids))
    for start in range(0, len(ordered), BATCH):
        chunk = tuple(ordered[start:start + BATCH])
        with store.write() as conn:
            quiet = _quiet_since(conn, chunk, db_time(before))
            solves = {}
            for case_id, newest, received in quiet:
                # the clocks order what falls in one second status first: a message filed
                # in the solve's second would seem to come after it and reopen the case
                at = max(now, parse_db_time(received) + timedelta(seconds=1))
                set_status(conn, case_id, Status.SOLVED, actor=ACTOR, at=at, why=why,
                           ended=parse_db_time(newest))
                solves[case_id] = db_time(at)
            mark_upkeep_due(conn, solves)  # their clocks and scores as of the solve
            solved += len(quiet)
    return solved


def _quiet_since(conn: sqlite3.Connection, case_ids: tuple[int, ...],
                 before: str) -> list[tuple[int, str, str]]:
    """(case, its newest message's time, when we received the last) of those of `case_ids`
    new or open, with no audit row from a person (the pipeline and omnitui's own automations
    are not the team), and no message since `before`."""
    marks = ", ".join("?" * len(case_ids))
    return conn.execute(
        f"SELECT c.id, max(m.created_at), max(m.received_at) FROM cases c"
        f" JOIN messages m ON m.case_id = c.id"
        f" WHERE c.id IN ({marks}) AND c.status IN (?, ?) AND NOT EXISTS ("
        f"  SELECT 1 FROM audit a WHERE a.case_id = c.id AND a.actor != ?"
        f"  AND a.actor NOT LIKE 'omnitui-%')"
        f" GROUP BY c.id HAVING max(m.created_at) < ?",
        (*case_ids, Status.NEW, Status.OPEN, ACTOR, before)).fetchall()
