"""Which cases a macro is for (`[[macros]] when`), read-only: the console and `omnitui case`
suggest the macros that fit (`run = "suggest"`, and the automatic ones that have not run),
`omnitui macro test` shows where one would have fitted, and services/playbooks.py runs the
automatic ones where they fit. Reading needs none of the actions, so a command that only
suggests does not load them.

A case is read as an agent would: its channel (kind and class), queue, intent, language,
tier and status, how long it has been open, its customer's latest message (the text, its
tone, whether it reads irritated), the customer's attributes and their recent business
events. Every condition a `when` gives must hold.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from omnitui import patterns
from omnitui.config import Macro, MacroWhen, Settings
from omnitui.config.hours import parse_duration
from omnitui.records import record
from omnitui.store import business_events
from omnitui.store.audit import recorded
from omnitui.store.cases import get_case, latest_customer_words, opened_since
from omnitui.store.customers import attributes_of
from omnitui.store.db import parse_db_time


@record(frozen=True)
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


def matches(when: MacroWhen, facts: CaseFacts, now: datetime, macro: str) -> bool:
    """Whether every condition `when` (macro `macro`'s) gives holds for the case; its text
    pattern out of time does not hold, and is logged by the macro's name."""
    def one_of(values: list[str], value: str) -> bool:
        return not values or value.casefold() in {v.casefold() for v in values}

    if when.channel and not {c.casefold() for c in when.channel} & {
            c.casefold() for c in facts.channels}:
        return False
    if not (one_of(when.queue, facts.queue) and one_of(when.intent, facts.intent)
            and one_of(when.language, facts.language) and one_of(when.tier, facts.tier)
            and one_of(when.status, facts.status)):
        return False
    if when.text and not patterns.search(patterns.compiled(when.text), facts.text,
                                         f"macro {macro!r} when.text"):
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


def suggested(conn: sqlite3.Connection, settings: Settings, case_id: int,
              now: datetime) -> list[Macro]:
    """The macros whose `when` fits the case, in config order: those marked `run =
    "suggest"`, and the automatic ones that have not run on it (a case filed by an import,
    or before the macro was configured)."""
    candidates = [m for m in settings.macros if m.run == "suggest" or (
        m.run == "auto" and not ran(conn, case_id, m))]
    if not candidates or (facts := case_facts(conn, settings, case_id)) is None:
        return []
    return [m for m in candidates if matches(m.when, facts, now, m.name)]


def fitting_cases(conn: sqlite3.Connection, settings: Settings, macro: Macro, since: str,
                  now: datetime) -> list[int]:
    """The cases opened since `since` that the macro's `when` fits now, newest first."""
    return [i for i in opened_since(conn, since)
            if (facts := case_facts(conn, settings, i)) is not None
            and matches(macro.when, facts, now, macro.name)]


def ran(conn: sqlite3.Connection, case_id: int, macro: Macro) -> bool:
    """Whether the macro already ran by itself on the case (it runs once a case)."""
    return recorded(conn, case_id, "macro.auto", f"{macro.name}:")
