"""Inbound items that are not customer messages: delivery receipts and customer updates.

They arrive on the same channels as messages and are filed in the same transaction that
marks their raw row processed (omnitui/ingest/pending.py); each leaves an audit row, so the
consoles showing the case or customer redraw.
"""

from __future__ import annotations

import sqlite3

from omnitui.config import IdentitySettings
from omnitui.identifiers import normalize
from omnitui.ingest.identity import claimed_earlier
from omnitui.model import CustomerUpdate, DeliveryReceipt
from omnitui.store import customers, outbox
from omnitui.store.audit import record_audit
from omnitui.store.db import db_time, utc_now

ACTOR = "omnitui-ingest"


def apply_receipt(conn: sqlite3.Connection, receipt: DeliveryReceipt) -> int:
    """1 when the receipt names a reply we sent; a receipt for anything else (a message
    sent from the platform's own app, say) is ignored."""
    return int(outbox.record_receipt(conn, receipt.channel, receipt.external_id,
                                     receipt.status, db_time(receipt.at), receipt.error))


def apply_customer_update(conn: sqlite3.Connection, update: CustomerUpdate,
                          settings: IdentitySettings) -> tuple[int, str]:
    """Find the customer by any of the identifiers (or create them), link the identifiers
    not linked yet, and store the name, tier and attributes. Returns the customer and the
    tier they had (their open cases follow a new one: services/intake.py).

    The source is signed and speaks for its own records (a CRM is how teams import their
    customers), so its identifiers count as verified (docs/identity.md); messages that
    only stated one of them earlier get a merge suggestion."""
    keys = [k for k in (normalize(i, settings.default_phone_region)
                        for i in update.identifiers) if k is not None]
    if not keys:
        raise ValueError("a customer update needs at least one usable identifier "
                         "(an email address, a phone number or a handle)")
    now = db_time(utc_now())
    known = customers.find_identities(conn, keys)
    reason = f"customer update from {update.source or 'an integration'}"
    customer_id = (known[0].customer_id if known
                   else customers.create_customer(conn, customers.NewCustomer(update.name), now))
    linked = {(row.kind, row.value) for row in known}
    for kind, value in keys:
        if (kind, value) not in linked:
            customers.add_identity(conn, customer_id,
                                   customers.NewIdentity(kind, value, value, reason), now)
            customers.add_merge_suggestions(conn, claimed_earlier(
                conn, (kind, value), customer_id, f"has it in {reason}"), None, now)
    before = customers.update_profile(conn, customer_id, name=update.name, tier=update.tier,
                                      attributes=update.attributes, now=now)
    changed = ", ".join(sorted([*update.attributes, *(["tier"] if update.tier else [])]))
    record_audit(conn, actor=ACTOR, action="customer.updated", customer_id=customer_id,
                 reason=f"{reason}: {changed or 'identities'} (was {before})"[:500], at=now)
    return customer_id, str(before["tier"])
