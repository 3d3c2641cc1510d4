"""Macros: one key sets several fields of a case and drafts the reply that goes with them.

Every change goes through the audited actions, so each one is in the audit log under the
agent's name. A macro's reply is a draft marked with the macro's name: its changes are
applied when that draft is sent, in the same transaction (services/drafts.py), so a case is
never solved by a macro whose reply the agent then threw away.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime

from omnitui.closest import closest
from omnitui.config import Macro, template_parts
from omnitui.model import Draft, Status
from omnitui.services import actions
from omnitui.services.outbound import start_draft
from omnitui.services.private import private_draft, public_conversation
from omnitui.services.sla import SlaKeeper
from omnitui.store import agents as agent_store
from omnitui.store import cases as case_store
from omnitui.store.customers import customer_name
from omnitui.store.db import StoreError


def apply_macro(conn: sqlite3.Connection, case_id: int, macro: Macro, *, agent: str,
                at: datetime, sla: SlaKeeper) -> None:
    """Apply `macro`'s changes to one case as `agent`. Fields already at the macro's value
    are left alone, so the audit log shows only real changes. Its queue moves the case as
    Q does, with the new queue's SLA policy (`sla`; without it the history read
    "sla_policy surge → -"). Run it inside one write transaction: a failure then changes
    nothing."""
    if refusal := macro_refusal(conn, case_id, macro, agent):
        raise StoreError(refusal)
    case = case_store.require_case(conn, case_id)
    if macro.status and (case["status"], case["pause_reason"] or "") != (
            macro.status, macro.pause_reason):
        actions.set_status(conn, case_id, Status(macro.status), actor=agent, at=at,
                           pause_reason=macro.pause_reason or None)
    if macro.assign == "me":
        actions.claim(conn, case_id, agent, at=at)
    elif macro.assign:
        owner = None if macro.assign == "nobody" else macro.assign
        if owner != case["owner"]:
            actions.assign(conn, case_id, owner, actor=agent, at=at)
    if macro.tags:
        actions.retag(conn, case_id, " ".join(macro.tags), actor=agent, at=at)
    if macro.priority is not None and macro.priority != case["priority"]:
        actions.set_priority(conn, case_id, macro.priority, actor=agent, at=at)
    if macro.queue and macro.queue != case["queue"]:
        actions.requeue(conn, case_id, macro.queue, actor=agent, at=at,
                        policy=sla.queue_policy(macro.queue))


def macro_refusal(conn: sqlite3.Connection, case_id: int, macro: Macro,
                  agent: str) -> str | None:
    """Why `agent` may not apply `macro` to the case now (None: they may). Its "assign =
    me" is the same claim as the `a` key: a case another agent holds is not taken; an agent
    off the team (a typo) would own it where nobody sees it."""
    owner = case_store.require_case(conn, case_id)["owner"]
    if macro.assign == "me" and owner not in (None, agent):
        return f"#{case_id} is already {owner}'s; the macro was not applied"
    if not names_agent(macro):  # (no look at the team for each macro an import's mail
        return None  # fires by itself)
    if off := off_team(macro, [member.name for member in agent_store.agents(conn)]):
        return f"{off}; the macro was not applied: correct its assign in the config"
    return None


def names_agent(macro: Macro) -> bool:
    """Its assign names an agent (not "me", "nobody", or no assign at all)."""
    return macro.assign not in ("", "me", "nobody")


def off_team(macro: Macro, team: list[str]) -> str | None:
    """What is wrong when `macro` assigns to an agent not on `team` (a typo gave the case to
    nobody who works), else None; an empty team takes any name."""
    if not names_agent(macro) or not team or macro.assign in team:
        return None
    close = closest(macro.assign, team)
    return (f"macro {macro.name!r} assigns to {macro.assign!r}, who is not on the team"
            + (f" (did you mean {close}?)" if close else ""))


def macro_reply(conn: sqlite3.Connection, case_id: int, macro: Macro,
                agent: str) -> Draft | None:
    """The reply (or internal note) `macro` drafts on a case, filled in for the case as the
    macro will leave it, and marked so that sending it applies the macro; None without a
    reply."""
    if not macro.reply:
        return None
    values = template_values(conn, case_id, agent)
    values["queue"] = macro.queue or values["queue"]
    if macro.private and not macro.internal and public_conversation(conn, case_id):
        base = private_draft(conn, case_id)  # sending it acknowledges the post publicly
    else:
        base = start_draft(conn, case_id, "note" if macro.internal else "reply")
    return replace(base, text=fill_template(macro.reply, values), macro=macro.name)


def template_values(conn: sqlite3.Connection, case_id: int, agent: str) -> dict[str, str]:
    """What a template's variables stand for on this case, as it is now."""
    case = case_store.require_case(conn, case_id)
    name = customer_name(conn, case["customer_id"])
    if "@" in name:  # an address shown for want of a name: "Hi pat@x.org," reads wrong
        name = ""
    return {"customer_name": name, "customer_first_name": next(iter(name.split()), ""),
            "case_id": str(case_id), "subject": case["subject"], "agent": agent,
            "queue": case["queue"]}


EMPTY_BEFORE = ",.!?;: \n"  # an empty value drops the space before these, and at the end


def fill_template(template: str, values: dict[str, str]) -> str:
    """Put the values in the template's fields. Values are inserted as plain text and never
    read as a template themselves: a customer named "{case_id}" stays "{case_id}"."""
    parts = template_parts(template, tuple(values))
    filled = []
    for index, (text, name) in enumerate(parts):
        value = values[name] if name is not None else ""
        following = parts[index + 1][0] if index + 1 < len(parts) else ""
        if name is not None and not value and (not following or following[0] in EMPTY_BEFORE):
            text = text.rstrip(" ")  # "Hi {customer_first_name}," with no name: "Hi,"
        filled.append(text + value)
    return "".join(filled)

