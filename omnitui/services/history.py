"""Undo: any audited action, by id, or an agent's most recent one."""

from __future__ import annotations

import sqlite3

from omnitui.store import audit
from omnitui.store.db import StoreError


def undo(conn: sqlite3.Connection, actor: str, audit_id: int | None = None) -> int:
    """Undo `audit_id`, or `actor`'s last undoable action (all of it, however many cases it
    touched); returns the last undo event's id."""
    events = [audit_id] if audit_id is not None else audit.last_undoable(conn, actor)
    if not events:
        raise StoreError(f"{actor} has no action left to undo")
    batch: set[str] = set()
    return [audit.undo(conn, event, actor, batch=batch) for event in events][-1]
