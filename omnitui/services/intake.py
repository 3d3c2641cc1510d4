"""The ingest pipeline as every intake runs it (the daemon, imports, the demo, a contact
logged by hand): after a message is filed, in the same transaction, its case's SLA clocks are
replayed and a new or reopened case is routed to an agent."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from omnitui.config import Settings
from omnitui.model import InboundEvent, IngestResult
from omnitui.services.routing import Router
from omnitui.services.sla import SlaKeeper
from omnitui.store.db import Store, utc_now

if TYPE_CHECKING:
    from omnitui.ingest.pipeline import Pipeline


def intake_pipeline(store: Store, settings: Settings) -> Pipeline:
    """(The pipeline is imported here: a script's `omnitui tag` starts without it.)"""
    from omnitui.ingest.pipeline import Pipeline

    router, keeper = Router(settings), SlaKeeper(settings)

    def after_filing(conn: sqlite3.Connection, event: InboundEvent,
                     result: IngestResult) -> None:
        if result.case_id is None:
            return
        keeper.refresh(conn, result.case_id)
        if result.new_case or result.reopened:
            # As of the message, the moment its case's clocks start (now, for live traffic;
            # the demo's story replays its days).
            router.came_in(conn, result.case_id, new=result.new_case,
                           reopened=result.reopened, now=min(event.occurred_at, utc_now()))
    return Pipeline(store, settings, [after_filing])
