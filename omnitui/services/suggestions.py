"""Acting on suggestions from weak evidence: accept (do the merge or attach) or dismiss.
Both work inside the caller's write transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from omnitui.services.merge import merge_customers, move_messages
from omnitui.store.audit import ChangeSet, record_audit, update_row
from omnitui.store.customers import get_suggestion
from omnitui.store.db import StoreError


def _open_suggestion(conn: sqlite3.Connection, suggestion_id: int) -> dict:
    suggestion = get_suggestion(conn, suggestion_id)
    if suggestion is None:
        raise StoreError(f"there is no suggestion {suggestion_id}")
    if suggestion["status"] != "open":
        raise StoreError(f"suggestion {suggestion_id} was already {suggestion['status']}")
    return suggestion


def accept(conn: sqlite3.Connection, suggestion_id: int, actor: str,
           tier_weights: Mapping[str, float]) -> int:
    """Carry a suggestion out; returns the audit event (undo reverses it like any merge).
    `tier_weights`: which of two merged customers' tiers is the higher."""
    suggestion = _open_suggestion(conn, suggestion_id)
    if suggestion["kind"] == "merge_customers":
        return merge_customers(conn, suggestion["source_id"], suggestion["target_id"], actor,
                               tier_weights)
    return move_messages(conn, [suggestion["source_id"]], suggestion["target_id"], actor,
                         other_customers=True)[1]  # what it suggested: the agent saw whose


def dismiss(conn: sqlite3.Connection, suggestion_id: int, actor: str) -> int:
    _open_suggestion(conn, suggestion_id)
    changes = ChangeSet()
    update_row(conn, "suggestions", suggestion_id, {"status": "dismissed"}, changes)
    return record_audit(conn, actor=actor, action="suggestion.dismissed",
                        reason=f"suggestion {suggestion_id} dismissed", changes=changes)
