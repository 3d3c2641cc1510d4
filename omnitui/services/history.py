"""Undo: any audited action, by id, or an agent's most recent one."""

from __future__ import annotations

import json
import sqlite3

from omnitui.model import Draft
from omnitui.services.merge import undoable_merge
from omnitui.store import agents as agent_store
from omnitui.store import audit, drafts
from omnitui.store import messages as message_store
from omnitui.store.cases import get_case
from omnitui.store.db import StoreError, db_time, utc_now
from omnitui.vocabulary import CONTACT_LOGGED, ROUTER


def undo(conn: sqlite3.Connection, actor: str, audit_id: int | None = None) -> int:
    """Undo `audit_id`, or `actor`'s last undoable action (all of it, however many cases it
    touched); returns the last undo event's id. A reply or note of the actor's that it
    takes back comes back as their kept draft on its case: taken back, its text was gone
    (Undo Send gives the words back to fix)."""
    events = audit.redo_group(conn, audit_id) if audit_id is not None else \
        audit.last_undoable(conn, actor)
    if not events:
        raise StoreError(f"{actor} has no action left to undo")
    if audit_id is not None and audit.action_of(conn, audit_id) in audit.NOT_UNDONE:
        raise StoreError("an SLA repair follows the policies in the config, and is not "
                         "undone: put the old policy back and run `omnitui sla recompute` "
                         "again")
    # routing's moves of a case the action made (a split's new case given to an agent) go
    # with it: the undo was refused for good, the agent unable to undo the router's; routing
    # of cases that were there before is left as it is
    events = [*audit.later_on_cases(conn, min(events), ROUTER,
                                    audit.cases_created_by(conn, events)), *events]
    for event in events:  # a merge of customers, or its redo; a contact logged by hand
        action = audit.action_of(conn, event) or ""
        if action.replace("undo ", "") == "customers.merged" and not action.count("undo ") % 2:
            undoable_merge(conn, event)
        if action == CONTACT_LOGGED:
            _undoable_contact(conn, event)
    team = {agent.name for agent in agent_store.agents(conn)} | {actor}
    written = [found for event in events for found in _written(conn, event, team)]
    batch: set[str] = set()
    last = [audit.undo(conn, event, actor, batch=batch) for event in events][-1]
    for author, case_id, draft in written:
        if get_case(conn, case_id) is None:
            continue  # the undo took its case away too (a logged call's answer): gone with it
        if drafts.load(conn, author, case_id, draft.slot) is None:  # never over new words
            drafts.save(conn, author, case_id, draft, db_time(utc_now()))
    return last


def _undoable_contact(conn: sqlite3.Connection, audit_id: int) -> None:
    """Refuse to undo a logged contact once the customer wrote again on its case: their
    message joined the case because the contact had opened or reopened it, and it would
    be left on a case that is gone, or answer a call that never was."""
    if (later := message_store.written_in_since(conn, audit_id)) is not None:
        case_id, message_id = later
        raise StoreError(f"cannot undo: the customer wrote again on case #{case_id} since "
                         f"the contact was logged (message #{message_id}); it stays on the case")


def _written(conn: sqlite3.Connection, audit_id: int, team: set[str]
             ) -> list[tuple[str, int, Draft]]:
    """The replies and notes people of `team` wrote that this event created, as drafts of
    their authors (a supervisor's undo gives the words back to who wrote them)."""
    before, after = audit.event_rows(conn, audit_id)
    outbox = {row.get("message_id"): row for key, row in after.items()
              if key.startswith("outbox:") and row and before.get(key) is None}
    found = []
    for key, row in after.items():
        if not key.startswith("messages:") or before.get(key) is not None or row is None:
            continue
        if row.get("author") not in team or row.get("direction") not in ("out", "note"):
            continue
        message_id = int(key.partition(":")[2])
        queued = outbox.get(message_id) or {}
        sent = json.loads(queued.get("recipients") or "{}")
        note = row["direction"] == "note"
        found.append((row["author"], row["case_id"], Draft(  # all of it: the subject and a
            # forward's files came back empty
            "note" if note else "forward" if row.get("response") == "none"
            and not row.get("auto_submitted") else "reply",
            row["channel"],
            text=row.get("text") or "", to=tuple(sent.get("to", ())),
            cc=tuple(sent.get("cc", ())), subject=queued.get("subject") or "",
            attachment_ids=tuple(json.loads(queued.get("attachment_ids") or "[]")),
            internal=note)))
    return found
