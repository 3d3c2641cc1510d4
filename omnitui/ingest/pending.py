"""Filing: turning raw items stored ahead of processing into messages on cases.

Every channel stores first and processes second (the IMAP sync at fetch speed, the webhook
receiver before it answers 2xx), so a parser bug or a crash never loses an item. This is the
one loop that files them, for every channel: each raw row becomes zero or more `Inbound`
items (a Meta delivery batches several messages; a receipt or a customer update is not a
message), applied inside the transaction that marks the row processed. An item the pipeline
fails on keeps its raw row and its error, and the rest go on.

A transaction runs for at most `hold` seconds (FILING_SECONDS unless the caller needs the
lock back sooner: the webhook receiver's writer answers platforms only after its commit, so
its filer holds the lock for WEBHOOK_HOLD), then the store's write lock is left free for
WRITE_GAP: SQLite's busy handler retries only every 100 ms once it has waited a while, so
back-to-back transactions would starve every other writer (a console, the heartbeat, the
sender, the webhook receiver) into "database is locked" during a big backlog.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import nullcontext
from datetime import datetime
from functools import partial
from itertools import islice
from pathlib import Path

from omnitui.config import Intent, SemanticSettings, TriageSettings
from omnitui.ingest.pipeline import Ending, Pipeline
from omnitui.ingest.readahead import WINDOW, Helpers, default_workers
from omnitui.ingest.updates import apply_receipt
from omnitui.model import DeliveryReceipt, Inbound, InboundEvent, ProductEvent
from omnitui.records import record
from omnitui.store.blobs import stored
from omnitui.store.db import Store, parse_db_time, savepoint
from omnitui.store.messages import (
    history_marked,
    mark_processed,
    pending_count,
    pending_raw,
    still_pending,
)
from omnitui.triage.classify import classify
from omnitui.triage.intent import intent_classifier

log = logging.getLogger("omnitui.filing")

FILING_SECONDS = 0.5  # the longest a filing transaction holds the write lock
WEBHOOK_HOLD = 0.05  # the same while the webhook receiver may be waiting to commit
WRITE_GAP = 0.11  # seconds between filing transactions, longer than the busy handler's 100 ms
PARALLEL_FROM = 500  # pending rows from which parsing in worker processes pays for their start


@record(frozen=True)
class RawItem:
    """One stored raw row as a parser sees it."""

    id: int
    source: str  # the mailbox or [[channels]] name that received it
    received_at: datetime
    body: bytes
    key: str | None  # its external key (a webhook's delivery id), if any


# A channel's parser: a raw row -> what it contains. It may raise: the row then keeps its
# bytes and the error.
Parser = Callable[[RawItem], Iterable[Inbound]]


@record(frozen=True)
class FilingResult:
    messages: int  # new messages on cases
    duplicates: int  # already stored (a resync, a retried delivery)
    failed: int  # kept raw with their error
    other: int = 0  # receipts and customer updates applied


def file_pending(store: Store, pipeline: Pipeline, channel: str, parse: Parser, *,
                 batch: int = 1000, limit: int | None = None,
                 stop: threading.Event | None = None, hold: float = FILING_SECONDS,
                 workers: int | None = None, ending: Ending | None = None) -> FilingResult:
    """File the pending raw rows of `channel`, oldest first.

    Rows are parsed and read before the write transaction that files them — by `workers`
    processes (None: as many as there are spare cores once the backlog is big enough to pay
    for starting them; `parse` must then be picklable) — so the write lock is held for the
    pipeline's writes only. Each row is filed only if still pending inside that transaction,
    so two filers never file the same row twice. A backlog that big is also a bulk load:
    its cases' clocks and scores are brought up to date once, when it is filed, after the
    load's `ending`. So is a first sync's mail whatever its size (`history_before` on its
    rows): its old conversations are solved as history before any clock could alarm."""
    backlog = (_backlog(store, channel, limit) >= PARALLEL_FROM
               or (ending is not None and history_marked(store.conn)))
    if workers is None:
        workers = default_workers() if backlog else 0
    settings = pipeline.settings
    work = partial(_read_items, parse=parse, triage=settings.triage, intents=settings.intents,
                   semantic=settings.semantic,
                   blob_dir=store.attachments_dir, durable=store.durable)
    counts = Counter({"messages": 0, "duplicates": 0, "failed": 0, "other": 0})
    with Helpers(workers) as helpers, \
            pipeline.bulk(helpers, ending) if backlog else nullcontext():  # kept up once
        outcomes = helpers.read_ahead(work, _pending_items(store, channel, batch, limit, stop))
        _file_outcomes(pipeline, outcomes, counts, stop, hold)
    return FilingResult(**counts)


def _file_outcomes(pipeline: Pipeline,
                   outcomes: Iterator[tuple[RawItem, list[Inbound] | Failed]],
                   counts: Counter[str], stop: threading.Event | None, hold: float) -> None:
    """File rows parsed already, a batch a transaction, each batch held at most `hold` s."""
    ready: deque[tuple[RawItem, list[Inbound] | Failed]] = deque()
    while not (stop is not None and stop.is_set()):
        if not ready:  # parsed and read before the lock is taken, never while it is held
            ready.extend(islice(outcomes, WINDOW))
            if not ready:
                break
        started = time.monotonic()
        with pipeline.batch_write() as conn:
            while ready and time.monotonic() - started <= hold:
                item, outcome = ready.popleft()
                if still_pending(conn, item.id):
                    counts.update(_file_one(conn, pipeline, item, outcome))
        if ready:
            time.sleep(WRITE_GAP)


def file_again(store: Store, pipeline: Pipeline, item: RawItem, parse: Parser) -> FilingResult:
    """File one raw row that failed before (`omnitui refile`), as the filer would have."""
    settings = pipeline.settings
    outcome = _read_items([item], parse=parse, triage=settings.triage,
                          intents=settings.intents, semantic=settings.semantic,
                          blob_dir=store.attachments_dir, durable=store.durable)[0]
    counts = Counter({"messages": 0, "duplicates": 0, "failed": 0, "other": 0})
    with pipeline.batch_write() as conn:
        counts.update(_file_one(conn, pipeline, item, outcome))
    return FilingResult(**counts)


def _backlog(store: Store, channel: str, limit: int | None) -> int:
    count = pending_count(store.conn, channel)
    return count if limit is None else min(count, limit)


def _pending_items(store: Store, channel: str, batch: int, limit: int | None,
                   stop: threading.Event | None) -> Iterator[RawItem]:
    """Pending rows page by page, read outside any write transaction (each page is read
    whole: the filer writes on the same connection between pages)."""
    after = 0
    given = 0
    while limit is None or given < limit:
        if stop is not None and stop.is_set():
            return
        page = pending_raw(store.conn, channel, batch if limit is None
                           else min(batch, limit - given), after=after)
        for raw_id, source, received, body, key in page:
            yield RawItem(raw_id, source, parse_db_time(received), body, key)
        if len(page) < batch:
            return
        given += len(page)
        after = page[-1][0]


@record(frozen=True)
class Failed:
    """Why a row could not be parsed (what a worker process can send back of an error)."""

    error: str  # "ValueError: ..." as the row keeps it
    trace: str  # the traceback, for the log


def _read_items(items: list[RawItem], *, parse: Parser, triage: TriageSettings,
                intents: list[Intent], semantic: SemanticSettings, blob_dir: Path,
                durable: bool) -> list[list[Inbound] | Failed]:
    """Parse and read rows (in a worker process, or here), and store their attachment files
    (content-addressed: a file written for a duplicate is harmless). The pipeline's classify
    stage then finds each message read already."""
    rules = intent_classifier(intents, semantic)
    outcomes: list[list[Inbound] | Failed] = []
    for item in items:
        try:
            inbound = list(parse(item))
            for event in inbound:
                if isinstance(event, InboundEvent):
                    classify(event, triage, rules)
                    event.raw = b""  # the row keeps the bytes; they need not cross back
                    event.attachments = [stored(a, blob_dir, sync=durable)
                                         for a in event.attachments]
        except Exception as exc:
            outcomes.append(Failed(f"{type(exc).__name__}: {exc}"[:500],
                                   traceback.format_exc()))
        else:
            outcomes.append(inbound)
    return outcomes


def _file_one(conn: sqlite3.Connection, pipeline: Pipeline, item: RawItem,
              outcome: list[Inbound] | Failed) -> Counter[str]:
    if isinstance(outcome, Failed):
        log.error("raw item %s from %s kept raw only: filing it failed\n%s", item.id,
                  item.source, outcome.trace.rstrip())
        mark_processed(conn, item.id, outcome.error)
        return Counter(failed=1)
    counts: Counter[str] = Counter()
    try:
        with savepoint(conn):
            for inbound in outcome:
                if isinstance(inbound, InboundEvent):
                    inbound.raw_id = item.id
                    result = pipeline.ingest_in(conn, inbound)
                    counts["duplicates" if result.duplicate else "messages"] += 1
                elif isinstance(inbound, DeliveryReceipt):
                    counts["other"] += apply_receipt(conn, inbound)
                elif isinstance(inbound, ProductEvent):
                    counts["other"] += pipeline.file_product_event(conn, inbound)
                else:
                    counts["other"] += pipeline.file_customer_update(conn, inbound)
    except Exception as exc:
        log.exception("raw item %s from %s kept raw only: filing it failed", item.id,
                      item.source)
        mark_processed(conn, item.id, f"{type(exc).__name__}: {exc}"[:500])
        return Counter(failed=1)
    mark_processed(conn, item.id)
    return counts
