"""Old conversations an import brings in are history, not the team's work.

A team's first `omnitui import` is usually its old mailbox: years of conversations answered
in another tool, whose replies are not in the mailbox. Filed as they came, each became an
open case late by months: the queue buried under them, the board's waiting and late counts
meaningless, and every breach escalated by the daemon's scheduler. So an import solves each
case of its mail whose newest message is older than a cutoff (`omnitui import
--history-before`, 30 days ago by default), with the reason on the case: searchable, on the
customer's timeline, and a new message from the customer threads to it like to any solved
case. Its clocks stop at the import, but `solved_at` is its last message's time, so the
board's "solved today" and the reports' days are not the import's.

Only cases nobody of the team has touched: no agent's reply, note or action on it (a case
the daemon filed a month ago and an agent is working on stays as it is). The daemon does the
same with the mail a folder's first sync fetches (`[[mailboxes]] history_days`, 30 by
default): what an old inbox held before omnitui (`FirstSync`).

The solving is the load's `ending` (services/upkeep.py): done a run of cases at a time as the
load's end reaches them, while its helper processes work out the clocks of the runs before
(on 10,000 messages, solving 2,399 cases cost 0.45 s as a step of its own).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import islice
from typing import TYPE_CHECKING

from omnitui.ingest.persist import ACTOR
from omnitui.model import Status
from omnitui.services.actions import set_status
from omnitui.store.cases import mark_upkeep_due, quiet_cases
from omnitui.store.db import Store, db_time, parse_db_time, utc_now
from omnitui.store.messages import clear_history_marks, history_cases

if TYPE_CHECKING:
    from omnitui.ingest.pipeline import Due

HISTORY_DAYS = 30  # the default cutoff: conversations quiet for longer are history
RUN = 512  # marked cases a transaction (about 0.1 s of the write lock)


def default_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=HISTORY_DAYS)


class _Ending:
    """A load's `ending` that solves some of each run of marked cases as history, in one
    transaction a run, and moves their marks to the solve; `solved` counts them."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.solved = 0

    def __call__(self, marked: Iterator[Due]) -> Iterator[Due]:
        while run := list(islice(marked, RUN)):
            moved = self._solving([case_id for case_id, _ in run])
            yield from ((case_id, moved.get(case_id, as_of)) for case_id, as_of in run)
        yield from self._after()

    def _solving(self, case_ids: list[int]) -> dict[int, str]:
        with self.store.write() as conn:
            moved = self._solve(conn, case_ids)
        self.solved += len(moved)
        return moved

    def _solve(self, conn: sqlite3.Connection, case_ids: list[int]) -> dict[int, str]:
        raise NotImplementedError

    def _after(self) -> Iterator[Due]:
        """What the load's end works out besides its marks."""
        return iter(())


class History(_Ending):
    """An import's `ending`: solve each of `case_ids` (the cases its mail was filed on, new
    or not) that is new or open, untouched by the team, and quiet since `before`; then the
    cases of the mail that were not marked (stored by an earlier run), solved and marked."""

    def __init__(self, store: Store, case_ids: set[int], before: datetime) -> None:
        super().__init__(store)
        self.case_ids = case_ids
        self.before = before
        self.seen: set[int] = set()  # met among the marks (`case_ids` fills as mail is filed)

    def _solve(self, conn: sqlite3.Connection, case_ids: list[int]) -> dict[int, str]:
        self.seen.update(case_ids)
        return solve_quiet(conn, [c for c in case_ids if c in self.case_ids], self.before,
                           f"imported as history: no message since {self.before:%Y-%m-%d}")

    def _after(self) -> Iterator[Due]:
        ordered = sorted(self.case_ids - self.seen)
        self.seen.update(ordered)
        for start in range(0, len(ordered), RUN):
            yield from sorted(self._solving(ordered[start:start + RUN]).items())


class FirstSync(_Ending):
    """The daemon's filing `ending`: the cases of the mail a folder's first sync fetched
    (its raw rows carry the sync's cutoff, `[[mailboxes]] history_days` before it) are solved
    as history when untouched and quiet since then; the filed rows' cutoffs are cleared at
    the end. A case of that mail that a later message keeps busy stays open."""

    def _solve(self, conn: sqlite3.Connection, case_ids: list[int]) -> dict[int, str]:
        by_cutoff: dict[str, list[int]] = {}
        for case_id, cutoff in history_cases(conn, case_ids):
            by_cutoff.setdefault(cutoff, []).append(case_id)
        moved: dict[int, str] = {}
        for cutoff, mine in by_cutoff.items():
            moved.update(solve_quiet(conn, mine, parse_db_time(cutoff),
                                     f"history from the mailbox's first sync: no message "
                                     f"since {cutoff[:10]}"))
        return moved

    def _after(self) -> Iterator[Due]:
        with self.store.write() as conn:
            clear_history_marks(conn)
        return iter(())


def solve_quiet(conn: sqlite3.Connection, case_ids: list[int], before: datetime,
                why: str) -> dict[int, str]:
    """Solve those of `case_ids` that are new or open, untouched by the team and quiet since
    `before`: now, as their clocks and history tell it, but solved at their last message's
    time in the reports (the board's "solved today" is not the load's); their new upkeep
    marks, as of each solve."""
    if not case_ids:
        return {}
    now = utc_now()
    solves = {}
    for case_id, newest, received in quiet_cases(conn, case_ids, db_time(before), ACTOR):
        # the clocks put what falls in one second status first: a message filed in the
        # solve's second would seem to come after it and reopen the case
        at = max(now, parse_db_time(received) + timedelta(seconds=1))
        set_status(conn, case_id, Status.SOLVED, actor=ACTOR, at=at, why=why,
                   ended=parse_db_time(newest), history_before=before)
        solves[case_id] = db_time(at)
    mark_upkeep_due(conn, solves)  # their clocks and scores as of the solve
    return solves
