"""The outbox: replies waiting for the daemon, and what became of each.

A reply is queued in the same transaction as its timeline message, so undo takes both back
while the row is still `queued`; once the sender touches the row, undo refuses (the customer
may already have it).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from omnitui.model import BOUNCE
from omnitui.store.audit import ChangeSet, insert_row, record_audit
from omnitui.store.db import records

QUEUED, SENDING, SENT, FAILED = "queued", "sending", "sent", "failed"
STATUSES = (QUEUED, SENDING, SENT, FAILED)
SENDER = "omnitui-daemon"
# Receipts arrive out of order (WhatsApp's may be days late): a status only replaces one
# ranked below it, so a late "delivered" never hides a "read". A failure ranks just above
# "sent": after "delivered" it cannot be true of this message any more.
RECEIPT_RANKS = {"queued": 0, "accepted": 0, "sending": 0, "sent": 1, "failed": 2,
                 "undelivered": 2, "delivered": 3, "read": 4}


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


def _log(conn: sqlite3.Connection, outbox_id: int, action: str, reason: str, at: str,
         actor: str = SENDER) -> None:
    """The audit row names the case, so every console showing it redraws at once."""
    case_id, message_id = conn.execute("SELECT case_id, message_id FROM outbox WHERE id = ?",
                                       (outbox_id,)).fetchone()
    record_audit(conn, actor=actor, action=action, case_id=case_id, message_id=message_id,
                 reason=reason, at=at)


def cases_of(conn: sqlite3.Connection, outbox_ids: Sequence[int]) -> list[int]:
    """The cases these outbox rows belong to."""
    marks = ", ".join("?" * len(outbox_ids))
    return [row[0] for row in conn.execute(
        f"SELECT DISTINCT case_id FROM outbox WHERE id IN ({marks})", tuple(outbox_ids))]


def rows(conn: sqlite3.Connection, outbox_ids: Sequence[int]) -> list[dict[str, Any]]:
    marks = ", ".join("?" * len(outbox_ids))
    return records(conn, f"SELECT * FROM outbox WHERE id IN ({marks}) ORDER BY id",
                   tuple(outbox_ids))


def row_of_message(conn: sqlite3.Connection, message_id: int) -> dict[str, Any] | None:
    cur = conn.execute("SELECT * FROM outbox WHERE message_id = ?", (message_id,))
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None


# The sender's side (omnitui/daemon/sender.py). While a row is 'sending', next_attempt_at
# holds when it was claimed: that is how a row left behind by a crash is recognised.


def due(conn: sqlite3.Connection, now: str, *, channel: str | None = None,
        limit: int = 50) -> list[dict[str, Any]]:
    """Queued rows (of `channel`, else of every channel) whose time has come, oldest first."""
    cur = conn.execute("SELECT * FROM outbox WHERE status = 'queued' AND next_attempt_at <= ?"
                       " AND (? IS NULL OR channel = ?) ORDER BY next_attempt_at, id LIMIT ?",
                       (now, channel, channel, limit))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def claim_for_sending(conn: sqlite3.Connection, outbox_id: int, *, at: str) -> bool:
    """Take a due row for sending; False when another sender (or an undo) got there first.
    The compare-and-set is what keeps two senders from both sending one reply."""
    cur = conn.execute("UPDATE outbox SET status = ?, next_attempt_at = ? WHERE id = ?"
                       " AND status = ? AND next_attempt_at <= ?",
                       (SENDING, at, outbox_id, QUEUED, at))
    return cur.rowcount == 1


def stale(conn: sqlite3.Connection, *, claimed_before: str) -> list[int]:
    """Rows stuck in 'sending' since before `claimed_before`: their sender died."""
    return [r[0] for r in conn.execute("SELECT id FROM outbox WHERE status = 'sending'"
                                       " AND next_attempt_at < ?", (claimed_before,))]


def release_stale(conn: sqlite3.Connection, *, claimed_before: str, at: str) -> list[int]:
    """Put the `stale` rows back in the queue, due at once; returns their ids."""
    ids = stale(conn, claimed_before=claimed_before)
    for outbox_id in ids:
        conn.execute("UPDATE outbox SET status = ?, next_attempt_at = ? WHERE id = ?",
                     (QUEUED, at, outbox_id))
        _log(conn, outbox_id, "reply.retrying", "the sender stopped while sending this reply;"
             " it goes out again with the same Message-ID", at)
    return ids


def reply_to_send(conn: sqlite3.Connection, outbox_id: int) -> dict[str, Any] | None:
    """An outbox row with what building the message needs from its timeline message."""
    cur = conn.execute("SELECT o.*, m.thread_key, m.parent_keys, m.text, m.auto_submitted"
                       " FROM outbox o JOIN messages m ON m.id = o.message_id WHERE o.id = ?",
                       (outbox_id,))
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None


def attachments_by_id(conn: sqlite3.Connection,
                      attachment_ids: list[int]) -> list[tuple[int, str, str, str]]:
    """(id, filename, mime, sha256) of attachments by id, in the order asked; ids that no
    longer exist are left out (the caller compares lengths)."""
    found: dict[int, tuple[int, str, str, str]] = {}
    for start in range(0, len(attachment_ids), 500):
        chunk = attachment_ids[start:start + 500]
        for row in conn.execute("SELECT id, filename, mime, sha256 FROM attachments"
                                f" WHERE id IN ({', '.join('?' * len(chunk))})", chunk):
            found[row[0]] = tuple(row)
    return [found[i] for i in attachment_ids if i in found]


def last_inbound_source(conn: sqlite3.Connection,
                        case_id: int) -> tuple[int, str] | None:
    """(message id, raw payload source) of the case's newest inbound email, not a bounce
    (it comes to the envelope's address, which may be another mailbox): the source is
    the name of the mailbox that received it when it came from IMAP."""
    row = conn.execute("SELECT m.id, coalesce(r.source, '') FROM messages m"
                       " LEFT JOIN raw_payloads r ON r.id = m.raw_id WHERE m.case_id = ?"
                       " AND m.direction = 'in' AND m.channel = 'email'"
                       " AND m.auto_submitted IS NOT ?"
                       " ORDER BY m.created_at DESC, m.id DESC LIMIT 1", (case_id, BOUNCE)
                       ).fetchone()
    return (row[0], row[1]) if row else None


def mark_partly_sent(conn: sqlite3.Connection, outbox_id: int, refused: str, *,
                     at: str) -> None:
    """Sent, but the server refused some recipients: never retried (the others have it),
    and the refusal stays on the row for the timeline."""
    mark_sent(conn, outbox_id, at=at)
    note_refused(conn, outbox_id, refused, at=at)


def send_again_to(conn: sqlite3.Connection, outbox_id: int, addresses: Sequence[str],
                  error: str, *, at: str, retry_at: str) -> None:
    """A send the server took for the others but refused for `addresses` for now: the row
    waits to go again to them alone (recipients' "again": the envelope; the headers keep
    everyone, so a reply to all still reaches them all)."""
    row = conn.execute("SELECT recipients FROM outbox WHERE id = ?", (outbox_id,)).fetchone()
    recipients = {**json.loads(row[0] or "{}"), "again": list(addresses)}
    conn.execute("UPDATE outbox SET status = ?, attempts = attempts + 1, last_error = ?,"
                 " next_attempt_at = ?, recipients = ? WHERE id = ?",
                 (QUEUED, error, retry_at, json.dumps(recipients), outbox_id))
    _log(conn, outbox_id, "reply.retrying", error, at)


def note_refused(conn: sqlite3.Connection, outbox_id: int, refused: str, *, at: str,
                 actor: str = SENDER) -> None:
    """Some recipients of a sent reply did not get it (the others did): kept for the
    timeline."""
    conn.execute("UPDATE outbox SET last_error = ? WHERE id = ?", (refused, outbox_id))
    _log(conn, outbox_id, "reply.partly_refused", refused, at, actor)


def record_receipt(conn: sqlite3.Connection, channel: str, external_id: str, status: str,
                   at: str, error: str = "") -> bool:
    """What the platform says became of a sent reply (delivered, read, failed...), kept in
    outbox.receipt for the timeline ("failed: <error>" with the platform's reason). Returns
    whether the reply was found; an out-of-order status older than the one kept is ignored."""
    row = conn.execute("SELECT o.id, o.receipt FROM outbox o JOIN messages m"
                       " ON m.id = o.message_id WHERE m.channel = ? AND m.external_id = ?"
                       " AND m.direction = 'out'", (channel, external_id)).fetchone()
    if row is None:
        return False
    outbox_id, kept = row
    status = status.strip().lower()
    if kept and RECEIPT_RANKS.get(status, 0) <= RECEIPT_RANKS.get(kept.partition(":")[0], 0):
        return True
    receipt = f"{status}: {' '.join(error.split())[:300]}" if error else status
    conn.execute("UPDATE outbox SET receipt = ? WHERE id = ?", (receipt, outbox_id))
    _log(conn, outbox_id, "reply.receipt", receipt, at)
    return True


def sent_by_key(conn: sqlite3.Connection, thread_key: str) -> dict[str, Any] | None:
    """The sent reply whose Message-ID is `thread_key` (a bounce returns it)."""
    cur = conn.execute("SELECT o.* FROM messages m JOIN outbox o ON o.message_id = m.id"
                       " WHERE m.thread_key = ? AND m.direction = 'out' AND o.status = ?",
                       (thread_key, SENT))
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None


def record_sent_outside(conn: sqlite3.Connection, message: Mapping[str, Any],
                        recipients: dict[str, list[str]]) -> None:
    """Give our own mail sent outside omnitui the row a reply has, as sent when it was
    written (`messages.sent_outside_by_key`), so its bounce fails it as it fails a reply."""
    conn.execute("INSERT INTO outbox (message_id, case_id, channel, recipients, subject,"
                 " status, next_attempt_at, created_at, sent_at) VALUES (?, ?, 'email', ?, ?,"
                 " ?, ?, ?, ?)", (message["id"], message["case_id"], json.dumps(recipients),
                                  message["subject"], SENT, *[message["created_at"]] * 3))


def mark_bounced(conn: sqlite3.Connection, outbox_id: int, error: str, *, at: str,
                 actor: str) -> None:
    """A sent reply the recipient's server returned: failed for good after all."""
    conn.execute("UPDATE outbox SET status = ?, last_error = ? WHERE id = ?",
                 (FAILED, error, outbox_id))
    _log(conn, outbox_id, "reply.bounced", error, at, actor)


def failed_for_good(conn: sqlite3.Connection, case_id: int) -> bool:
    """Whether a reply on the case failed for good (a bounced address, a blocked chat)."""
    return conn.execute("SELECT 1 FROM outbox WHERE case_id = ? AND status = ? LIMIT 1",
                        (case_id, FAILED)).fetchone() is not None


def unsent_same(conn: sqlite3.Connection, case_id: int, text: str) -> int | None:
    """The message of a reply on the case with this very text that has not left yet
    (queued or sending), if any."""
    row = conn.execute("SELECT m.id FROM outbox o JOIN messages m ON m.id = o.message_id"
                       " WHERE o.case_id = ? AND o.status IN (?, ?) AND m.text = ? LIMIT 1",
                       (case_id, QUEUED, SENDING, text)).fetchone()
    return row[0] if row else None


def resent_as(conn: sqlite3.Connection, outbox_row: Mapping[str, Any]) -> tuple[int, str] | None:
    """(message id, status) of a later reply on the case with the failed reply's very text
    that has not failed: it was resent (or written again) already, and a second resend
    would send it twice."""
    row = conn.execute("SELECT m.id, o.status FROM outbox o JOIN messages m ON m.id ="
                       " o.message_id WHERE o.case_id = ? AND o.id > ? AND o.status != ? AND"
                       " m.text = (SELECT text FROM messages WHERE id = ?) ORDER BY o.id"
                       " LIMIT 1", (outbox_row["case_id"], outbox_row["id"], FAILED,
                                    outbox_row["message_id"])).fetchone()
    return (row[0], row[1]) if row else None
