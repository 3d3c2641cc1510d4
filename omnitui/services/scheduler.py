"""The daemon's clock: what happens because time passed, not because someone acted.

A snooze that has ended is cleared and audited ("case.woke"), so every console refreshes
and the case is back in the queues at once with the reason on its history; without this, a
console would notice the case only at the next unrelated change. (Retries of failed replies
are the outbox's own due times, and SLA states are computed when shown.)
"""

from __future__ import annotations

from datetime import datetime

from omnitui.services.actions import edit
from omnitui.store.cases import due_snoozes
from omnitui.store.db import Store, db_time

ACTOR = "omnitui-daemon"
BATCH = 200


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
