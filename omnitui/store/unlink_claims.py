"""Schema 5's data step: links that earlier versions made from claims become suggestions.

Before schema 5 every identifier of an item was linked to its customer, proven or not: a
web form giving a victim's email and an attacker's phone tied that phone to the victim, so
the attacker's next SMS joined the victim's case. Such an identity's reason says it
"arrived together with" another identifier in a message; when that message came through a
generic source as a "message" (its id is the delivery's own key; events are excluded, their
source vouches for them), the email or phone was only stated. Each such identity is split
off to a customer of its own, with the messages sent from it (as `omnitui split` does); the
message keeps it as a claim; an open merge suggestion offers the link back. One audit event
per identity, by omnitui-migration, undoable like any split.
"""

from __future__ import annotations

import re
import sqlite3

from omnitui.store import customers
from omnitui.store.audit import ChangeSet, insert_row, record_audit
from omnitui.store.db import db_time, utc_now

ACTOR = "omnitui-migration"
CONFIDENCE = 0.7  # as a fresh claim that another customer has (ingest.identity)
MESSAGE_IN_REASON = re.compile(r" in (\w+) message ")


def migrate(conn: sqlite3.Connection) -> None:
    now = db_time(utc_now())
    for identity_id, customer_id, kind, value, reason in conn.execute(
            "SELECT id, customer_id, kind, value, reason FROM identities"
            " WHERE reason LIKE 'arrived together with %' AND kind IN ('email', 'phone')"
            " ORDER BY id").fetchall():
        stated_in = _relayed_message(conn, reason)
        if stated_in is not None:
            _unlink(conn, identity_id, customer_id, (kind, value), *stated_in, now)


def _relayed_message(conn: sqlite3.Connection, reason: str) -> tuple[int, str] | None:
    """(id, "channel message external-id") of the generic "message" a reason names.

    The reason ends "in <channel> message <external id>"; the external id may itself hold
    those words, so every split is tried against the store."""
    for found in MESSAGE_IN_REASON.finditer(reason):
        channel, external_id = found[1], reason[found.end():]
        row = conn.execute(
            "SELECT m.id FROM messages m JOIN raw_payloads r ON r.id = m.raw_id"
            " WHERE m.channel = ? AND m.external_id = ? AND m.channel != 'alert'"
            " AND r.external_key = m.external_id", (channel, external_id)).fetchone()
        if row is not None:
            return row[0], f"{channel} message {external_id}"
    return None


def _unlink(conn: sqlite3.Connection, identity_id: int, customer_id: int,
            key: tuple[str, str], message_id: int, message: str, now: str) -> None:
    kind, value = key
    changes = ChangeSet()
    owner, moved = customers.split_off(conn, customer_id, [identity_id], changes, now)
    how = f"stated in {message}"
    customers.add_claim(conn, message_id, kind, value, value, how)
    evidence = (f"{kind} {value} {how} next to another identifier, not verified; it was "
                f"linked to customer #{customer_id} for that alone until the schema 5 "
                "migration split it off")
    suggestion = insert_row(conn, "suggestions", {
        "kind": "merge_customers", "source_id": owner, "target_id": customer_id,
        "confidence": CONFIDENCE, "evidence": evidence, "message_id": message_id,
        "created_at": now}, changes)
    record_audit(conn, actor=ACTOR, action="identity.unlinked", customer_id=customer_id,
                 message_id=message_id, changes=changes, at=now,
                 reason=f"{kind} {value} unlinked from customer #{customer_id}: {message} "
                        f"only stated it, which proves nothing; it and the {moved} "
                        f"message(s) sent from it are now customer #{owner}, and "
                        f"suggestion #{suggestion} offers the merge back")
