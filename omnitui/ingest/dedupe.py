"""The dedupe stage: an item the store already holds changes nothing.

(channel, external id) is a unique key in the store, never a "newer than the last id"
comparison: platforms redeliver, and some restart their counters.
"""

from __future__ import annotations

import hashlib
import sqlite3

from omnitui.model import Channel, InboundEvent, IngestResult
from omnitui.store.messages import message_with_external_id, raw_body


def dedupe(conn: sqlite3.Connection, event: InboundEvent) -> IngestResult | None:
    """The earlier result when this item was stored before, else None.

    A mail's id is its Message-ID, which a careless mailer gives another message too: one
    whose body differs from the stored one's is filed as a message of its own (its id made
    unique by its body, so a second delivery of it is a duplicate again), said in its parse
    notes. It was dropped without a trace. The same mail delivered twice differs in its
    headers (Received, a list's), not in its body."""
    seen = message_with_external_id(conn, event.channel, event.external_id)
    if seen is None:
        return None
    if event.channel == Channel.EMAIL and event.raw and (
            stored := raw_body(conn, seen[0])) is not None and _body(stored) != _body(
                event.raw):
        reused = event.external_id
        event.external_id = f"{reused}#{hashlib.sha256(_body(event.raw)).hexdigest()[:16]}"
        event.parse_errors.append(f"its Message-ID <{reused}> is message {seen[0]}'s too, "
                                  "with another text: filed as a message of its own")
        return dedupe(conn, event)
    return IngestResult(duplicate=True, message_id=seen[0], case_id=seen[1],
                        customer_id=seen[2])


def _body(raw: bytes) -> bytes:
    """A mail's bytes after its header block, line ends and trailing blanks evened out."""
    normal = raw.replace(b"\r\n", b"\n")
    return normal.partition(b"\n\n")[2].rstrip()
