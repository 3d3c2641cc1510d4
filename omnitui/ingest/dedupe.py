"""The dedupe stage: an item the store already holds changes nothing.

(channel, external id) is a unique key in the store, never a "newer than the last id"
comparison: platforms redeliver, and some restart their counters.
"""

from __future__ import annotations

import sqlite3

from omnitui.model import InboundEvent, IngestResult
from omnitui.store.messages import message_with_external_id


def dedupe(conn: sqlite3.Connection, event: InboundEvent) -> IngestResult | None:
    """The earlier result when this item was stored before, else None."""
    seen = message_with_external_id(conn, event.channel, event.external_id)
    if seen is None:
        return None
    return IngestResult(duplicate=True, message_id=seen[0], case_id=seen[1],
                        customer_id=seen[2])
