"""Undo: any audited action, by id, or an agent's most recent one."""

from __future__ import annotations

from omnitui.store import audit
from omnitui.store.db import Store, StoreError


def undo(store: Store, actor: str, audit_id: int | None = None) -> int:
    """Undo `audit_id`, or `actor`'s last undoable action; returns the undo's own event id."""
    with store.write() as conn:
        if audit_id is None:
            audit_id = audit.last_undoable(conn, actor)
            if audit_id is None:
                raise StoreError(f"{actor} has no action left to undo")
        return audit.undo(conn, audit_id, actor)
