"""The ingest pipeline: one path from an InboundEvent to a stored message, for every channel.

dedupe -> identify -> thread -> classify -> route/score -> persist -> automate, each a small
function, all inside one BEGIN IMMEDIATE transaction per event (bulk loads put several whole
events in one): a crash leaves an event wholly in or wholly out, and re-running the same
input adds nothing, because (channel, external id) is unique.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime

from omnitui.config import Settings
from omnitui.ingest.dedupe import dedupe
from omnitui.ingest.identity import identify, of_bounce
from omnitui.ingest.persist import Stamps, persist
from omnitui.ingest.surveys import record_answer, survey_answer
from omnitui.ingest.threading import thread
from omnitui.ingest.updates import apply_customer_update
from omnitui.model import CustomerUpdate, InboundEvent, IngestResult, ProductEvent
from omnitui.store import fulltext
from omnitui.store.blobs import write_blob
from omnitui.store.db import Store, db_time, utc_now
from omnitui.triage.classify import classify
from omnitui.triage.intent import intent_classifier
from omnitui.triage.route import route
from omnitui.vocabulary import SURVEY_ANSWER

# An automation sees the committed-to-be result inside the event's transaction, so whatever
# it queues (an acknowledgement in the outbox, say) commits or rolls back with the message.
Automation = Callable[[sqlite3.Connection, InboundEvent, IngestResult], None]
Batch = Callable[[sqlite3.Connection], AbstractContextManager[object]]
Due = tuple[int, str]  # a case marked for upkeep, and as of when
# What a load does to its marked cases as its end reaches them, before their upkeep is
# worked out (old conversations solved as history: services/archive.py): the marks in, the
# marks to work out (as they are then) out.
Ending = Callable[[Iterator[Due]], Iterator[Due]]
# What wraps a load: given its helpers and its ending, if any.
Bulk = Callable[..., AbstractContextManager[object]]
# What acts on a report about a product (an outage from a webhook): services/events.py.
ProductEvents = Callable[[sqlite3.Connection, ProductEvent], int]
# What follows a customer's new tier onto their open cases (services/intake.py): the
# customer, and who said so.
NewTier = Callable[[sqlite3.Connection, int, str], None]


class Pipeline:
    def __init__(self, store: Store, settings: Settings,
                 automations: Sequence[Automation] = (), *,
                 clock: Callable[[], datetime] = utc_now,
                 batch: Batch = lambda conn: nullcontext(),
                 bulk: Bulk = lambda helpers=None, ending=None: nullcontext(),
                 product_events: ProductEvents | None = None,
                 new_tier: NewTier = lambda conn, customer_id, source: None) -> None:
        """`clock`: when an item is received (the demo replays its story's days); `batch`:
        what wraps each bulk transaction (the automations' work done once per batch); `bulk`:
        what wraps a load of many such transactions (that work done once per load, shared
        with the load's helper processes if it has some);
        `product_events`: what files a product's event (None: the pipeline refuses one);
        `new_tier`: what a customer update that changes a tier does to their cases."""
        self.store = store
        self.settings = settings
        self.automations = list(automations)
        self.clock = clock
        self.batch = batch
        self.bulk = bulk
        self.intents = intent_classifier(settings.intents, settings.semantic)
        self.product_events = product_events
        self.new_tier = new_tier

    def file_product_event(self, conn: sqlite3.Connection, event: ProductEvent) -> int:
        """Act on a report about a product, inside the caller's transaction; 1 if it did."""
        if self.product_events is None:
            raise ValueError(f"this pipeline files no product events ({event.kind} of "
                             f"{event.product})")
        return self.product_events(conn, event)

    def file_customer_update(self, conn: sqlite3.Connection, update: CustomerUpdate) -> int:
        """Store what another system says of a customer, inside the caller's transaction;
        a new tier goes on to their open cases (`new_tier`). 1: it was applied."""
        customer_id, tier = apply_customer_update(conn, update, self.settings.identity)
        if update.tier and update.tier != tier:
            self.new_tier(conn, customer_id, update.source or "an integration")
        return 1

    def ingest(self, event: InboundEvent) -> IngestResult:
        """Ingest one event in its own transaction; attachment files are written first, so
        the write lock is never held across their fsyncs."""
        blobs = self._write_blobs(event)
        with self.store.write() as conn:
            return self.ingest_in(conn, event, blobs)

    def ingest_many(self, events: Iterable[InboundEvent], *, max_batch: int = 200,
                    max_seconds: float = 0.5) -> Iterator[IngestResult]:
        """Bulk loads (import, demo): events share one commit per batch.

        Each event is still whole, and a batch commits all its events or none; re-running the
        load adds exactly what is missing. Grouping matters: every commit flushes a new
        full-text index segment (about 0.6 ms), and the batch's entries are written at its
        end (`batch_write`). A batch is also cut after `max_seconds`, so
        other writers (consoles) never wait long for the lock.
        """
        pending = iter(events)
        while True:
            started = time.monotonic()
            with self.batch_write() as conn:
                for count, event in enumerate(pending, start=1):
                    yield self.ingest_in(conn, event)
                    if count >= max_batch or time.monotonic() - started > max_seconds:
                        break
                else:
                    return

    @contextmanager
    def batch_write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction of a bulk load (an import's batch, a backlog's round, a
        refile): the automations' work done once at its end (`batch`), and the full-text
        entries of what it adds written once too (`fulltext.at_the_end`)."""
        with self.store.write() as conn, fulltext.at_the_end(conn), self.batch(conn):
            yield conn

    def _write_blobs(self, event: InboundEvent) -> list[str]:
        return [a.sha256 or write_blob(self.store.attachments_dir, a.content,
                                       sync=self.store.durable) for a in event.attachments]

    def ingest_in(self, conn: sqlite3.Connection, event: InboundEvent,
                  blobs: list[str] | None = None) -> IngestResult:
        """Ingest inside a transaction the caller holds (bulk loaders group many events)."""
        if blobs is None:
            blobs = self._write_blobs(event)
        if seen := dedupe(conn, event):
            return seen
        now = self.clock()
        clock = min(event.occurred_at, now)  # a sender's clock in the future is not trusted
        stamps = Stamps(now=db_time(now), at=db_time(clock))
        who = of_bounce(conn, event) or identify(conn, event, self.settings.identity,
                                                 stamps.now)
        decision = survey_answer(conn, event, who.customer_id, self.settings.csat, now) or \
            thread(conn, event, who.customer_id, self.settings.threading, clock)
        classify(event, self.settings.triage, self.intents)
        plan = route(event, routing=self.settings.routing, intents=self.settings.intents)
        result = persist(conn, event, who, decision, plan, blobs, stamps)
        if decision.rule == SURVEY_ANSWER and decision.case_id is not None:
            record_answer(conn, decision.case_id, event, stamps.now)
        for automation in self.automations:
            automation(conn, event, result)
        return result
