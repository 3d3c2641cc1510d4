"""The queue's views: named case queries an agent switches between by key or palette."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from omnitui.config import SavedView
from omnitui.filters import Narrowing, Vocabulary, parse
from omnitui.model import PAUSED_STATUSES
from omnitui.records import record
from omnitui.store.db import db_time
from omnitui.store.queries import CaseQuery

AT_RISK_WITHIN = timedelta(hours=1)
ALL_OPEN = "all open"


@record(frozen=True)
class View:
    name: str
    query: CaseQuery


def standard_views(agent: str, queues: list[str], channels: list[str],
                   now: datetime) -> list[View]:
    """Mine, unassigned, all open, at risk or breached, waiting; then one per queue and
    one per channel in use."""
    views = [
        View(ALL_OPEN, CaseQuery()),
        View("mine", CaseQuery(owner=agent)),
        View("unassigned", CaseQuery(unassigned=True)),
        View("at risk or breached", CaseQuery(sort="sla",
                                              due_before=db_time(now + AT_RISK_WITHIN))),
        View("pending / on hold", CaseQuery(statuses=PAUSED_STATUSES)),
        View("snoozed", CaseQuery(snoozed=True, sort="snoozed")),
    ]
    views += [View(f"queue: {q}", CaseQuery(queue=q)) for q in queues]
    views += [View(f"channel: {c}", CaseQuery(channel=c)) for c in channels]
    return views


def saved_views(saved: list[SavedView], agent: str) -> list[View]:
    """The config's [[views]]: a quick filter and a sort each; `owner:me` means this agent."""
    vocabulary = Vocabulary(me=agent)
    return [View(v.name, narrow(CaseQuery(sort=v.sort), v.filter, vocabulary)[0])
            for v in saved]


def narrow(query: CaseQuery, text: str, vocabulary: Vocabulary) -> tuple[CaseQuery, Narrowing]:
    """A view narrowed by what the agent typed (omnitui/filters.py): `key:value` words
    filter, the other words search the full text. Also returns what the text meant, with
    anything that could not be understood."""
    meaning = parse(text, vocabulary)
    changes = dict(meaning.changes)
    if meaning.words:
        changes["search"] = " ".join(meaning.words)
    return replace(query, **changes), meaning
