"""The queue's views: named case queries an agent switches between by key or palette."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from omnitui.store.db import db_time
from omnitui.store.queries import CaseQuery

AT_RISK_WITHIN = timedelta(hours=1)


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
    ]
    views += [View(f"queue: {q}", CaseQuery(queue=q)) for q in queues]
    views += [View(f"channel: {c}", CaseQuery(channel=c)) for c in channels]
    return views
