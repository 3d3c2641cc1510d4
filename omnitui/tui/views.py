"""The queue's views: named case queries an agent switches between by key or palette."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from omnitui.config import SavedView
from omnitui.store.db import db_time
from omnitui.store.queries import CaseQuery

AT_RISK_WITHIN = timedelta(hours=1)
SORT_NAMES = {"priority": "priority", "sla": "SLA due", "newest": "newest",
              "updated": "last activity"}  # the orders `s` cycles through


@dataclass(frozen=True)
class View:
    name: str
    query: CaseQuery


def standard_views(agent: str, queues: list[str], channels: list[str],
                   now: datetime) -> list[View]:
    """Mine, unassigned, all open, at risk or breached, waiting; then one per queue and
    one per channel in use."""
    views = [
        View("all open", CaseQuery()),
        View("mine", CaseQuery(owner=agent)),
        View("unassigned", CaseQuery(unassigned=True)),
        View("at risk or breached", CaseQuery(sort="sla",
                                              due_before=db_time(now + AT_RISK_WITHIN))),
        View("pending / on hold", CaseQuery(statuses=("pending", "on_hold"))),
        View("snoozed", CaseQuery(snoozed=True, sort="snoozed")),
    ]
    views += [View(f"queue: {q}", CaseQuery(queue=q)) for q in queues]
    views += [View(f"channel: {c}", CaseQuery(channel=c)) for c in channels]
    return views


def saved_views(saved: list[SavedView], agent: str) -> list[View]:
    """The config's [[views]]: a quick filter and a sort each; `owner:me` means this agent."""
    return [View(v.name, narrow(CaseQuery(sort=v.sort),
                                " ".join(f"owner:{agent}" if w.lower() == "owner:me" else w
                                         for w in v.filter.split())))
            for v in saved]


FILTER_KEYS = {"status": "statuses", "owner": "owner", "channel": "channel", "queue": "queue",
               "tag": "tag"}


def narrow_words(text: str) -> list[str]:
    """The free words of what the agent typed (the full-text part, not the filters)."""
    return [w for w in text.split()
            if not (w.partition(":")[1] and w.partition(":")[0].lower() in FILTER_KEYS)]


def narrow(query: CaseQuery, text: str) -> CaseQuery:
    """A view narrowed by what the agent typed: `key:value` words filter (status, owner,
    channel, queue, tag), the other words search the full text."""
    changes: dict[str, object] = {}
    words = []
    for word in text.split():
        key, sep, value = word.partition(":")
        if sep and key.lower() in FILTER_KEYS and value:
            field = FILTER_KEYS[key.lower()]
            changes[field] = (value,) if field == "statuses" else value
        else:
            words.append(word)
    if words:
        changes["search"] = " ".join(words)
    return replace(query, **changes)
