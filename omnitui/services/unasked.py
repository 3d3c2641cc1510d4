"""Cases nobody needs to answer, solved as they open.

A bounce that returns no mail of ours (spam sent in our name: backscatter; or mail sent from
elsewhere that the store never had), and our own automatic mail sent outside omnitui (a
shop's order confirmation from the support address, marked Auto-Submitted or bulk) each
opened a case: the bounce a new one with a first-response clock in the queue, push routing
giving it to an agent; the confirmation one pending on "their answer to our mail", for ever,
one per order. Nobody can answer either. Each is solved as it opens, saying why; it stays
in the customer's timeline and findable, and an answer to it reopens it as any answer to a
solved case does.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from omnitui.model import BOUNCE, InboundEvent, IngestResult, Status
from omnitui.services.actions import set_status

ACTOR = "ingest"


def solve_unasked(conn: sqlite3.Connection, event: InboundEvent, result: IngestResult,
                  now: datetime) -> bool:
    """Solve the case `event` opened if nobody needs to answer it; whether it did. (Solved
    a second on: the clocks read what falls in one second status first, and the message
    itself would reopen it.)"""
    if not result.new_case or result.case_id is None or (why := _why(event)) is None:
        return False
    set_status(conn, result.case_id, Status.SOLVED, actor=ACTOR, at=now + timedelta(seconds=1),
               why=why, ended=min(event.occurred_at, now))  # an import's old mail: the
    return True  # reports count it solved on its own day, not the import's


def _why(event: InboundEvent) -> str | None:
    if event.auto_submitted == BOUNCE:
        return ("a bounce of mail the store has no record of (backscatter, or mail sent "
                "elsewhere): nothing to answer")
    if event.sent_by and event.auto_submitted:
        return (f"our own automatic mail ({event.auto_submitted}), sent outside omnitui: "
                "nothing waits on an answer to it")
    return None
