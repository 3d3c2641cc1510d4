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
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from omnitui.ingest.pipeline import Pipeline
from omnitui.ingest.updates import apply_customer_update, apply_receipt
from omnitui.model import DeliveryReceipt, Inbound, InboundEvent
from omnitui.store.db import Store, parse_db_time, savepoint
from omnitui.store.messages import mark_processed, pending_raw

log = logging.getLogger("omnitui.filing")

FILING_SECONDS = 0.5  # the longest a filing transaction holds the write lock
WEBHOOK_HOLD = 0.05  # the same while the webhook receiver may be waiting to commit
WRITE_GAP = 0.11  # seconds between filing transactions, longer than the busy handler's 100 ms


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class FilingResult:
    messages: int  # new messages on cases
    duplicates: int  # already stored (a resync, a retried delivery)
    failed: int  # kept raw with their error
    other: int = 0  # receipts and customer updates applied


def file_pending(store: Store, pipeline: Pipeline, channel: str, parse: Parser, *,
                 batch: int = 1000, limit: int | None = None,
                 stop: threading.Event | None = None,
                 hold: float = FILING_SECONDS) -> FilingResult:
    """File the pending raw rows of `channel`, oldest first. The rows are read inside the
    write transaction, so two callers never take the same ones."""
    counts = Counter({"messages": 0, "duplicates": 0, "failed": 0, "other": 0})
    done = 0
    while (limit is None or done < limit) and not (stop is not None and stop.is_set()):
        started = time.monotonic()
        taken = 0
        with store.write() as conn, pipeline.batch(conn):
            rows = pending_raw(conn, channel, batch)
            for raw_id, source, received, body, key in rows:
                taken += 1
                item = RawItem(raw_id, source, parse_db_time(received), body, key)
                counts.update(_file_one(conn, pipeline, parse, item))
                if time.monotonic() - started > hold:
                    break
        done += taken
        if taken == len(rows) and len(rows) < batch:
            break  # nothing left
        time.sleep(WRITE_GAP)
    return FilingResult(**counts)


def _file_one(conn: sqlite3.Connection, pipeline: Pipeline, parse: Parser,
              item: RawItem) -> Counter[str]:
    counts: Counter[str] = Counter()
    try:
        with savepoint(conn):
            for inbound in parse(item):
                if isinstance(inbound, InboundEvent):
                    inbound.raw_id = item.id
                    result = pipeline.ingest_in(conn, inbound)
                    counts["duplicates" if result.duplicate else "messages"] += 1
                elif isinstance(inbound, DeliveryReceipt):
                    counts["other"] += apply_receipt(conn, inbound)
                else:
                    counts["other"] += apply_customer_update(conn, inbound,
                                                             pipeline.settings.identity)
    except Exception as exc:
        log.exception("raw item %s from %s kept raw only: filing it failed", item.id,
                      item.source)
        mark_processed(conn, item.id, f"{type(exc).__name__}: {exc}"[:500])
        return Counter(failed=1)
    mark_processed(conn, item.id)
    return counts
