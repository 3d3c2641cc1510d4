"""Macros: one key sets several fields of a case and drafts the reply that goes with them.

Every change goes through the audited actions, so each one is in the audit log under the
agent's name; the draft is only returned, for the agent to edit and send (or file as a note).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from omnitui.config import Macro, template_parts
from omnitui.model import Status
from omnitui.services import actions
from omnitui.store import cases as case_store
from omnitui.store.customers import customer_name
from omnitui.store.db import StoreError


def apply_macro(conn: sqlite3.Connection, case_id: int, macro: Macro, *, agent: str,
                at: datetime) -> str | None:
    """Apply `macro` to one case as `agent` and return its rendered draft (None without a
    reply). Fields already at the macro's value are left alone, so the audit log shows only
    real changes. Run it inside one write transaction: a failure then changes nothing."""
    case = case_store.require_case(conn, case_id)
    if macro.status and (case["status"], case["pause_reason"] or "") != (
            macro.status, macro.pause_reason):
        actions.set_status(conn, case_id, Status(macro.status), actor=agent, at=at,
                           pause_reason=macro.pause_reason or None)
    if macro.assign == "me":
        # the same claim as the `a` key: a case another agent holds is not taken from them
        if not actions.claim(conn, case_id, agent, at=at):
            owner = case_store.require_case(conn, case_id)["owner"]
            raise StoreError(f"#{case_id} is already {owner}'s; the macro was not applied")
    elif macro.assign:
        owner = None if macro.assign == "nobody" else macro.assign
        if owner != case["owner"]:
            actions.assign(conn, case_id, owner, actor=agent, at=at)
    if macro.tags:
        actions.retag(conn, case_id, " ".join(macro.tags), actor=agent, at=at)
    if macro.priority is not None and macro.priority != case["priority"]:
        actions.edit(conn, case_id, {"priority": macro.priority}, actor=agent, at=at,
                     action="case.priority", reason=f"priority set to {macro.priority:g}")
    if macro.queue and macro.queue != case["queue"]:
        actions.edit(conn, case_id, {"queue": macro.queue}, actor=agent, at=at,
                     action="case.queue", reason=f"queue {macro.queue}")
    if not macro.reply:
        return None
    return render_template(macro.reply, conn, case_id, agent)


def template_values(conn: sqlite3.Connection, case_id: int, agent: str) -> dict[str, str]:
    """What a template's variables stand for on this case, as it is now (so {queue} is the
    queue a macro just moved the case to)."""
    case = case_store.require_case(conn, case_id)
    name = customer_name(conn, case["customer_id"])
    return {"customer_name": name, "customer_first_name": next(iter(name.split()), ""),
            "case_id": str(case_id), "subject": case["subject"], "agent": agent,
            "queue": case["queue"]}


def fill_template(template: str, values: dict[str, str]) -> str:
    """Put the values in the template's fields. Values are inserted as plain text and never
    read as a template themselves: a customer named "{case_id}" stays "{case_id}"."""
    return "".join(text + (values[name] if name is not None else "")
                   for text, name in template_parts(template))


def render_template(template: str, conn: sqlite3.Connection, case_id: int, agent: str) -> str:
    """A macro template filled in for one case and the agent applying it."""
    return fill_template(template, template_values(conn, case_id, agent))
