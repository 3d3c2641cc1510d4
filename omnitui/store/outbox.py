"""The outbox: replies waiting for the daemon, and what became of each.

A reply is queued in the same transaction as its timeline message, so undo takes both back
while the row is still `queued`; once the sender touches the row, undo refuses (the customer
may already have it).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from omnitui.store.audit import ChangeSet, insert_row, record_audit

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
SENDER = "omnitui-daemon"


def queue(conn: sqlite3.Connection, values: dict[str, Any], changes: ChangeSet) -> int:
    return insert_row(conn, "outbox", {"status": QUEUED, **values}, changes)


def mark_sent(conn: sqlite3.Connection, outbox_id: int, *, at: str) -> None:
    conn.execute("UPDATE outbox SET status = ?, sent_at = ?, attempts = attempts + 1,"
                 " last_error = '' WHERE id = ?", (SENT, at, outbox_id))
    _log(conn, outbox_id, "reply.sent", "", at)


def mark_failed(conn: sqlite3.Connection, outbox_id: int, error: str, *, at: str,
                retry_at: str | None) -> None:
    """A failed attempt: with `retry_at` the row waits for another try, else it has failed
    for good and the case shows it."""
    conn.execute("UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ?,"
                 " next_attempt_at = coalesce(?, next_attempt_at) WHERE id = ?",
                 (QUEUED if retry_at else FAILED, error, retry_at, outbox_id))
    _log(conn, outbox_id, "reply.retrying" if retry_at else "reply.failed", error, at)


def _log(conn: sqlite3.Connection, outbox_id: int, action: str, reason: str, at: str) -> None:
    """The audit row names the case, so every console showing it redraws at once."""
    case_id, message_id = conn.execute("SELECT case_id, message_id FROM outbox WHERE id = ?",
                                       (outbox_id,)).fetchone()
    record_audit(conn, actor=SENDER, action=action, case_id=case_id, message_id=message_id,
                 reason=reason, at=at)


def row_of_message(conn: sqlite3.Connection, message_id: int) -> dict[str, Any] | None:
    cur = conn.execute("SELECT * FROM outbox WHERE message_id = ?", (message_id,))
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None
