"""Business events: what happened to a customer or a product, as other systems report it."""

from __future__ import annotations

import sqlite3

from omnitui.records import record


@record(frozen=True)
class BusinessEvent:
    id: int
    kind: str
    customer_id: int | None
    product: str | None
    severity: int
    text: str
    at: str
    resolved_at: str | None


COLUMNS = "id, kind, customer_id, product, severity, text, at, resolved_at"


def add(conn: sqlite3.Connection, kind: str, *, customer_id: int | None,
           product: str | None, severity: int, text: str, actor: str, at: str) -> int:
    cur = conn.execute(
        "INSERT INTO business_events (kind, customer_id, product, severity, text, actor, at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)", (kind, customer_id, product, severity, text, actor, at))
    return int(cur.lastrowid or 0)


def ongoing(conn: sqlite3.Connection, kind: str = "outage") -> list[BusinessEvent]:
    """Events of `kind` about a product not resolved yet, oldest first."""
    return [BusinessEvent(*row) for row in conn.execute(
        f"SELECT {COLUMNS} FROM business_events WHERE kind = ? AND resolved_at IS NULL"
        " AND product IS NOT NULL ORDER BY id", (kind,))]


def resolve(conn: sqlite3.Connection, event_id: int, at: str) -> None:
    conn.execute("UPDATE business_events SET resolved_at = ? WHERE id = ?", (at, event_id))


def of_customer(conn: sqlite3.Connection, customer_id: int,
                limit: int = 50) -> list[BusinessEvent]:
    """The customer's events, newest first."""
    return [BusinessEvent(*row) for row in conn.execute(
        f"SELECT {COLUMNS} FROM business_events WHERE customer_id = ? ORDER BY at DESC, id"
        " DESC LIMIT ?", (customer_id, limit))]
