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
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from omnitui.config import Settings
from omnitui.model import SYNCHRONOUS_CHANNELS, Status
from omnitui.services.routing import Router
from omnitui.services.sla import SlaKeeper
from omnitui.store import cases as case_store
from omnitui.store.audit import record_audit
from omnitui.store.db import Store, db_time, parse_db_time, stored_time
from omnitui.triage.priority import Facts, Score, score
from omnitui.vocabulary import ROUTER

BATCH = 500
WAITING = (Status.NEW, Status.OPEN)


class Upkeep:
    def __init__(self, settings: Settings, router: Router | None = None) -> None:
        self.settings = settings
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
    def bulk(self, store: Store) -> Iterator[None]:
        """Around a load of many batches (an import, the daemon's backlog): a case whose
        messages come in several batches is brought up to date once, when the load ends
        (10,000 messages of a mailbox touched 2,411 cases in 8,522 batch refreshes). Each
        batch marks its cases in `upkeep_due` as it commits, so a load killed midway leaves
        them marked: the next load's end, or the daemon's scheduler, finishes them."""
        self._deferred = True
        try:
            yield
        finally:
            self._deferred = False
        finish_due(store, self)

    def refresh(self, conn: sqlite3.Connection, case_id: int, now: datetime) -> None:
        """The case's clocks replayed and its score recomputed, written in one statement
        (in a batch: when it ends)."""
        if self._pending is not None:
            self._pending[case_id] = now
        else:
            self._refresh(conn, case_id, now)

    def _refresh(self, conn: sqlite3.Connection, case_id: int, now: datetime) -> None:
        """A case that is gone (an undone split-off, a filing its savepoint took back) has
        nothing to keep up to date."""
        case = case_store.get_case(conn, case_id)
        if case is None:
            return
        values = self.sla.replayed(conn, case)
        self._rescore(conn, case, now, values)

    def rescore(self, conn: sqlite3.Connection, case_id: int, now: datetime) -> None:
        """The score alone (the waiting part rose; nothing else happened)."""
        self._rescore(conn, case_store.require_case(conn, case_id), now, {})

    def _rescore(self, conn: sqlite3.Connection, case: case_store.Row, now: datetime,
                 values: dict[str, object]) -> None:
        if case["priority_by"]:  # held by hand: the agent's number stands
            parts: list[tuple[str, float]] = [(f"set by {case['priority_by']}",
                                               case["priority"])]
            case_store.set_clocks(conn, case, {
                **values, "priority_parts": json.dumps(parts), "rescore_at": None})
            return
        found = self.score(conn, case, now)
        case_store.set_clocks(conn, case, {
            **values, "priority": found.total, "priority_parts": json.dumps(found.parts),
            "rescore_at": db_time(found.next_step) if found.next_step else None})
        if case["status"] in (Status.SOLVED, Status.CLOSED):
            return
        threshold = self.settings.priority.escalate_at
        if threshold and found.total >= threshold:
            self.router.escalate(conn, case["id"], "priority",
                                 f"priority {found.total:g} reached {threshold:g}", now)
        if self.settings.triage.escalate_irritated and case["irritation"]:
            self.router.escalate(conn, case["id"], "irritated",
                                 f"the customer is irritated ({case['irritation']})", now)

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


def finish_due(store: Store, upkeep: Upkeep) -> int:
    """Bring up to date the cases bulk loads marked, BATCH to a transaction; returns how
    many. A case marked again meanwhile (a load still running) keeps its later mark."""
    done = after = 0
    while due := case_store.upkeep_due(store.conn, after, BATCH):
        with store.write() as conn:
            for case_id, as_of in due:
                upkeep.refresh(conn, case_id, parse_db_time(as_of))
                case_store.clear_upkeep_due(conn, case_id, as_of)
        done += len(due)
        after = due[-1][0]
    return done


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

