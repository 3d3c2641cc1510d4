"""What a case's own numbers become after anything happens to it: its SLA clocks replayed
(services/sla.py) and its priority score recomputed (triage/priority.py), in the transaction
of the change; a score at `escalate_at` escalates along the queue's path, once. Every place
that changes cases calls `refresh`: the Desk, the intake pipeline, the demo. The scheduler
calls `rescore` for the cases whose waiting points rise.

A re-score is not an agent's edit: it bumps no version and writes no audit row per case (a
pass writes one summary row). A priority set by hand (`p`, a macro) holds until an agent
clears it; escalations raise it, as they raise a computed one.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import cache, partial
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

from omnitui.config import Settings
from omnitui.model import FINISHED_STATUSES, SYNCHRONOUS_CHANNELS, Status
from omnitui.records import record
from omnitui.services.actions import ESCALATED
from omnitui.services.routing import Router
from omnitui.services.sla import SlaKeeper
from omnitui.store import cases as case_store
from omnitui.store.audit import record_audit
from omnitui.store.db import Store, db_time, parse_db_time, stored_time, utc_now
from omnitui.triage.priority import Facts, Score, score
from omnitui.vocabulary import ROUTER

if TYPE_CHECKING:
    from omnitui.ingest.pipeline import Due, Ending
    from omnitui.ingest.readahead import Helpers

BATCH = 500
HELPED_WINDOW = 512  # cases handed to a load's helpers a round, and written a transaction (about
# 60 ms of the write lock): 10,000 messages' 2,411 cases took 0.38-0.46 s at 64 or 128, 0.34-0.37 s
WAITING = (Status.NEW, Status.OPEN)


@record
class Worked:
    """A case's upkeep worked out from its row as read (`row`, its values): the columns
    that change and the escalations to make (trigger, why), nothing written yet."""

    case_id: int
    row: tuple[object, ...]
    changes: dict[str, object]
    escalations: tuple[tuple[str, str], ...] = ()


class Upkeep:
    def __init__(self, settings: Settings, router: Router | None = None, *,
                 clock: Callable[[], datetime] = utc_now) -> None:
        """`clock`: when what the upkeep does happens (the demo's story time): an escalation
        and the assignments it makes, though the case is worked out as of its message."""
        self.settings = settings
        self.clock = clock
        self.sla = SlaKeeper(settings)
        self.router = router or Router(settings)
        self._pending: dict[int, datetime] | None = None  # in a batch: case -> as of when
        self._deferred = False  # in a bulk load: a batch marks its cases, the load's end
                                # refreshes them

    @contextmanager
    def batched(self, conn: sqlite3.Connection) -> Iterator[None]:
        """Inside a bulk load's transaction (an import, the demo): each case touched is
        brought up to date once, when the batch ends, not after each of its messages (in a
        `bulk` load: marked, in the same transaction, for the load's end)."""
        self._pending = {}
        try:
            yield
            if self._deferred:
                case_store.mark_upkeep_due(conn, {case_id: db_time(now) for case_id, now
                                                  in self._pending.items()})
            else:
                for case_id, now in self._pending.items():
                    self._refresh(conn, case_id, now)
        finally:
            self._pending = None

    @contextmanager
    def bulk(self, store: Store, helpers: Helpers | None = None,
             ending: Ending | None = None) -> Iterator[None]:
        """Around a load of many batches (an import, the daemon's backlog): a case whose
        messages come in several batches is brought up to date once, when the load ends
        (10,000 messages of a mailbox touched 2,411 cases in 8,522 batch refreshes). Each
        batch marks its cases in `upkeep_due` as it commits, so a load killed midway leaves
        them marked: the next load's end, or the daemon's scheduler, finishes them.
        `helpers`: the load's worker processes, to share that end's work; `ending`: the
        load's own last step, on each case as the end reaches it."""
        self._deferred = True
        try:
            yield
        finally:
            self._deferred = False
        finish_due(store, self, helpers, ending)

    def refresh(self, conn: sqlite3.Connection, case_id: int, now: datetime) -> None:
        """The case's clocks replayed and its score recomputed, written in one statement
        (in a batch: when it ends)."""
        if self._pending is not None:
            self._pending[case_id] = now
        else:
            self._refresh(conn, case_id, now)

    def _refresh(self, conn: sqlite3.Connection, case_id: int, now: datetime) -> None:
        if (worked := self.work_out(conn, case_id, now)) is not None:
            self.apply(conn, worked, now)

    def rescore(self, conn: sqlite3.Connection, case_id: int, now: datetime) -> None:
        """The score alone (the waiting part rose; nothing else happened)."""
        self.apply(conn, self._worked(conn, case_store.require_case(conn, case_id), now, {}),
                   now)

    def work_out(self, conn: sqlite3.Connection, case_id: int,
                 now: datetime) -> Worked | None:
        """What the case's upkeep comes to, read and reckoned but not written (a helper
        process of a bulk load may do this); None: the case is gone (an undone split-off,
        a filing its savepoint took back), nothing to keep up to date."""
        case = case_store.get_case(conn, case_id)
        if case is None:
            return None
        return self._worked(conn, case, now, self.sla.replayed(conn, case))

    def apply(self, conn: sqlite3.Connection, worked: Worked, now: datetime) -> None:
        """Write what was worked out, then escalate, by the clock (a case worked out as of
        its message escalates when it does); an escalation that moved the case to another
        queue, whose SLA policy it takes, has it worked out again (each trigger fires once,
        so this ends)."""
        case_store.set_clocks(conn, worked.case_id, worked.changes)
        if not worked.escalations:
            return
        queue = case_store.require_case(conn, worked.case_id)["queue"]
        acting = max(now, self.clock())  # not as of an imported mail's Date, years ago: its
        # escalation's audit row went before the import's, and the agent it gave the case
        # to read as idle since then, first in routing's ties
        for trigger, why in worked.escalations:
            self.router.escalate(conn, worked.case_id, trigger, why, acting)
        if case_store.require_case(conn, worked.case_id)["queue"] != queue:
            self._refresh(conn, worked.case_id, now)

    def _worked(self, conn: sqlite3.Connection, case: case_store.Row, now: datetime,
                values: dict[str, object]) -> Worked:
        if case["priority_by"]:  # held by hand: the agent's number stands, with what
            # escalations raised it by since (actions.raised)
            return Worked(case["id"], tuple(case), case_store.changed_columns(case, {
                **values, "priority_parts": json.dumps(_held_parts(case)),
                "rescore_at": None}))
        found = self.score(conn, case, now)
        changes = case_store.changed_columns(case, {
            **values, "priority": found.total, "priority_parts": json.dumps(found.parts),
            "rescore_at": db_time(found.next_step) if found.next_step else None})
        escalations = []
        if case["status"] not in FINISHED_STATUSES:
            threshold = self.settings.priority.escalate_at
            if threshold and found.total >= threshold:
                escalations.append(("priority",
                                    f"priority {found.total:g} reached {threshold:g}"))
            if self.settings.triage.escalate_irritated and case["irritation"]:
                escalations.append(("irritated",
                                    f"the customer is irritated ({case['irritation']})"))
        return Worked(case["id"], tuple(case), changes, tuple(escalations))

    def score(self, conn: sqlite3.Connection, case: case_store.Row, now: datetime) -> Score:
        read = case_store.score_facts(conn, case["id"], case["customer_id"])
        waiting = stored_time(read.waiting_since) if case["status"] in WAITING else None
        policy = self.sla.policy(case["queue"], case["sla_policy"])
        facts = Facts(tier=case["tier"], severity=case["severity"], urgent=read.urgent,
                      live_channel=case["channel"] in SYNCHRONOUS_CHANNELS,
                      sentiment=read.sentiment, irritated=case["irritation"] is not None,
                      attributes=read.attributes, waiting_since=waiting,
                      boost=case["priority_boost"])
        return score(facts, self.settings.priority, self.sla.calendar(policy), now)


def finish_due(store: Store, upkeep: Upkeep, helpers: Helpers | None = None,
               ending: Ending | None = None) -> int:
    """Bring up to date the cases bulk loads marked, BATCH to a transaction; returns how
    many. A case marked again meanwhile (a load still running) keeps its later mark.
    `ending` sees the marks first, as they are read (so its writes run while the helpers
    work out the cases before).

    With `helpers` (the load's worker processes), they work each case's upkeep out from the
    committed store while this process writes what they found: the writing alone is left on
    the load's critical path. A case whose row changed since they read it (an agent acted on
    it meanwhile) is worked out again here; every change that moves a case's clocks or score
    (a message, an action) changes its row."""
    marked = _marked(store.conn)
    if ending is not None:
        marked = ending(marked)
    if helpers is None or not helpers.workers:
        worked, batch = ((item, None) for item in marked), BATCH
    else:  # a transaction a round: the helpers work out the next while this one writes
        batch = HELPED_WINDOW
        worked = helpers.read_ahead(partial(worked_out, store.path, upkeep.settings), marked,
                                    window=batch)
    done = 0
    while chunk := list(islice(worked, batch)):
        with store.write() as conn:
            for (case_id, as_of), found in chunk:
                now = parse_db_time(as_of)
                if found is None or tuple(case_store.get_case(conn, case_id) or ()) != found.row:
                    upkeep.refresh(conn, case_id, now)
                else:
                    upkeep.apply(conn, found, now)
                case_store.clear_upkeep_due(conn, case_id, as_of)
            # one summary row, as the re-score pass writes: a console open meanwhile reads
            # its views again (it follows the audit), or it kept showing these cases with
            # no clocks, in the order they had without them
            record_audit(conn, actor=ROUTER, action="cases.rescored",
                         reason=f"{len(chunk)} cases' clocks and scores worked out at the "
                                "end of an import or a backlog")
        done += len(chunk)
    return done


def _marked(conn: sqlite3.Connection) -> Iterator[Due]:
    """(case, as of) of every marked case, in case order, BATCH rows a query."""
    after = 0
    while due := case_store.upkeep_due(conn, after, BATCH):
        yield from due
        after = due[-1][0]


def worked_out(path: Path, settings: Settings, due: list[tuple[int, str]]) -> list[Worked | None]:
    """In a helper process: the upkeep of marked cases, worked out from the store as
    committed (this process only reads it), in one read transaction: one snapshot, and the
    WAL's read lock taken once rather than by each of the cases' queries."""
    upkeep = Upkeep(settings)
    conn = _reader(path, os.getpid()).conn
    conn.execute("BEGIN")
    try:
        return [upkeep.work_out(conn, case_id, parse_db_time(as_of))
                for case_id, as_of in due]
    finally:
        conn.execute("ROLLBACK")


@cache
def _reader(path: Path, pid: int) -> Store:
    """A helper process's own connection to the store, kept for the load (by process: a
    forked one must never use its parent's)."""
    return Store(path, migrate=False)


def rescore_due(store: Store, upkeep: Upkeep, now: datetime) -> int:
    """The scheduler's pass: re-score the cases whose waiting points rise by now (found by
    index), with one summary audit row; returns how many."""
    done = 0
    while due := case_store.due_rescores(store.conn, db_time(now), BATCH):
        with store.write() as conn:
            for case_id in due:
                upkeep.rescore(conn, case_id, now)
            record_audit(conn, actor=ROUTER, action="cases.rescored",
                         reason=f"{len(due)} cases re-scored: waiting for an answer grew",
                         at=db_time(now))
        done += len(due)
    return done


def _held_parts(case: case_store.Row) -> list[tuple[str, float]]:
    """A held score's breakdown: who set it and to what, and the escalations since."""
    label = f"set by {case['priority_by']}"
    parts = json.loads(case["priority_parts"] or "[]")
    since = sum(points for name, points in parts if name == ESCALATED) \
        if parts and parts[0][0] == label else 0
    return [(label, case["priority"] - since), *([(ESCALATED, since)] if since else [])]
