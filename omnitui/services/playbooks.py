"""Macros as playbooks: which cases a macro is for (`[[macros]] when`), so the console and
`omnitui case` suggest it where it fits (`run = "suggest"`), the daemon applies it by itself
(`run = "auto"`), and `omnitui macro test` shows where it would have fitted.

A case is read as an agent would: its channel (kind and class), queue, intent, language,
tier and status, how long it has been open, its customer's latest message (the text, its
tone, whether it reads irritated), the customer's attributes and their recent business
events. Every condition a `when` gives must hold.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from omnitui.config import Macro, MacroWhen, Settings
from omnitui.config.hours import parse_duration
from omnitui.model import Draft, InboundEvent, IngestResult
from omnitui.services.drafts import TEAM, send_in
from omnitui.services.macros import apply_macro, macro_refusal, macro_reply
from omnitui.store import business_events, drafts
from omnitui.store.audit import record_audit, recorded
from omnitui.store.cases import get_case, latest_customer_words, opened_since
from omnitui.store.customers import attributes_of
from omnitui.store.db import db_time, parse_db_time, savepoint, utc_now

log = logging.getLogger("omnitui.playbooks")
ACTOR = "omnitui-macros"


@dataclass(frozen=True)
class CaseFacts:
    channels: frozenset[str]  # the channel's kind and its class
    queue: str
    intent: str
    language: str
    tier: str
    status: str
    opened: datetime
    text: str  # the customer's latest message: subject and text
    sentiment: float | None
    irritated: bool
    attributes: dict[str, object]
    events: tuple[tuple[str, datetime], ...]  # the customer's business events: kind, when


def case_facts(conn: sqlite3.Connection, settings: Settings, case_id: int) -> CaseFacts | None:
    case = get_case(conn, case_id)
    if case is None:
        return None
    subject, text, sentiment, irritation = latest_customer_words(conn, case_id)
    klass = settings.routing.channel_class(case["channel"])
    return CaseFacts(
        channels=frozenset({case["channel"], klass}), queue=case["queue"],
        intent=case["intent"] or "", language=case["language"] or "",
        tier=case["tier"] or "", status=case["status"],
        opened=parse_db_time(case["created_at"]),
        text=f"{subject}\n{text}", sentiment=sentiment, irritated=irritation is not None,
        attributes=attributes_of(conn, case["customer_id"]),
        events=tuple((e.kind, parse_db_time(e.at))
                     for e in business_events.of_customer(conn, case["customer_id"])))


def matches(when: MacroWhen, facts: CaseFacts, now: datetime) -> bool:
    """Whether every condition `when` gives holds for the case."""
    def one_of(values: list[str], value: str) -> bool:
        return not values or value.casefold() in {v.casefold() for v in values}

    if when.channel and not {c.casefold() for c in when.channel} & {
            c.casefold() for c in facts.channels}:
        return False
    if not (one_of(when.queue, facts.queue) and one_of(when.intent, facts.intent)
            and one_of(when.language, facts.language) and one_of(when.tier, facts.tier)
            and one_of(when.status, facts.status)):
        return False
    if when.text and not _pattern(when.text).search(facts.text):
        return False
    if when.sentiment_below is not None and (
            facts.sentiment is None or facts.sentiment >= when.sentiment_below):
        return False
    if when.irritated is not None and facts.irritated != when.irritated:
        return False
    if any(str(facts.attributes.get(k, "")).casefold() != v.casefold()
           for k, v in when.attributes.items()):
        return False
    if when.older_than and now - facts.opened < timedelta(
            seconds=parse_duration(when.older_than)):
        return False
    since = now - timedelta(seconds=parse_duration(when.event_within))
    recent = {kind for kind, at in facts.events if at >= since}
    return (not when.event or when.event in recent) and (
        not when.no_event or when.no_event not in recent)


@cache
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def suggested(conn: sqlite3.Connection, settings: Settings, case_id: int,
              now: datetime) -> list[Macro]:
    """The macros whose `when` fits the case, in config order: those marked `run =
    "suggest"`, and the automatic ones that have not run on it (a case filed by an import,
    or before the macro was configured)."""
    candidates = [m for m in settings.macros if m.run == "suggest" or (
        m.run == "auto" and not _ran(conn, case_id, m))]
    if not candidates or (facts := case_facts(conn, settings, case_id)) is None:
        return []
    return [m for m in candidates if matches(m.when, facts, now)]


def fitting_cases(conn: sqlite3.Connection, settings: Settings, macro: Macro, since: str,
                  now: datetime) -> list[int]:
    """The cases opened since `since` that the macro's `when` fits now, newest first."""
    return [i for i in opened_since(conn, since)
            if (facts := case_facts(conn, settings, i)) is not None
            and matches(macro.when, facts, now)]


class AutoMacros:
    """An automation of live intake: when a customer's message makes a case fit a macro
    marked `run = "auto"`, the macro runs once on that case, through the same actions as an
    agent's, audited as `macro.auto` with the rule that fired. Its changes and its reply go
    together: with a reply, the changes wait in a draft for whoever takes the case (sending
    it applies them; undo takes both back while the reply is queued), unless the macro may
    send on the message's channel kind (`send`): then both happen now. At most
    `[automation] max_macros_per_message` fire per message; they fire only on customers'
    messages, never on what another macro changed."""

    def __init__(self, settings: Settings, clock: Callable[[], datetime] = utc_now) -> None:
        self.settings = settings
        self.clock = clock
        self.macros = [m for m in settings.macros if m.run == "auto"]

    def __call__(self, conn: sqlite3.Connection, event: InboundEvent,
                 result: IngestResult) -> None:
        if not self.macros or result.case_id is None or result.duplicate or \
                event.auto_submitted:
            return
        facts = case_facts(conn, self.settings, result.case_id)
        if facts is None:
            return
        now = self.clock()
        fired = 0
        for macro in self.macros:
            if fired >= self.settings.automation.max_macros_per_message:
                break
            if not matches(macro.when, facts, now) or _ran(conn, result.case_id, macro):
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
            apply_macro(conn, case_id, macro, agent=ACTOR, at=now)
            done = "applied"
        elif channel in macro.send and draft.channel == channel:
            send_in(conn, case_id, draft, author=ACTOR, at=now, macros=[macro])
            done = f"applied, its reply queued on {channel}"
        else:
            return leave_draft(conn, case_id, macro, draft, now)
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
    if macro is None or _ran(conn, case_id, macro):
        return
    case = get_case(conn, case_id)
    draft = macro_reply(conn, case_id, macro, case["owner"] or "" if case else "")
    if draft is not None:
        leave_draft(conn, case_id, macro, draft, now, why)


def _ran(conn: sqlite3.Connection, case_id: int, macro: Macro) -> bool:
    """Whether the macro already ran by itself on the case (it runs once a case)."""
    return recorded(conn, case_id, "macro.auto", f"{macro.name}:")
