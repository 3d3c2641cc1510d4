"""The ingest pipeline as every intake runs it (the daemon, imports, the demo, a contact
logged by hand): after a message is filed, in the same transaction, its case's SLA clocks are
replayed, its priority scored, and a new or reopened case is routed to an agent; a new case
that names a product with an outage going on takes its severity first; a bounce marks the
reply it returns failed (services/bounces.py); a case nobody needs to answer (a bounce
of nothing of ours, our own automatic mail) is solved as it opens (services/unasked.py); on
live intake (the
daemon's channels) the intake assistant may start a chat's questions, and the customer is
then acknowledged. A customer update that changes a customer's tier moves their open cases
to it at once (`actions.follow_tier`), brought up to date as a message's case is."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from omnitui.config import Settings
from omnitui.ingest.updates import ACTOR as INGEST
from omnitui.model import InboundEvent, IngestResult
from omnitui.services.actions import follow_tier
from omnitui.services.bounces import bounced_replies
from omnitui.services.events import from_product_webhook, from_webhook
from omnitui.services.unasked import solve_unasked
from omnitui.services.upkeep import Upkeep
from omnitui.store.customers import name_and_tier
from omnitui.store.db import Store, utc_now

if TYPE_CHECKING:
    from omnitui.ingest.pipeline import Automation, Ending, Pipeline
    from omnitui.ingest.readahead import Helpers


def intake_pipeline(store: Store, settings: Settings, *,
                    clock: Callable[[], datetime] = utc_now,
                    upkeep: Upkeep | None = None, live: bool = False,
                    route: bool = True) -> Pipeline:
    """`clock`: when items are received (the demo's story time); `upkeep`: a caller's own,
    to share its batches (the demo's); `live`: customers are writing in now (the daemon), so
    [acknowledge] applies; `route`: new and reopened cases go to routing (`omnitui refile`
    leaves owners as they are). A bulk load brings each case up to date once per batch, or
    once per load in the pipeline's `bulk` (an import, a daemon's backlog), which also
    spaces out the WAL's checkpoints. (The pipeline is imported here: a script's `omnitui
    tag` starts without it.)"""
    from omnitui.ingest.pipeline import Pipeline

    upkeep = upkeep or Upkeep(settings, clock=clock)
    router = upkeep.router

    def after_filing(conn: sqlite3.Connection, event: InboundEvent,
                     result: IngestResult) -> None:
        if result.case_id is None:
            return
        # As of the message, the moment its case's clocks start (now, for live traffic; the
        # demo's story replays its days).
        now = min(event.occurred_at, clock())
        # a bounce acts when it is filed, not as of its Date: the case it opens may have
        # been set pending since, and an earlier reopen left its clocks paused
        solved = solve_unasked(conn, event, result, clock())
        for case_id in {result.case_id, *from_webhook(conn, settings, event, result),
                        *bounced_replies(conn, event, clock())}:
            upkeep.refresh(conn, case_id, now)
        if route and not solved and (result.new_case or result.reopened):
            # who is here, and who is idle, now: as of a message dated hours ago (a
            # platform's backlog, old mail) anyone seen since then counted as present
            router.came_in(conn, result.case_id, new=result.new_case,
                           reopened=result.reopened, now=clock())
            upkeep.refresh(conn, result.case_id, now)  # moved to a fallback queue: its
            # policy (in a load: once, at its end, as before)

    def new_tier(conn: sqlite3.Connection, customer_id: int, source: str) -> None:
        """A customer another system moved to another tier: their open cases take it at
        once, re-scored, their clocks replayed under its targets."""
        tier = name_and_tier(conn, customer_id)[1]
        for case_id in follow_tier(conn, customer_id, tier, actor=INGEST, at=clock(),
                                   why=f"customer updated by {source}"):
            upkeep.refresh(conn, case_id, clock())

    @contextmanager
    def bulk_load(helpers: Helpers | None = None,
                  ending: Ending | None = None) -> Iterator[None]:
        """A load of many batches (an import, a daemon's backlog): each case brought up to
        date once, at the end (`Upkeep.bulk`, shared with the load's `helpers`, after the
        load's own `ending` step on it), the WAL
        checkpointed every 64 MB meanwhile (`Store.bulk_checkpoints`); on a store with no
        cases yet, the indexes only readers use are built after that end
        (`bulk_indexes.built_at_the_end`)."""
        from omnitui.store.bulk_indexes import built_at_the_end

        with built_at_the_end(store), upkeep.bulk(store, helpers, ending), \
                store.bulk_checkpoints():
            yield

    automations: list[Automation] = []
    outages = None
    if settings.products:
        from omnitui.services.events import OutageWatch

        automations.append(outages := OutageWatch(settings))
    automations.append(after_filing)  # scores the case with the outage's severity
    if live and any(m.run == "auto" for m in settings.macros):
        from omnitui.services.playbooks import AutoMacros

        automations.append(AutoMacros(settings, upkeep.sla, clock))
    if live and settings.assistant.channels:
        from omnitui.services.assistant import Assistant

        automations.append(Assistant(settings, upkeep, clock))  # before: it greets instead
    if live and settings.acknowledge.enabled:
        from omnitui.services.acknowledge import Acknowledger

        automations.append(Acknowledger(settings, upkeep.sla, clock, outages))
    return Pipeline(store, settings, automations, clock=clock, batch=upkeep.batched,
                    bulk=bulk_load,
                    product_events=lambda conn, event: from_product_webhook(
                        conn, settings, event), new_tier=new_tier)
