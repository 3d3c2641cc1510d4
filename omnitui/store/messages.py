"""Messages, their raw payloads and attachment rows."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from omnitui.model import BOUNCE
from omnitui.records import record
from omnitui.store.audit import ChangeSet, insert_row
from omnitui.store.db import columns_of
from omnitui.vocabulary import THIRD_PARTY


def message_with_external_id(conn: sqlite3.Connection, channel: str,
                             external_id: str) -> tuple[int, int, int | None] | None:
    """(message id, case id, customer id) of an item already stored, else None."""
    row = conn.execute("SELECT id, case_id, customer_id FROM messages"
                       " WHERE channel = ? AND external_id = ?", (channel, external_id)).fetchone()
    return (row[0], row[1], row[2]) if row else None


def _sha256(body: bytes) -> str:
    import hashlib  # here: a command that only reads or edits cases starts without OpenSSL

    return hashlib.sha256(body).hexdigest()


def insert_raw(conn: sqlite3.Connection, channel: str, source: str, body: bytes,
               now: str, *, pending: bool = False, sha256: str | None = None,
               external_key: str | None = None, history_before: str | None = None) -> int:
    """`external_key` is the item's id at its source (unique across channels), for items
    whose bytes may differ between copies, e.g. Gmail's X-GM-MSGID; `history_before`: a
    first sync's cutoff (services/archive.py)."""
    cur = conn.execute(
        "INSERT INTO raw_payloads (channel, source, sha256, size, received_at, body, pending,"
        " external_key, history_before) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (channel, source, sha256 or _sha256(body), len(body), now, body,
         int(pending), external_key, history_before))
    return int(cur.lastrowid or 0)


def insert_raw_once(conn: sqlite3.Connection, channel: str, source: str, body: bytes,
                    now: str, external_key: str) -> bool:
    """Store a delivery unless one with its key is stored already (a platform's retry):
    True when it was new. The unique index decides, so two receivers cannot both store it."""
    cur = conn.execute(
        "INSERT OR IGNORE INTO raw_payloads (channel, source, sha256, size, received_at, body,"
        " pending, external_key) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
        (channel, source, _sha256(body), len(body), now, body, external_key))
    return cur.rowcount == 1


def raw_seen(conn: sqlite3.Connection, channel: str, sha256: str,
             external_key: str | None = None) -> bool:
    """Whether these exact bytes were received on this channel before, or (if given) an
    item with this external key was."""
    if external_key is not None and conn.execute(
            "SELECT 1 FROM raw_payloads WHERE external_key = ?",
            (external_key,)).fetchone() is not None:
        return True
    return conn.execute("SELECT 1 FROM raw_payloads WHERE sha256 = ? AND channel = ?"
                        " LIMIT 1", (sha256, channel)).fetchone() is not None


def history_marked(conn: sqlite3.Connection) -> bool:
    """Whether raw rows of a first sync still carry their cutoff (services/archive.py)."""
    return conn.execute("SELECT 1 FROM raw_payloads WHERE history_before IS NOT NULL LIMIT 1"
                        ).fetchone() is not None


def history_cases(conn: sqlite3.Connection,
                  case_ids: Sequence[int]) -> list[tuple[int, str]]:
    """(case, cutoff) of those of `case_ids` with a message from a first sync's raw row."""
    marks = ", ".join("?" * len(case_ids))
    return conn.execute(
        f"SELECT DISTINCT m.case_id, r.history_before FROM messages m JOIN raw_payloads r"
        f" ON r.id = m.raw_id WHERE m.case_id IN ({marks}) AND r.history_before IS NOT NULL",
        tuple(case_ids)).fetchall()


def clear_history_marks(conn: sqlite3.Connection) -> None:
    """The first syncs' rows filed: their cutoff has done its work."""
    conn.execute("UPDATE raw_payloads SET history_before = NULL WHERE history_before IS NOT"
                 " NULL AND pending = 0")


def pending_raw(conn: sqlite3.Connection, channel: str, limit: int, *,
                after: int = 0) -> list[tuple[int, str, str, bytes, str | None]]:
    """(id, source, received at, bytes, external key) of raw items stored but not yet
    processed, oldest first, from the row after `after`."""
    return [(r[0], r[1], r[2], bytes(r[3]), r[4]) for r in conn.execute(
        "SELECT id, source, received_at, body, external_key FROM raw_payloads WHERE pending = 1"
        " AND channel = ? AND id > ? ORDER BY id LIMIT ?", (channel, after, limit))]


def processed_raw(conn: sqlite3.Connection, *, failed_only: bool, since: str | None,
                  source: str | None
                  ) -> Iterator[tuple[int, str, str, str, bytes, str | None, str | None]]:
    """(id, channel, source, received at, bytes, external key, error) of the raw items
    already processed (filed, or failed: `failed_only`), received since `since`, from one
    mailbox or [[channels]] name, oldest first, page by page."""
    where = ["pending = 0", "id > ?"]
    params: list[object] = []
    if failed_only:
        where.append("ingest_error IS NOT NULL")
    if since is not None:
        where.append("received_at >= ?")
        params.append(since)
    if source is not None:
        where.append("source = ?")
        params.append(source)
    after = 0
    while True:
        page = conn.execute(
            "SELECT id, channel, source, received_at, body, external_key, ingest_error"
            f" FROM raw_payloads WHERE {' AND '.join(where)} ORDER BY id LIMIT 500",
            (after, *params)).fetchall()
        yield from ((r[0], r[1], r[2], r[3], bytes(r[4]), r[5], r[6]) for r in page)
        if len(page) < 500:
            return
        after = page[-1][0]


def has_raw_from(conn: sqlite3.Connection, source: str) -> bool:
    """Whether any raw item came from this mailbox or [[channels]] name."""
    return conn.execute("SELECT 1 FROM raw_payloads WHERE source = ? LIMIT 1",
                        (source,)).fetchone() is not None


def message_from_raw(conn: sqlite3.Connection, raw_id: int, channel: str,
                     external_id: str) -> tuple[int, int, list[str]] | None:
    """(message id, case id, problems noted) of the message filed from a raw row as this
    item."""
    row = conn.execute("SELECT id, case_id, parse_errors FROM messages WHERE raw_id = ? AND"
                       " channel = ? AND external_id = ?",
                       (raw_id, channel, external_id)).fetchone()
    return None if row is None else (row[0], row[1], json.loads(row[2] or "[]"))


def pending_count(conn: sqlite3.Connection, channel: str | None = None) -> int:
    """Raw items waiting to be filed (of one channel, or all)."""
    if channel is None:
        return conn.execute("SELECT count(*) FROM raw_payloads WHERE pending = 1").fetchone()[0]
    return conn.execute("SELECT count(*) FROM raw_payloads WHERE pending = 1 AND channel = ?",
                        (channel,)).fetchone()[0]


def still_pending(conn: sqlite3.Connection, raw_id: int) -> bool:
    row = conn.execute("SELECT pending FROM raw_payloads WHERE id = ?", (raw_id,)).fetchone()
    return row is not None and row[0] == 1


def mark_processed(conn: sqlite3.Connection, raw_id: int, error: str | None = None) -> None:
    conn.execute("UPDATE raw_payloads SET pending = 0, ingest_error = ? WHERE id = ?",
                 (error, raw_id))


@record(frozen=True)
class NewMessage:
    """A message as it joins a case: a customer's (in), an agent's reply (out) or a note.
    `thread_key` is the id replies name it by, `parent_keys` the ids it answers (its
    References oldest first, then its In-Reply-To);
    `reply_route` is how a platform reply reaches the same chat, thread and account."""

    case_id: int
    channel: str
    direction: str
    created_at: str
    received_at: str | None = None  # None: when it was created
    customer_id: int | None = None
    identity_id: int | None = None
    author: str = ""
    subject: str = ""
    text: str = ""
    html: str | None = None
    external_id: str | None = None
    thread_key: str | None = None
    parent_keys: tuple[str, ...] = ()
    parse_errors: tuple[str, ...] = ()
    auto_submitted: str | None = None
    language: str | None = None
    intent: str | None = None
    intent_rule: str | None = None
    sentiment: float | None = None
    irritation: str | None = None
    urgent: bool = False
    raw_id: int | None = None
    thread_rule: str = ""
    thread_reason: str = ""
    reply_route: Mapping[str, Any] | None = None
    response: str | None = None  # a reply: None meaningful, "first", "none" (triage/sla.py)


def create_message(conn: sqlite3.Connection, message: NewMessage,
                   changes: ChangeSet | None = None) -> int:
    """The one place a message is stored. With `changes` the row joins a hand-made,
    undoable change (an agent's reply or note)."""
    return insert_row(conn, "messages", {
        **columns_of(message), "received_at": message.received_at or message.created_at,
        "parent_keys": json.dumps(list(message.parent_keys)),
        "parse_errors": json.dumps(list(message.parse_errors)), "urgent": int(message.urgent),
        "reply_route": json.dumps(dict(message.reply_route)) if message.reply_route else None},
        changes)


def insert_attachment(conn: sqlite3.Connection, message_id: int, *, sha256: str, size: int,
                      mime: str, filename: str, content_id: str | None,
                      disposition: str) -> int:
    cur = conn.execute(
        "INSERT INTO attachments (message_id, sha256, size, mime, filename, content_id,"
        " disposition) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (message_id, sha256, size, mime, filename, content_id, disposition))
    return int(cur.lastrowid or 0)


def raw_body(conn: sqlite3.Connection, message_id: int) -> bytes | None:
    row = conn.execute("SELECT r.body FROM messages m JOIN raw_payloads r ON r.id = m.raw_id"
                       " WHERE m.id = ?", (message_id,)).fetchone()
    return bytes(row[0]) if row else None


def last_inbound(conn: sqlite3.Connection, case_id: int, channel: str | None = None, *,
                 words_first: bool = True) -> sqlite3.Row | None:
    """The newest customer message of a case (on `channel`, if given): what a reply answers
    and a forward quotes. The case's own customer's first (a third party's answer to a
    forward joins the case too, and the next reply went to them), and with `words_first`
    their own words before their automatic mail (an out-of-office); never a bounce, which
    is filed under the customer of the mail it returns and came from a mail server."""
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    return cur.execute(
        "SELECT m.*, i.kind AS identity_kind, i.value AS identity_value FROM messages m"
        " JOIN cases c ON c.id = m.case_id"
        " LEFT JOIN identities i ON i.id = m.identity_id WHERE m.case_id = ?"
        " AND m.direction = 'in' AND (? IS NULL OR m.channel = ?)"
        " AND m.auto_submitted IS NOT ?"
        " ORDER BY m.customer_id IS c.customer_id DESC, ? AND m.auto_submitted IS NULL DESC,"
        " m.created_at DESC, m.id DESC LIMIT 1",
        (case_id, channel, channel, BOUNCE, words_first)).fetchone()


def answered_in_thread_after(conn: sqlite3.Connection, message: sqlite3.Row
                             ) -> list[tuple[int, str | None]]:
    """(id, sender's email address) of the people's messages on `message`'s case and
    channel written after it, oldest first: a colleague the customer copied, answering in
    the thread, whom a reply to all answers too. Never automatic mail, nor a third party's
    answer to our forward."""
    return [(row[0], row[1]) for row in conn.execute(
        "SELECT m.id, i.value FROM messages m"
        " LEFT JOIN identities i ON i.id = m.identity_id AND i.kind = 'email'"
        " WHERE m.case_id = ? AND m.channel = ? AND m.direction = 'in'"
        " AND m.auto_submitted IS NULL AND m.thread_rule IS NOT ?"
        " AND (m.created_at > ? OR (m.created_at = ? AND m.id > ?))"
        " ORDER BY m.created_at, m.id",
        (message["case_id"], message["channel"], THIRD_PARTY, message["created_at"],
         message["created_at"], message["id"]))]


def channels_written_on(conn: sqlite3.Connection, case_id: int) -> list[tuple[str, bool]]:
    """The channels the case's own customer wrote on it (their own words, not an automatic
    mail), the latest first, each with whether a message there carries a platform's route
    back to them."""
    return [(row[0], bool(row[1])) for row in conn.execute(
        "SELECT m.channel, max(m.reply_route IS NOT NULL) FROM messages m JOIN cases c ON"
        " c.id = m.case_id WHERE m.case_id = ? AND m.direction = 'in' AND m.customer_id ="
        " c.customer_id AND m.auto_submitted IS NULL GROUP BY m.channel"
        " ORDER BY max(m.created_at) DESC", (case_id,))]


def customer_of(conn: sqlite3.Connection, message_id: int) -> int | None:
    """Whose message it is (None: no such message)."""
    row = conn.execute("SELECT customer_id FROM messages WHERE id = ?", (message_id,)
                       ).fetchone()
    return row[0] if row else None


def newest_inbound_at(conn: sqlite3.Connection, case_id: int) -> str | None:
    """When the customer's newest message of a case (not an automatic one) was written."""
    return conn.execute("SELECT max(created_at) FROM messages WHERE case_id = ? AND direction"
                        " = 'in' AND auto_submitted IS NULL", (case_id,)).fetchone()[0]


def last_inbound_at(conn: sqlite3.Connection, customer_id: int, channel: str) -> str | None:
    """When the customer last wrote on `channel` (any case): a platform's service window
    runs from it."""
    row = conn.execute("SELECT max(created_at) FROM messages WHERE customer_id = ?"
                       " AND channel = ? AND direction = 'in'", (customer_id, channel)).fetchone()
    return row[0] if row else None


def automatic_to_customer_since(conn: sqlite3.Connection, customer_id: int, kind: str,
                                since: str) -> str | None:
    """When the customer was last sent an automatic message of `kind` since `since`."""
    row = conn.execute("SELECT max(created_at) FROM messages WHERE customer_id = ?"
                       " AND direction = 'out' AND auto_submitted = ? AND created_at >= ?",
                       (customer_id, kind, since)).fetchone()
    return row[0] if row else None


def written_in_since(conn: sqlite3.Connection, audit_id: int) -> tuple[int, int] | None:
    """(case, message): the first customer message on the case of the message audit row
    `audit_id` made (a contact logged by hand) that came after it; None: none came."""
    return conn.execute(
        "SELECT later.case_id, later.id FROM audit a JOIN messages m ON m.id = a.message_id"
        " JOIN messages later ON later.case_id = m.case_id AND later.id > m.id"
        " AND later.direction = 'in' WHERE a.id = ? ORDER BY later.id LIMIT 1",
        (audit_id,)).fetchone()


def newest_message_id(conn: sqlite3.Connection) -> int:
    """The newest message's id (0: none yet): every message written later has a greater
    one (messages are never deleted)."""
    return conn.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()[0]


def written_after(conn: sqlite3.Connection, case_id: int, author: str, *, internal: bool,
                  after: int) -> str | None:
    """When `author` last wrote on the case (a note, or else a reply) a message newer than
    message `after` (`newest_message_id`). Told by ids, not by times: stored times have
    seconds, and the agent's own send in the same second read as written after."""
    row = conn.execute("SELECT max(created_at) FROM messages WHERE case_id = ? AND author = ?"
                       " AND direction = ? AND id > ?",
                       (case_id, author, "note" if internal else "out", after)).fetchone()
    return row[0] if row else None


def message_by_id(conn: sqlite3.Connection, message_id: int) -> sqlite3.Row | None:
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    return cur.execute("SELECT * FROM messages WHERE id = ?", (message_id,)).fetchone()


def attachment_files(conn: sqlite3.Connection,
                     message_id: int) -> list[tuple[int, str, str, str]]:
    """(id, filename, mime, sha256) of a message's attachments."""
    return conn.execute("SELECT id, filename, mime, sha256 FROM attachments"
                        " WHERE message_id = ? ORDER BY id", (message_id,)).fetchall()


def reply_route(conn: sqlite3.Connection, case_id: int, channel: str) -> dict[str, Any] | None:
    """The platform route (parsed JSON) of the newest message of a case on `channel` that
    has one: how a reply reaches the same chat, thread and account."""
    row = conn.execute("SELECT reply_route FROM messages WHERE case_id = ? AND channel = ?"
                       " AND reply_route IS NOT NULL ORDER BY created_at DESC, id DESC"
                       " LIMIT 1", (case_id, channel)).fetchone()
    return json.loads(row[0]) if row else None


def newest_route(conn: sqlite3.Connection, case_id: int) -> tuple[str, dict[str, Any]] | None:
    """(channel, route) of the newest message of a case that has a platform route: where
    the conversation is now."""
    row = conn.execute("SELECT channel, reply_route FROM messages WHERE case_id = ?"
                       " AND reply_route IS NOT NULL ORDER BY created_at DESC, id DESC"
                       " LIMIT 1", (case_id,)).fetchone()
    return (row[0], json.loads(row[1])) if row else None


def sent_outside_by_key(conn: sqlite3.Connection, thread_key: str) -> sqlite3.Row | None:
    """Our own mail sent outside omnitui (filed from a copy, so with no outbox row) whose
    Message-ID is `thread_key`: id, case_id, subject, created_at."""
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    return cur.execute("SELECT id, case_id, subject, created_at FROM messages m"
                       " WHERE thread_key = ? AND direction = 'out' AND raw_id IS NOT NULL"
                       " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.message_id = m.id)",
                       (thread_key,)).fetchone()


def answers_customer(conn: sqlite3.Connection, message_id: int) -> bool:
    """A reply of an agent's that answers the customer: not automatic (a survey, an
    acknowledgement) nor a forward to someone else (it answers nothing)."""
    row = conn.execute("SELECT auto_submitted IS NULL AND coalesce(response, '') != 'none'"
                       " FROM messages WHERE id = ?", (message_id,)).fetchone()
    return bool(row and row[0])


def rename_unsent(conn: sqlite3.Connection, message_id: int, key: str) -> None:
    """Give a reply not sent yet another Message-ID (nobody has seen the first)."""
    conn.execute("UPDATE messages SET external_id = CASE WHEN external_id = thread_key THEN ?"
                 " ELSE external_id END, thread_key = ? WHERE id = ?",
                 (key, key, message_id))


def set_external_id(conn: sqlite3.Connection, message_id: int, external_id: str) -> bool:
    """Name a sent message by the platform's id for it (delivery receipts find it so).
    An id already taken on the channel is left off rather than failing the record of a
    send that happened; returns whether it was set."""
    cur = conn.execute("UPDATE messages SET external_id = ? WHERE id = ? AND NOT EXISTS"
                       " (SELECT 1 FROM messages o WHERE o.channel = messages.channel"
                       " AND o.external_id = ?)", (external_id, message_id, external_id))
    return cur.rowcount == 1
