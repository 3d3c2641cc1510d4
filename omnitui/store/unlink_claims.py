"""Schema 5's data step: links that earlier versions made from claims become claims again.

Before schema 5 every identifier of an item was linked to its customer, proven or not: a
web form giving a victim's email and an attacker's phone tied that phone to the victim, so
the attacker's next SMS joined the victim's case; a form stating only the victim's phone
made a customer of that phone, so the victim's first real SMS joined the attacker's case.
Such an identity's reason names the message it came from: "arrived together with <another
identifier> in <channel> message <external id>", or "sender of <channel> message <external
id>" when it was the item's first identifier. When that message came through a generic
source as a "message" (its id is the delivery's own key; events are excluded, their source
vouches for them), the email or phone was only stated, and the link goes:
- the message (and any other relayed message filed "from" the identity) keeps it as a claim,
  as this version files a stated identifier;
- when a channel delivered messages from it, the identity moves with them to a customer of
  their own (as `omnitui split` does) and an open merge suggestion offers the link back;
- when nothing but relayed messages ever named it, the identity is removed: whoever writes
  from it next becomes a customer of their own, and the claim raises the merge suggestion
  that names the customer who stated it (ingest.identity.claimed_earlier).
One audit event per identity, by omnitui-migration, undoable like any split.
"""

from __future__ import annotations

import re
import sqlite3

from omnitui.store import customers
from omnitui.store.audit import ChangeSet, delete_row, insert_row, record_audit, update_row
from omnitui.store.db import db_time, utc_now
from omnitui.wording import plural

ACTOR = "omnitui-migration"
CONFIDENCE = 0.7  # as a fresh claim that another customer has (ingest.identity)
MESSAGE_IN_REASON = re.compile(r"(?:^sender of| in) (\w+) message ")
# A message relayed by a generic source: its id is the delivery's own key; not an event.
RELAYED = ("messages m JOIN raw_payloads r ON r.id = m.raw_id WHERE m.channel != 'alert'"
           " AND r.external_key = m.external_id")


def migrate(conn: sqlite3.Connection) -> None:
    now = db_time(utc_now())
    for identity_id, customer_id, kind, value, reason in conn.execute(
            "SELECT id, customer_id, kind, value, reason FROM identities"
            " WHERE (reason LIKE 'arrived together with %' OR reason LIKE 'sender of %')"
            " AND kind IN ('email', 'phone') ORDER BY id").fetchall():
        stated_in = _relayed_message(conn, reason)
        if stated_in is not None:
            _unlink(conn, identity_id, customer_id, (kind, value), *stated_in, now)


def _relayed_message(conn: sqlite3.Connection, reason: str) -> tuple[int, str] | None:
    """(id, "channel message external-id") of the generic "message" a reason names.

    The reason ends "<channel> message <external id>"; the external id may itself hold
    those words, so every split is tried against the store."""
    for found in MESSAGE_IN_REASON.finditer(reason):
        channel, external_id = found[1], reason[found.end():]
        row = conn.execute(f"SELECT m.id FROM {RELAYED} AND m.channel = ?"
                           " AND m.external_id = ?", (channel, external_id)).fetchone()
        if row is not None:
            return row[0], _label(channel, external_id)
    return None


def _label(channel: str, external_id: str) -> str:
    return f"{channel} message {external_id}"


def _unlink(conn: sqlite3.Connection, identity_id: int, customer_id: int,
            key: tuple[str, str], message_id: int, message: str, now: str) -> None:
    kind, value = key
    changes = ChangeSet()
    customers.add_claim(conn, message_id, kind, value, value, f"stated in {message}")
    for relayed_id, channel, external_id in conn.execute(
            f"SELECT m.id, m.channel, m.external_id FROM {RELAYED} AND m.identity_id = ?",
            (identity_id,)).fetchall():  # filed "from" it, yet they only stated it
        update_row(conn, "messages", relayed_id, {"identity_id": None}, changes)
        customers.add_claim(conn, relayed_id, kind, value, value,
                            f"stated in {_label(channel, external_id)}")
    unlinked = (f"{kind} {value} unlinked from customer #{customer_id}: {message} only "
                "stated it, which proves nothing")
    if customers.ids_of_customer_rows(conn, "messages", customer_id, identity_id):
        owner, moved = customers.split_off(conn, customer_id, [identity_id], changes, now)
        evidence = (f"{kind} {value} stated in {message}, not verified; it was linked to "
                    f"customer #{customer_id} for that alone until the schema 5 migration "
                    "split it off")
        suggestion = insert_row(conn, "suggestions", {
            "kind": "merge_customers", "source_id": owner, "target_id": customer_id,
            "confidence": CONFIDENCE, "evidence": evidence, "message_id": message_id,
            "created_at": now}, changes)
        reason = (f"{unlinked}; it and the {plural(moved, 'message')} sent from it are now "
                  f"customer #{owner}, and suggestion #{suggestion} offers the merge back")
    else:
        delete_row(conn, "identities", identity_id, changes)
        reason = (f"{unlinked}, and no channel delivered a message from it; it stays a claim "
                  f"on that message, and whoever writes from it becomes a customer of their "
                  "own, with a suggestion to merge")
    record_audit(conn, actor=ACTOR, action="identity.unlinked", customer_id=customer_id,
                 message_id=message_id, changes=changes, at=now, reason=reason)
