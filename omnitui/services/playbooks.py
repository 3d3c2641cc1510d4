"""Macros as playbooks: the daemon applies a macro by itself where its `when` fits a case
(`run = "auto"`), and a queue's prepared macro is drafted for the case routing sends there.
Which cases a macro fits is services/fitting.py's, read-only: the console and `omnitui
case` suggest from it without loading any of this.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime

from omnitui.channels.lengths import too_long
from omnitui.config import Macro, Settings
from omnitui.model import Draft, InboundEvent, IngestResult
from omnitui.services.drafts import TEAM, send_in
from omnitui.services.fitting import case_facts, matches, ran
from omnitui.services.macros import apply_macro, macro_refusal, macro_reply
from omnitui.services.sla import SlaKeeper
from omnitui.store import drafts
from omnitui.store.audit import record_audit
from omnitui.store.cases import get_case
from omnitui.store.db import db_time, savepoint, utc_now

log = logging.getLogger("omnitui.playbooks")
ACTOR = "omnitui-macros"


class AutoMacros:
    """An automation of live intake: when a customer's message makes a case fit a macro
    marked `run = "auto"`, the macro runs once on that case, through the same actions as an
    agent's, audited as `macro.auto` with the rule that fired. Its changes and its reply go
    together: with a reply, the changes wait in a draft for whoever takes the case (sending
    it applies them; undo takes both back while the reply is queued), unless the macro may
    send on the message's channel kind (`send`): then both happen now. At most
    `[automation] max_macros_per_message` fire per message; they fire only on customers'
    messages, never on what another macro changed."""

    def __init__(self, settings: Settings, sla: SlaKeeper,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.settings = settings
        self.sla = sla  # a macro's queue move names the new queue's policy
        self.clock = clock
        self.macros = [m for m in settings.macros if m.run == "auto"]

    def __call__(self, conn: sqlite3.Connection, event: InboundEvent,
                 result: IngestResult) -> None:
        if not self.macros or result.case_id is None or result.duplicate or \
                event.asks_nothing:
            return
        facts = case_facts(conn, self.settings, result.case_id)
        if facts is None:
            return
        now = self.clock()
        fired = 0
        for macro in self.macros:
            if fired >= self.settings.automation.max_macros_per_message:
                break
            if not matches(macro.when, facts, now, macro.name) or \
                    ran(conn, result.case_id, macro):
                continue
            try:
                with savepoint(conn):
                    self._run(conn, result.case_id, macro, event.channel, now)
                fired += 1
            except Exception as exc:  # a macro that cannot run never costs the message
                log.warning("case #%s: macro %r did not run: %s", result.case_id, macro.name,
                            exc)

    def _run(self, conn: sqlite3.Connection, case_id: int, macro: Macro, channel: str,
             now: datetime) -> None:
        if refusal := macro_refusal(conn, case_id, macro, ACTOR):
            raise ValueError(refusal)
        case = get_case(conn, case_id)
        draft = macro_reply(conn, case_id, macro, case["owner"] or "" if case else "")
        if draft is None:
            apply_macro(conn, case_id, macro, agent=ACTOR, at=now, sla=self.sla)
            done = "applied"
        else:
            sends = channel in macro.send and draft.channel == channel
            longer = too_long(channel, draft.body) if sends and not draft.internal else None
            if not sends or longer:  # too long for one message there: an agent shortens it
                return leave_draft(conn, case_id, macro, draft, now, longer or "")
            send_in(conn, case_id, draft, author=ACTOR, at=now, macros=[macro], sla=self.sla)
            done = f"applied, its reply queued on {channel}"
        record_audit(conn, actor=ACTOR, action="macro.auto", case_id=case_id,
                     reason=f"{macro.name}: {done}", at=db_time(now))


def leave_draft(conn: sqlite3.Connection, case_id: int, macro: Macro, draft: Draft,
                now: datetime, why: str = "") -> None:
    """The macro's reply drafted for whoever takes the case (sending it applies the macro),
    audited as the macro having run by itself."""
    drafts.save(conn, TEAM, case_id, draft, db_time(now))
    record_audit(conn, actor=ACTOR, action="macro.auto", case_id=case_id,
                 reason=f"{macro.name}: its reply drafted for an agent (sending it applies "
                        f"the macro){f'; {why}' if why else ''}", at=db_time(now))


def draft_prepared(conn: sqlite3.Connection, settings: Settings, case_id: int, name: str,
                   now: datetime, why: str) -> None:
    """A queue's prepared macro (`[[queues]] macro`) for a case routing sent there: its
    reply drafted, once a case; a macro without a reply is left to the agent."""
    macro = next((m for m in settings.macros if m.name == name), None)
    if macro is None or ran(conn, case_id, macro):
        return
    case = get_case(conn, case_id)
    draft = macro_reply(conn, case_id, macro, case["owner"] or "" if case else "")
    if draft is not None:
        leave_draft(conn, case_id, macro, draft, now, why)
