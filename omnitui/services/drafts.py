"""Drafts, from the agent's keyboard to the outbox.

What an agent writes is kept in the store a second or so behind their typing, so it survives
a failed send, a crashed console and a lost SSH connection; it comes back only for the same
kind of writing (its slot: a reply, a note, a forward...). Sending is one transaction: the
message is queued, the changes of the macro that drafted it (if any) are applied, and the
kept draft is dropped — so a case is never solved by a macro whose reply was not sent.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from omnitui.config import Macro
from omnitui.errors import Refused
from omnitui.model import Draft
from omnitui.services.macros import apply_macro, macro_refusal
from omnitui.services.outbound import queue_draft, start_case
from omnitui.services.private import move_to_private
from omnitui.services.sla import SlaKeeper
from omnitui.store import drafts, outbox
from omnitui.store.db import Store, StoreError, db_time, utc_now


class MacroGone(StoreError):
    """The macro a draft was begun with can no longer be applied (removed from the config,
    or refused now): the draft can still go without it."""


def keep(store: Store, agent: str, case_id: int | None, draft: Draft) -> None:
    """Save the draft as it stands (case None: a new message that will open a case); one
    with no words and no attachments is not kept (it would come back as "unsent")."""
    with store.write() as conn:
        if draft.body.strip() or draft.attachment_ids:
            drafts.save(conn, agent, case_id, draft, db_time(utc_now()))
        else:
            drafts.discard(conn, agent, case_id, draft.slot)


# The agent of a draft an automatic macro prepared on a case for whoever takes it
# (services/playbooks.py): any agent's composer brings it back, and sending or throwing it
# away ends it for everyone.
TEAM = ""


def kept(store: Store, agent: str, case_id: int | None,
         slot: str) -> tuple[Draft, str] | None:
    """The agent's unsent draft of this kind on a case (else the team's, prepared by an
    automatic macro), and when it was last saved (UTC)."""
    return drafts.load(store.conn, agent, case_id, slot) or (
        drafts.load(store.conn, TEAM, case_id, slot) if case_id is not None else None)


def kept_kinds(store: Store, agent: str, case_id: int | None) -> list[str]:
    """The kinds (slots) of the agent's (and the team's) unsent drafts on a case, newest
    first."""
    team = drafts.slots(store.conn, TEAM, case_id) if case_id is not None else []
    return list(dict.fromkeys([*drafts.slots(store.conn, agent, case_id), *team]))


def own_kinds(store: Store, agent: str, case_id: int) -> list[str]:
    """The kinds (slots) of the agent's own unsent drafts on a case, newest first."""
    return drafts.slots(store.conn, agent, case_id)


def prepared(store: Store, case_id: int) -> list[Draft]:
    """The drafts an automatic macro left on a case for whoever takes it."""
    found = (drafts.load(store.conn, TEAM, case_id, slot)
             for slot in drafts.slots(store.conn, TEAM, case_id))
    return [kept[0] for kept in found if kept is not None]


def discard(store: Store, agent: str, case_id: int | None, slot: str) -> None:
    with store.write() as conn:
        drop_kept(conn, agent, case_id, slot)


def drop_kept(conn: sqlite3.Connection, agent: str, case_id: int | None, slot: str) -> None:
    """The agent's kept draft of a kind on a case gone (and the team's, which any agent
    finds): sent or thrown away."""
    drafts.discard(conn, agent, case_id, slot)
    if case_id is not None:
        drafts.discard(conn, TEAM, case_id, slot)


def send_in(conn: sqlite3.Connection, case_id: int, draft: Draft, *, author: str,
            at: datetime, macros: list[Macro], sla: SlaKeeper) -> None:
    """Queue a draft with its macro's changes inside a transaction the caller holds (a macro
    sent to many cases at once; a queue it moves to gives its SLA policy from `sla`). The
    agent's kept drafts are not touched."""
    macro = None
    if draft.macro:
        macro = next((m for m in macros if m.name == draft.macro), None)
        problem = (f"the macro {draft.macro!r} is no longer in the config" if macro is None
                   else macro_refusal(conn, case_id, macro, author))
        if problem or macro is None:
            raise MacroGone(f"{problem}; nothing was sent")
        if not draft.internal and (twin := outbox.unsent_same(conn, case_id, draft.body)):
            raise Refused(f"#{case_id}: the macro {draft.macro!r} already queued this reply"
                          f" (message #{twin}, not sent yet); nothing was done")  # (run twice,
            # it queued the same reply twice to the customer)
        apply_macro(conn, case_id, macro, agent=author, at=at, sla=sla)
    if draft.private:
        move_to_private(conn, case_id, draft, author=author, at=at)
    else:  # a macro's holding reply ("we are on it") answers first, not yet meaningfully
        queue_draft(conn, case_id, draft, author=author, at=at,
                    response=None if macro is None or macro.meaningful else "first")


def open_case(store: Store, draft: Draft, *, author: str, at: datetime, default_queue: str,
              phone_region: str) -> int:
    """A new outbound case with its first message; returns the case id."""
    with store.write() as conn:
        case_id, _ = start_case(conn, draft, author=author, at=at,
                                default_queue=default_queue, phone_region=phone_region)
        drafts.discard(conn, author, None, draft.slot)
    return case_id
