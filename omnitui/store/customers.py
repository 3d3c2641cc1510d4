"""Customers, their identities, claims and weak facts about them, and merge suggestions."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import field

from omnitui.records import record
from omnitui.store import cases, info
from omnitui.store.audit import ChangeSet, insert_row, update_row
from omnitui.store.db import StoreError


@record(frozen=True)
class IdentityRow:
    id: int
    customer_id: int
    kind: str
    value: str


def find_identities(conn: sqlite3.Connection,
                    keys: list[tuple[str, str]]) -> list[IdentityRow]:
    """The stored identities among (kind, value) keys, in the order the keys were given."""
    found = []
    for kind, value in keys:
        row = conn.execute("SELECT id, customer_id FROM identities WHERE kind = ? AND value = ?",
                           (kind, value)).fetchone()
        if row:
            found.append(IdentityRow(row[0], row[1], kind, value))
    return found


@record(frozen=True)
class NewIdentity:
    """An identifier known to be the customer's: its kind and normalized value (the key
    identification finds them by), as it was written, and why it is theirs."""

    kind: str
    value: str
    display: str
    reason: str


@record(frozen=True)
class NewCustomer:
    name: str = ""
    tier: str = "standard"
    attributes: Mapping[str, object] = field(default_factory=dict)
    identities: tuple[NewIdentity, ...] = ()


def create_customer(conn: sqlite3.Connection, customer: NewCustomer, now: str,
                    changes: ChangeSet | None = None) -> int:
    """The one place a customer is born: a new sender, an import, the demo, a split, an
    outbound case to a new address. With `changes` the rows join a hand-made, undoable
    change."""
    customer_id = insert_row(conn, "customers", {
        "id": info.next_id(conn, "customers"), "name": customer.name, "tier": customer.tier,
        "attributes": json.dumps(dict(customer.attributes)), "created_at": now,
        "updated_at": now}, changes)
    for identity in customer.identities:
        add_identity(conn, customer_id, identity, now, changes)
    return customer_id


def add_identity(conn: sqlite3.Connection, customer_id: int, identity: NewIdentity,
                 now: str, changes: ChangeSet | None = None) -> int:
    return insert_row(conn, "identities", {
        "customer_id": customer_id, "kind": identity.kind, "value": identity.value,
        "display": identity.display, "reason": identity.reason, "created_at": now}, changes)


@record(frozen=True)
class ClaimRow:
    """A message that stated an identifier without proof, and whose customer it is."""

    message_id: int
    customer_id: int
    how: str


def add_claim(conn: sqlite3.Connection, message_id: int, kind: str, value: str,
              display: str, how: str) -> None:
    conn.execute("INSERT OR IGNORE INTO claims (message_id, kind, value, display, how)"
                 " VALUES (?, ?, ?, ?, ?)", (message_id, kind, value, display, how))


def claims_by_others(conn: sqlite3.Connection, kind: str, value: str, other_than: int,
                     limit: int) -> list[ClaimRow]:
    """Other customers' messages that stated (kind, value): the newest of each customer."""
    rows = conn.execute(
        "SELECT max(c.message_id), m.customer_id, c.how FROM claims c"
        " JOIN messages m ON m.id = c.message_id WHERE c.kind = ? AND c.value = ?"
        " AND m.customer_id != ? GROUP BY m.customer_id ORDER BY 1 DESC LIMIT ?",
        (kind, value, other_than, limit)).fetchall()
    return [ClaimRow(*r) for r in rows]


def identity_value(conn: sqlite3.Connection, identity_id: int | None) -> str | None:
    row = conn.execute("SELECT value FROM identities WHERE id = ?", (identity_id,)).fetchone()
    return row[0] if row else None


def first_claim(conn: sqlite3.Connection, message_id: int) -> str | None:
    """What a message first stated of its sender, as written."""
    row = conn.execute("SELECT display FROM claims WHERE message_id = ? ORDER BY id LIMIT 1",
                       (message_id,)).fetchone()
    return row[0] if row else None


def set_customer_name(conn: sqlite3.Connection, customer_id: int, name: str) -> None:
    conn.execute("UPDATE customers SET name = ? WHERE id = ?", (name, customer_id))


def name_and_tier(conn: sqlite3.Connection, customer_id: int) -> tuple[str, str]:
    return conn.execute("SELECT name, tier FROM customers WHERE id = ?",
                        (customer_id,)).fetchone()


def customer_exists(conn: sqlite3.Connection, customer_id: int) -> bool:
    return conn.execute("SELECT 1 FROM customers WHERE id = ? AND merged_into IS NULL",
                        (customer_id,)).fetchone() is not None


def require_customer(conn: sqlite3.Connection, customer_id: int) -> None:
    if not customer_exists(conn, customer_id):
        raise StoreError(f"there is no customer {customer_id} (or it was merged into another)")


def add_fact(conn: sqlite3.Connection, customer_id: int, kind: str, value: str) -> bool:
    """Record a fact; False when the customer already had it."""
    cur = conn.execute("INSERT OR IGNORE INTO customer_facts (customer_id, kind, value)"
                       " VALUES (?, ?, ?)", (customer_id, kind, value))
    return cur.rowcount > 0


def customers_with_fact(conn: sqlite3.Connection, kind: str, value: str,
                        other_than: int, limit: int) -> list[int]:
    rows = conn.execute(
        "SELECT f.customer_id FROM customer_facts f JOIN customers c ON c.id = f.customer_id"
        " WHERE f.kind = ? AND f.value = ? AND f.customer_id != ? AND c.merged_into IS NULL"
        " LIMIT ?", (kind, value, other_than, limit)).fetchall()
    return [r[0] for r in rows]


def add_suggestion(conn: sqlite3.Connection, *, kind: str, source_id: int, target_id: int,
                   confidence: float, evidence: str, message_id: int | None, now: str) -> None:
    """Record a suggestion once; the same evidence for the same pair is not repeated."""
    conn.execute(
        "INSERT OR IGNORE INTO suggestions (kind, source_id, target_id, confidence, evidence,"
        " message_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (kind, source_id, target_id, confidence, evidence, message_id, now))


def add_merge_suggestions(conn: sqlite3.Connection,
                          suggestions: list[tuple[int, int, float, str]],
                          message_id: int | None, now: str) -> None:
    """File (merge source, into target, confidence, evidence) suggestions."""
    for source, target, confidence, evidence in suggestions:
        add_suggestion(conn, kind="merge_customers", source_id=source, target_id=target,
                       confidence=confidence, evidence=evidence, message_id=message_id,
                       now=now)


def identities_of(conn: sqlite3.Connection, customer_id: int) -> list[IdentityRow]:
    rows = conn.execute("SELECT id, customer_id, kind, value FROM identities"
                        " WHERE customer_id = ? ORDER BY id", (customer_id,)).fetchall()
    return [IdentityRow(*r) for r in rows]


def ids_of_customer_rows(conn: sqlite3.Connection, table: str, customer_id: int,
                         identity_id: int | None = None) -> list[int]:
    """Ids of a customer's cases or messages (messages optionally from one identity only)."""
    if table not in ("cases", "messages", "customer_facts"):
        raise ValueError(table)
    if identity_id is None:
        rows = conn.execute(f"SELECT id FROM {table} WHERE customer_id = ? ORDER BY id",
                            (customer_id,))
    else:
        rows = conn.execute("SELECT id FROM messages WHERE customer_id = ? AND identity_id = ?"
                            " ORDER BY id", (customer_id, identity_id))
    return [r[0] for r in rows]


def split_off(conn: sqlite3.Connection, customer_id: int, identity_ids: list[int],
              changes: ChangeSet, now: str) -> tuple[int, int]:
    """Give identities a new customer of their own, with the messages sent from them; a
    case follows when every customer message in it came from them. Returns (the new
    customer, how many messages moved)."""
    new_id = create_customer(conn, NewCustomer(), now, changes)
    moved = 0
    for identity_id in identity_ids:
        update_row(conn, "identities", identity_id, {"customer_id": new_id}, changes)
        for message_id in ids_of_customer_rows(conn, "messages", customer_id, identity_id):
            update_row(conn, "messages", message_id, {"customer_id": new_id}, changes)
            moved += 1
    for case_id in ids_of_customer_rows(conn, "cases", customer_id):
        senders = cases.inbound_senders(conn, case_id)
        if senders and senders <= {new_id}:
            cases.update_case(conn, case_id, {"customer_id": new_id}, changes)
    return new_id, moved


def fact_rows(conn: sqlite3.Connection, customer_id: int) -> list[tuple[int, str, str]]:
    return conn.execute("SELECT id, kind, value FROM customer_facts WHERE customer_id = ?",
                        (customer_id,)).fetchall()


def open_merge_suggestions_between(conn: sqlite3.Connection, a: int, b: int) -> list[int]:
    rows = conn.execute(
        "SELECT id FROM suggestions WHERE kind = 'merge_customers' AND status = 'open'"
        " AND ((source_id = ? AND target_id = ?) OR (source_id = ? AND target_id = ?))",
        (a, b, b, a)).fetchall()
    return [r[0] for r in rows]


def open_merge_suggestions_naming(conn: sqlite3.Connection, customer_id: int
                                  ) -> list[tuple[int, int, int, str]]:
    """(id, source, target, evidence) of the open merge suggestions naming the customer."""
    return conn.execute(
        "SELECT id, source_id, target_id, evidence FROM suggestions"
        " WHERE kind = 'merge_customers' AND status = 'open' AND ? IN (source_id, target_id)",
        (customer_id,)).fetchall()


def has_merge_suggestion(conn: sqlite3.Connection, a: int, b: int, evidence: str) -> bool:
    """Whether customers a and b were suggested for merging, either way, on this evidence
    (open, accepted or dismissed)."""
    return conn.execute(
        "SELECT 1 FROM suggestions WHERE kind = 'merge_customers' AND evidence = ?"
        " AND ((source_id = ? AND target_id = ?) OR (source_id = ? AND target_id = ?))",
        (evidence, a, b, b, a)).fetchone() is not None


def get_suggestion(conn: sqlite3.Connection, suggestion_id: int) -> dict | None:
    cur = conn.execute("SELECT * FROM suggestions WHERE id = ?", (suggestion_id,))
    row = cur.fetchone()
    return dict(zip([d[0] for d in cur.description], row, strict=True)) if row else None


def customer_name(conn: sqlite3.Connection, customer_id: int) -> str:
    return conn.execute("SELECT name FROM customers WHERE id = ?", (customer_id,)).fetchone()[0]


def open_attach_suggestions(conn: sqlite3.Connection, message_id: int,
                            case_id: int) -> list[int]:
    rows = conn.execute(
        "SELECT id FROM suggestions WHERE kind = 'attach_to_case' AND status = 'open'"
        " AND source_id = ? AND target_id = ?", (message_id, case_id)).fetchall()
    return [r[0] for r in rows]


def merge_suggestions_for(conn: sqlite3.Connection,
                          customer_id: int) -> list[tuple[int, int, str, float, str]]:
    """Open merge suggestions naming a customer: (suggestion id, the other customer, their
    name, confidence, evidence), strongest first."""
    return conn.execute(
        "SELECT s.id, o.id, o.name, s.confidence, s.evidence FROM suggestions s"
        " JOIN customers o ON o.id = CASE WHEN s.source_id = ? THEN s.target_id"
        " ELSE s.source_id END WHERE s.kind = 'merge_customers' AND s.status = 'open'"
        " AND ? IN (s.source_id, s.target_id) AND o.merged_into IS NULL"
        " ORDER BY s.confidence DESC, s.id LIMIT 20", (customer_id, customer_id)).fetchall()


def update_profile(conn: sqlite3.Connection, customer_id: int, *, name: str, tier: str | None,
                   attributes: dict[str, object], now: str) -> dict[str, object]:
    """Set what another system knows of a customer: a non-empty name, the tier, and the
    given attributes (merged into the stored ones). Returns the values before, for the
    audit."""
    row = conn.execute("SELECT name, tier, attributes FROM customers WHERE id = ?",
                       (customer_id,)).fetchone()
    before = {"name": row[0], "tier": row[1], "attributes": json.loads(row[2] or "{}")}
    merged = {**before["attributes"], **attributes}  # type: ignore[dict-item]
    conn.execute("UPDATE customers SET name = ?, tier = ?, attributes = ?, updated_at = ?"
                 " WHERE id = ?", (name or row[0], tier or row[1], json.dumps(merged), now,
                                   customer_id))
    return before


def attributes_of(conn: sqlite3.Connection, customer_id: int) -> dict[str, object]:
    row = conn.execute("SELECT attributes FROM customers WHERE id = ?",
                       (customer_id,)).fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def channels_to_reach(conn: sqlite3.Connection, customer_id: int) -> list[str]:
    """The channels to write to the customer on, in order: the one their profile prefers,
    then those they wrote on, the latest first."""
    preferred = conn.execute("SELECT preferred_channel FROM customers WHERE id = ?",
                             (customer_id,)).fetchone()
    wrote = [r[0] for r in conn.execute(
        "SELECT channel FROM messages WHERE customer_id = ? AND direction = 'in'"
        " GROUP BY channel ORDER BY max(created_at) DESC", (customer_id,))]
    return list(dict.fromkeys([*([preferred[0]] if preferred and preferred[0] else []),
                               *wrote]))
