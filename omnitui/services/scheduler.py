"""The daemon's clock: what happens because time passed, not because someone acted.

A snooze that has ended is cleared and audited ("case.woke"), so every console refreshes
and the case is back in the queues at once with the reason on its history; without this, a
console would notice the case only at the next unrelated change. An SLA target at risk or
breached fires its queue's escalation, once each, audited. (Retries of failed replies are the
outbox's own due times; routing's time-driven part is services/routing.py's.)
"""

from __future__ import annotations

from datetime import datetime

from omnitui.services.actions import edit
from omnitui.services.routing import Router
from omnitui.services.sla import SlaKeeper
from omnitui.store.cases import due_alarms, due_snoozes
from omnitui.store.db import Store, db_time

ACTOR = "omnitui-daemon"
BATCH = 50  # cases per transaction: about 0.1 s of the write lock, other writers between


def wake_snoozed(store: Store, now: datetime) -> list[int]:
    """Wake every case whose snooze has ended (by BATCH per transaction); returns their ids.
    Looks first without the write lock, since nearly every tick finds nothing."""
    at = db_time(now)
    woken: list[int] = []
    while due_snoozes(store.conn, at, 1):
        with store.write() as conn:
            due = due_snoozes(conn, at, BATCH)
            for case_id, until in due:
                edit(conn, case_id, {"snoozed_until": None}, actor=ACTOR, at=now,
                     action="case.woke", reason=f"the snooze until {until} UTC ended")
        woken += [case_id for case_id, _ in due]
    return woken


def fire_sla_alarms(store: Store, router: Router, keeper: SlaKeeper, now: datetime) -> list[int]:
    """Escalate every case whose SLA target has come at risk or been breached since the
    last tick (found by the alarm index, BATCH at a time); returns their ids. Each case seen
    is replayed again, which moves its alarm on to the next moment."""
    fired: list[int] = []
    while due := due_alarms(store.conn, db_time(now), BATCH):
        with store.write() as conn:
            alarms = list(keeper.alarms(conn, due, now))
            for case_id, trigger, why in alarms:
                router.escalate(conn, case_id, trigger, why, now)
            for case_id in due:
                keeper.refresh(conn, case_id)
        fired += [case_id for case_id, _, _ in alarms]
        if not alarms:
            break  # alarms that were stale, now moved on: nothing more to fire now
    return list(dict.fromkeys(fired))
