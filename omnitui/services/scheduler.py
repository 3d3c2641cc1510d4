"""The daemon's clock: what happens because time passed, not because someone acted.

A snooze that has ended is cleared and audited ("case.woke"), so every console refreshes
and the case is back in the queues at once with the reason on its history; without this, a
console would notice the case only at the next unrelated change. An SLA target at risk or
breached fires its queue's escalation, once each, audited. (Retries of failed replies are the
outbox's own due times; routing's time-driven part is services/routing.py's.)
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from omnitui.services.actions import edit
from omnitui.services.routing import Router
from omnitui.services.sla import SlaKeeper
from omnitui.store.cases import due_alarms, due_snoozes, get_case
from omnitui.store.db import Store, db_time, in_turns

ACTOR = "omnitui-daemon"
BATCH = 200  # due cases read at a time (written a few to a transaction)


def wake_snoozed(store: Store, now: datetime) -> list[int]:
    """Wake every case whose snooze has ended, a few to a transaction (store.in_turns);
    returns their ids. Looks first without the write lock, since nearly every tick finds
    nothing."""
    at = db_time(now)

    def wake(conn: sqlite3.Connection, due: tuple[int, str]) -> int | None:
        case_id, until = due
        case = get_case(conn, case_id)
        if case is None or case["snoozed_until"] != until:
            return None  # an agent woke it or snoozed it again since it was read
        edit(conn, case_id, {"snoozed_until": None}, actor=ACTOR, at=now,
             action="case.woke", reason=f"the snooze until {until} UTC ended")
        return case_id

    woken: list[int] = []
    while due := due_snoozes(store.conn, at, BATCH):
        woken += [case_id for case_id in in_turns(store, due, wake) if case_id is not None]
    return woken


def fire_sla_alarms(store: Store, router: Router, keeper: SlaKeeper, now: datetime) -> list[int]:
    """Escalate every case whose SLA target has come at risk or been breached since the
    last tick (found by the alarm index, a few to a transaction); returns their ids. Each
    case seen is replayed again, which moves its alarm on to the next moment."""

    def fire(conn: sqlite3.Connection, case_id: int) -> bool:
        alarms = list(keeper.alarms(conn, [case_id], now))
        for _, trigger, why in alarms:
            router.escalate(conn, case_id, trigger, why, now)
        keeper.refresh(conn, case_id)
        return bool(alarms)

    fired: list[int] = []
    while due := due_alarms(store.conn, db_time(now), BATCH):
        escalated = in_turns(store, due, fire)
        fired += [case_id for case_id, did in zip(due, escalated, strict=True) if did]
        if not any(escalated):
            break  # alarms that were stale, now moved on: nothing more to fire now
    return list(dict.fromkeys(fired))
