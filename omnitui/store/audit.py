"""Row changes that remember their before and after, the audit log, and undo.

Every hand-made change (merge, split, move, status...) goes through `insert_row`,
`update_row` and `delete_row` with a `ChangeSet`; `record_audit` writes the set as one audit
event, and `undo` plays it backwards. One mechanism serves every action, so each new action
is undoable for free.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import field
from typing import Any

from omnitui.model import Status
from omnitui.records import record
from omnitui.store import info
from omnitui.store.db import StoreError, db_time, insert, transaction_token, utc_now
from omnitui.store.schema import DERIVED

# Tables an audit event may touch; table names are never taken from outside.
UNDOABLE_TABLES = frozenset({"customers", "identities", "cases", "messages", "suggestions",
                             "customer_facts", "outbox", "csat", "assistant_runs"})


@record
class ChangeSet:
    """The rows one action touched: the first `before` and the last `after` of each."""

    before: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    after: dict[str, dict[str, Any] | None] = field(default_factory=dict)

    def record(self, table: str, row_id: int, before: dict[str, Any] | None,
               after: dict[str, Any] | None) -> None:
        key = f"{table}:{row_id}"
        if key in self.before and before is not None and self.before[key] is not None:
            merged = dict(before)
            merged.update(self.before[key] or {})  # the earliest value of a column wins
            self.before[key] = merged
        else:
            self.before.setdefault(key, before)
        if after is not None and self.after.get(key) is not None:
            merged_after = dict(self.after[key] or {})
            merged_after.update(after)
            after = merged_after
        self.after[key] = after


# The tables a filed message may add rows to, each after the ones it refers to (a message
# names its case, a case its customer): an undo deletes them the other way round.
FILED_TABLES = ("customers", "identities", "customer_facts", "cases", "messages",
                "suggestions")


@record(frozen=True)
class Watch:
    """What an unaudited write (the ingest pipeline's) may change, read before it: the last
    id of each of FILED_TABLES and the rows it may update, by "table:id"."""

    last_ids: dict[str, int]
    rows: dict[str, dict[str, Any] | None]


def watch(conn: sqlite3.Connection, rows: list[tuple[str, int]]) -> Watch:
    """Read what `changes_since` compares with, before the write."""
    for table, _ in rows:
        _check_table(table)
    return Watch({table: conn.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}"
                                      ).fetchone()[0] for table in FILED_TABLES},
                 {f"{table}:{row_id}": _select(conn, table, row_id) for table, row_id in rows})


def changes_since(conn: sqlite3.Connection, watched: Watch) -> ChangeSet:
    """What the write did to the watched rows and the rows it added, as a ChangeSet: a
    contact an agent logs goes through the pipeline like any message, and is still the
    agent's change to take back."""
    changes = ChangeSet()
    for key, before in watched.rows.items():
        table, _, row_id = key.partition(":")
        now = _select(conn, table, int(row_id))
        if before is not None and now is not None and now != before:
            moved = [name for name, value in now.items() if before.get(name) != value]
            changes.record(table, int(row_id), {name: before[name] for name in moved},
                           {name: now[name] for name in moved})
    for table in FILED_TABLES:
        for row in conn.execute(f"SELECT rowid FROM {table} WHERE rowid > ? ORDER BY rowid",
                                (watched.last_ids[table],)).fetchall():
            changes.record(table, row[0], None, _select(conn, table, row[0]))
    return changes


def _check_table(table: str) -> None:
    if table not in UNDOABLE_TABLES:
        raise ValueError(f"table {table!r} is not audited")


def _select(conn: sqlite3.Connection, table: str, row_id: int,
            columns: list[str] | None = None) -> dict[str, Any] | None:
    cols = ", ".join(columns) if columns else "*"
    cur = conn.execute(f"SELECT {cols} FROM {table} WHERE rowid = ?", (row_id,))
    row = cur.fetchone()
    if row is None:
        return None
    return dict(zip([d[0] for d in cur.description], row, strict=True))


def insert_row(conn: sqlite3.Connection, table: str, values: dict[str, Any],
               changes: ChangeSet | None) -> int:
    """Insert a row; with `changes` it is recorded for the audit and undo (a hand-made
    change), without it it is the pipeline's or an import's own write."""
    _check_table(table)
    row_id = insert(conn, table, values)
    if changes is not None:
        changes.record(table, row_id, None, _select(conn, table, row_id))
    return row_id


def update_row(conn: sqlite3.Connection, table: str, row_id: int, values: dict[str, Any],
               changes: ChangeSet, row: sqlite3.Row | None = None) -> bool:
    """Update the given columns; records only the columns whose value really changes.
    `row`: the row as the caller read it in this transaction (not read again)."""
    _check_table(table)
    current = {k: row[k] for k in values} if row is not None else \
        _select(conn, table, row_id, list(values))
    if current is None:
        raise StoreError(f"{table} row {row_id} does not exist")
    changed = {k: v for k, v in values.items() if current[k] != v}
    if not changed:
        return False
    sets = ", ".join(f"{k} = ?" for k in changed)
    conn.execute(f"UPDATE {table} SET {sets} WHERE rowid = ?", (*changed.values(), row_id))
    changes.record(table, row_id, {k: current[k] for k in changed}, changed)
    return True


def delete_row(conn: sqlite3.Connection, table: str, row_id: int, changes: ChangeSet) -> None:
    _check_table(table)
    before = _select(conn, table, row_id)
    conn.execute(f"DELETE FROM {table} WHERE rowid = ?", (row_id,))
    changes.record(table, row_id, before, None)


def record_audit(conn: sqlite3.Connection, *, actor: str, action: str,
                 case_id: int | None = None, customer_id: int | None = None,
                 message_id: int | None = None, reason: str = "",
                 changes: ChangeSet | None = None, undo_of: int | None = None,
                 at: str | None = None) -> int:
    before = json.dumps(changes.before) if changes else "{}"
    after = json.dumps(changes.after) if changes else "{}"
    cur = conn.execute(
        "INSERT INTO audit (at, actor, action, case_id, customer_id, message_id, reason,"
        " before, after, undo_of, txn) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (at or db_time(utc_now()), actor, action, case_id, customer_id, message_id, reason,
         before, after, undo_of, transaction_token(conn) if changes else None))
    return int(cur.lastrowid or 0)


def undo(conn: sqlite3.Connection, audit_id: int, actor: str, *,
         batch: set[str] | None = None) -> int:
    """Play one audit event backwards; refuses if any row changed since, so nothing is lost.

    `batch` carries the rows already restored while undoing the later events of the same
    action (newest first): their version moved on because of that undo, not because of
    anyone else, so for them the version is not compared.
    """
    row = conn.execute("SELECT action, case_id, customer_id, before, after, undone_by"
                       " FROM audit WHERE id = ?", (audit_id,)).fetchone()
    if row is None:
        raise StoreError(f"there is no audit event {audit_id}")
    action, case_id, customer_id, before_json, after_json, undone_by = row
    if undone_by is not None:
        raise StoreError(f"audit event {audit_id} ({action}) was already undone by "
                         f"event {undone_by}")
    before: dict[str, dict[str, Any] | None] = json.loads(before_json)
    after: dict[str, dict[str, Any] | None] = json.loads(after_json)
    if not after:
        raise StoreError(f"audit event {audit_id} ({action}) changed no rows; nothing to undo")
    changes = ChangeSet()
    batch = set() if batch is None else batch
    for key in reversed(list(after)):
        table, _, raw_id = key.partition(":")
        _check_table(table)
        _restore(conn, table, int(raw_id), before.get(key), after[key], changes,
                 same_action=key in batch)
        batch.add(key)
    undo_id = record_audit(conn, actor=actor, action=f"undo {action}", case_id=case_id,
                           customer_id=customer_id,
                           reason=f"takes back audit event {audit_id}",
                           changes=changes, undo_of=audit_id)
    conn.execute("UPDATE audit SET undone_by = ? WHERE id = ?", (undo_id, audit_id))
    return undo_id


def _restore(conn: sqlite3.Connection, table: str, row_id: int,
             before: dict[str, Any] | None, after: dict[str, Any] | None,
             changes: ChangeSet, *, same_action: bool = False) -> None:
    current = _select(conn, table, row_id, list(after) if after else None)
    if same_action and after is not None and current is not None:
        current = {**current, "version": after.get("version")} if "version" in after \
            else current
    if after is not None and _kept(table, current) != _kept(table, after):
        raise StoreError(f"cannot undo: {_row_words(table, row_id)} changed since"
                         f"{_what_changed(current, after)}; undo the later change first")
    if before is None:
        delete_row(conn, table, row_id, changes)
        if table in info.NEVER_REUSED:
            info.retire(conn, table, row_id)
    elif after is None:
        if _select(conn, table, row_id, ["rowid"]) is not None:
            raise StoreError(f"cannot undo: {table} row {row_id} was taken by something "
                             "newer since")
        insert_row(conn, table, before, changes)
    else:
        if "version" in before and current:
            # The restored row is a new state: bump the version so stale editors still fail.
            now = _select(conn, table, row_id, ["version"]) or current
            before = {**before, "version": now["version"] + 1}
        update_row(conn, table, row_id, before, changes)


def _row_words(table: str, row_id: int) -> str:
    kind = {"cases": "case", "customers": "customer", "messages": "message"}.get(table)
    return f"{kind} #{row_id}" if kind else f"{table} row {row_id}"


def _what_changed(current: dict[str, Any] | None, after: dict[str, Any]) -> str:
    """The columns that moved on, by name only: their values may be a customer's text."""
    if current is None:
        return " (it is gone)"
    moved = [name for name, value in after.items()
             if current.get(name) != value and name not in ("version", "updated_at")]
    return f" ({', '.join(moved)})" if moved else ""


def _kept(table: str, row: dict[str, Any] | None) -> dict[str, Any] | None:
    """A row without the columns that are recomputed, not edited (schema.DERIVED), nor its
    version and time of change: a row whose every other column is as the event left it
    has lost nothing since, though an undo of a later change moved its version (each `u`
    steps further back through an agent's actions)."""
    if row is None:
        return row
    skipped = DERIVED.get(table, frozenset()) | {"version", "updated_at"}
    return {k: v for k, v in row.items() if k not in skipped}


# Actions that follow the config, not a person's choice: undone, the next clock replay did
# them again at once while the audit said they were undone (an SLA repair).
NOT_UNDONE = ("case.sla_recomputed",)


def later_on_cases(conn: sqlite3.Connection, after_id: int, actor: str,
                   case_ids: set[int]) -> list[int]:
    """`actor`'s events after `after_id` on any of `case_ids`, not undone, newest first."""
    if not case_ids:
        return []
    marks = ", ".join("?" * len(case_ids))
    return [row[0] for row in conn.execute(
        f"SELECT id FROM audit WHERE id > ? AND actor = ? AND case_id IN ({marks}) AND"
        " undone_by IS NULL AND undo_of IS NULL AND after != '{}' ORDER BY id DESC",
        (after_id, actor, *case_ids))]


def cases_created_by(conn: sqlite3.Connection, audit_ids: list[int]) -> set[int]:
    """The cases these events made (a split's new case)."""
    found: set[int] = set()
    for audit_id in audit_ids:
        before, after = event_rows(conn, audit_id)
        found |= {int(key.partition(":")[2]) for key in after
                  if key.startswith("cases:") and before.get(key) is None}
    return found


def action_of(conn: sqlite3.Connection, audit_id: int) -> str | None:
    row = conn.execute("SELECT action FROM audit WHERE id = ?", (audit_id,)).fetchone()
    return row[0] if row else None


def last_undoable(conn: sqlite3.Connection, actor: str) -> list[int]:
    """The actor's latest action that changed rows and is not undone, a redo counted as
    one and an undo not: every audit event its transaction wrote, newest first. So each
    `u` steps further back (undoing the undo came next, and a second `u` sent again the
    reply the first had taken back), and `u` after `U` takes back what the redo put back
    (it skipped it and took back the action before). (`omnitui undo ID` with an undo's id
    still redoes.)"""
    rows = conn.execute("SELECT id, txn FROM audit WHERE actor = ? AND undone_by IS NULL"
                        " AND after != '{}' AND action NOT IN"
                        f" ({', '.join('?' * len(NOT_UNDONE))}) ORDER BY id DESC LIMIT 50",
                        (actor, *NOT_UNDONE)).fetchall()
    found = next((row for row in rows if not _undoes(conn, row[0])), None)
    if found is None:
        return []
    if found[1] is None:
        return [found[0]]
    return [r[0] for r in conn.execute(
        "SELECT id FROM audit WHERE txn = ? AND actor = ? AND undone_by IS NULL"
        " AND after != '{}' ORDER BY id DESC", (found[1], actor)) if not _undoes(conn, r[0])]


def last_redoable(conn: sqlite3.Connection, actor: str) -> int | None:
    """The actor's latest undo, if nothing of theirs came after it (as in an editor: a new
    action ends what can be redone) and it was not taken back: undoing it is the redo."""
    row = conn.execute("SELECT id, undone_by FROM audit WHERE actor = ? AND after != '{}'"
                       " ORDER BY id DESC LIMIT 1", (actor,)).fetchone()
    return row[0] if row is not None and row[1] is None and _undoes(conn, row[0]) else None


def _undoes(conn: sqlite3.Connection, audit_id: int) -> bool:
    """Whether the event takes something back: an undo, an undo of a redo...; an action, or
    a redo (an undo of an undo), puts something in place."""
    depth = 0
    while (row := conn.execute("SELECT undo_of FROM audit WHERE id = ?", (audit_id,)
                               ).fetchone()) is not None and row[0] is not None:
        depth, audit_id = depth + 1, row[0]
    return depth % 2 == 1


def redo_group(conn: sqlite3.Connection, audit_id: int) -> list[int]:
    """The events undoing `audit_id` takes back: an undo's, every undo event its
    transaction wrote and not undone since, newest first (the redo `omnitui undo` names
    after an undo of nine cases put back one); any other event alone."""
    found = [r[0] for r in conn.execute(
        "SELECT u.id FROM audit a JOIN audit u ON u.txn = a.txn WHERE a.id = ?"
        " AND a.undo_of IS NOT NULL AND u.undo_of IS NOT NULL AND u.undone_by IS NULL"
        " ORDER BY u.id DESC", (audit_id,))]
    return found or [audit_id]


# what an event did, as it is told: a forward is queued as a reply, and said as a forward
_ACTION_SAID = ("CASE WHEN a.action = 'reply.queued' AND a.reason LIKE 'forwarded to %' THEN"
                " 'reply.forwarded' ELSE a.action END")


def undone_actions(conn: sqlite3.Connection, undo_id: int) -> list[tuple[str, int | None]]:
    """(action, case id) of every event one undo took back (all the undo events of its
    transaction), oldest first, to tell the agent what was taken back."""
    return conn.execute(
        f"SELECT {_ACTION_SAID}, a.case_id FROM audit u JOIN audit a ON a.id = u.undo_of"
        " WHERE u.id = ? OR (u.txn IS NOT NULL AND u.txn = (SELECT txn FROM audit"
        " WHERE id = ?)) ORDER BY a.id", (undo_id, undo_id)).fetchall()


def actions_of(conn: sqlite3.Connection, ids: list[int]
               ) -> list[tuple[str, int | None, str]]:
    """(action, case id, when) of these events, oldest first: what an undo would take
    back, told before it does."""
    return conn.execute(
        f"SELECT {_ACTION_SAID}, a.case_id, a.at FROM audit a WHERE a.id IN"
        f" ({', '.join('?' * len(ids))}) ORDER BY a.id", ids).fetchall()


def rows_of_transaction(conn: sqlite3.Connection,
                        token: str | None) -> list[tuple[str, int | None, str]]:
    """(action, case id, reason) of every audit row one write transaction recorded."""
    if token is None:
        return []
    return conn.execute("SELECT action, case_id, reason FROM audit WHERE txn = ? ORDER BY id",
                        (token,)).fetchall()


def recorded(conn: sqlite3.Connection, case_id: int, action: str, reason_prefix: str) -> bool:
    """Whether the case has an audit row of `action` whose reason starts so."""
    return conn.execute("SELECT 1 FROM audit WHERE case_id = ? AND action = ? AND"
                        " substr(reason, 1, ?) = ? LIMIT 1",
                        (case_id, action, len(reason_prefix), reason_prefix)
                        ).fetchone() is not None


# Columns every change bumps, and the score's breakdown (the case shows it as people read
# it): saying them in a history says nothing.
_UNTOLD = frozenset({"version", "updated_at", "priority_parts"})


@record(frozen=True)
class AuditEntry:
    """One audit event as a history shows it."""

    id: int
    at: str
    actor: str
    action: str
    case_id: int | None
    customer_id: int | None
    reason: str
    changes: list[tuple[str, Any, Any]]  # (what, before, after); a case's columns by name
    # the event opened its case pending (written first: on the customer's answer): on what,
    # its pause reason as the new row records it; None: it opened no case so
    opened_pending_on: str | None = None


def event_rows(conn: sqlite3.Connection, audit_id: int
               ) -> tuple[dict[str, dict[str, Any] | None], dict[str, dict[str, Any] | None]]:
    """The rows an event changed, before and after, by "table:id"."""
    row = conn.execute("SELECT before, after FROM audit WHERE id = ?", (audit_id,)).fetchone()
    return (json.loads(row[0]), json.loads(row[1])) if row else ({}, {})


def changes_of(before: str, after: str, case_id: int | None = None
               ) -> list[tuple[str, Any, Any]]:
    """What an event changed, column by column: ("owner", None, "alice") on its own case
    `case_id`, ("cases 4 customer_id", 3, 1) on another (a customer merge, a merged case's
    source: "customer_id 3 → 1" said not which case); a row created or removed is
    ("messages 812 created", None, None) or ("... removed", None, None)."""
    was_rows, now_rows = json.loads(before or "{}"), json.loads(after or "{}")
    found: list[tuple[str, Any, Any]] = []
    for key in dict.fromkeys([*was_rows, *now_rows]):
        table, _, row_id = key.partition(":")
        was, now = was_rows.get(key), now_rows.get(key)
        if was is None or now is None:
            found.append((f"{table} {row_id} {'created' if was is None else 'removed'}",
                          None, None))
            continue
        prefix = "" if table == "cases" and row_id == str(case_id) else f"{table} {row_id} "
        found.extend((f"{prefix}{column}", was.get(column), now.get(column))
                     for column in dict.fromkeys([*was, *now]) if column not in _UNTOLD)
    return found


def has_acted(conn: sqlite3.Connection, actor: str) -> bool:
    """Whether the audit has anything by `actor` (one seek in its actor index)."""
    return conn.execute("SELECT 1 FROM audit WHERE actor = ? LIMIT 1", (actor,)
                        ).fetchone() is not None


def history(conn: sqlite3.Connection, *, case_id: int | None = None, actor: str | None = None,
            since: str | None = None, limit: int = 200) -> list[AuditEntry]:
    """The latest `limit` audit events that match, oldest first (by case or actor through
    their indexes)."""
    where, params = [], []
    for clause, value in (("case_id = ?", case_id), ("actor = ?", actor), ("at >= ?", since)):
        if value is not None:
            where.append(clause)
            params.append(value)
    rows = conn.execute(
        "SELECT id, at, actor, action, case_id, customer_id, reason, before, after FROM audit"
        + (f" WHERE {' AND '.join(where)}" if where else "") + " ORDER BY id DESC LIMIT ?",
        (*params, limit)).fetchall()
    return [AuditEntry(*row[:7], changes=changes_of(row[7], row[8], row[4]),
                       opened_pending_on=opened_pending_on(row[4], row[7], row[8]))
            for row in reversed(rows)]


def opened_pending_on(case_id: int | None, before: str, after: str) -> str | None:
    """What the case an event created opened pending on (its pause reason, as its row in
    the event's after records it); None: the event created no case, or not a pending one."""
    key = f"cases:{case_id}"
    if case_id is None or f'"{key}"' not in after:  # (most events: nothing to read)
        return None
    opened, was = json.loads(after).get(key), json.loads(before or "{}").get(key)
    if not opened or was is not None or opened.get("status") != Status.PENDING:
        return None
    return opened.get("pause_reason")
