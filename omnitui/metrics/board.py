"""The supervisor's board: the queue's aging, the cases about to breach or breached, each
queue's and each agent's first responses today, the team's load, and the flow of the last
two weeks. Aggregates the store computes (store/board.py) and the funnel of today's cases
(metrics/funnel.py): a refresh is a handful of queries at any size of store."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from omnitui.config import Settings
from omnitui.metrics.funnel import Rate, Spread, day_zone, spread
from omnitui.services.routing import Router
from omnitui.services.sla import SlaKeeper
from omnitui.store import board as store
from omnitui.store.db import db_time, parse_db_time

AGE_BUCKETS = (("< 1h", timedelta(hours=1)), ("1-4h", timedelta(hours=4)),
               ("4-24h", timedelta(days=1)), ("1-3d", timedelta(days=3)),
               ("3-7d", timedelta(days=7)))
OLDEST = "> 7d"
PRIORITY_BANDS = (("high", 60.0), ("medium", 30.0))  # and "low": the rest
AT_RISK_WITHIN = timedelta(hours=1)  # due within this long: at risk
TREND_DAYS = 14


@dataclass(frozen=True)
class AgentLine:
    name: str
    role: str
    state: str  # here, away, gone, off shift
    working: int  # new or open cases they own
    waiting: int  # pending or on hold
    capacity: dict[str, int]  # open cases per channel class; {} without limits
    first_response: Spread  # of their cases opened today
    solved_today: int

    @property
    def overloaded(self) -> bool:
        """More open cases than all their capacity together."""
        return bool(self.capacity) and self.working > sum(self.capacity.values())


@dataclass(frozen=True)
class QueueLine:
    name: str
    opened_today: int
    first_response: Spread  # of its cases opened today
    target: float | None  # its first-response target (seconds, email channels)


@dataclass
class Board:
    now: datetime
    aging: list[tuple[str, dict[str, int]]]  # bucket -> band -> cases
    due_soon: list[sqlite3.Row]  # breached first, then at risk
    due_soon_total: int
    queues: list[QueueLine]
    team: list[AgentLine]
    flow: list[tuple[str, int, int]]  # day, opened, solved
    reopened: Rate  # of the last 14 days' cases
    reassigned: Rate
    csat: tuple[int, float | None, int]  # answers, mean, 4 or 5 (14 days)
    first_responses_today: list[float]  # hours, of the cases opened today


def read_board(conn: sqlite3.Connection, settings: Settings, router: Router,
               keeper: SlaKeeper, now: datetime) -> Board:
    zone = day_zone(settings)
    midnight = db_time(datetime.combine(now.astimezone(zone).date(), time(), tzinfo=zone))
    edges = [db_time(now - age) for _, age in AGE_BUCKETS]
    bands = [low for _, low in PRIORITY_BANDS]
    names = [name for name, _ in PRIORITY_BANDS] + ["low"]
    aging = [(label, dict(zip(names, row, strict=True))) for label, row in zip(
        [*(name for name, _ in AGE_BUCKETS), OLDEST], store.aging(conn, edges, bands),
        strict=True)]
    soon = db_time(now + AT_RISK_WITHIN)
    answered = store.opened_since(conn, midnight)
    opened = store.opened_count(conn, midnight)
    queues = []
    for name in sorted({*opened, *(q.name for q in settings.queues)}):
        policy = keeper.policy(name)
        target = keeper.targets(policy, "email", "standard")["first_response"]
        queues.append(QueueLine(name, opened.get(name, 0),
                                spread(s for q, _, s in answered if q == name), target))
    load = store.owners_load(conn)
    solved = store.solved_by(conn, midnight)
    team = []
    for row in router.roster(conn, now):
        working, waiting = load.get(row["agent"], (0, 0))
        team.append(AgentLine(row["agent"], row["role"], row["state"], working, waiting,
                              dict(row["capacity"]),
                              spread(s for _, o, s in answered if o == row["agent"]),
                              solved.get(row["agent"], 0)))
    start = datetime.combine(now.astimezone(zone).date(), time(), tzinfo=zone) - timedelta(
        days=TREND_DAYS - 1)
    days: dict[str, list[int]] = {}
    for hour, opened_then, solved_then in store.hourly_flow(conn, db_time(start)):
        day = parse_db_time(f"{hour}:00:00").astimezone(zone).date().isoformat()
        counts = days.setdefault(day, [0, 0])
        counts[0] += opened_then
        counts[1] += solved_then
    reopened, solved_ever, reassigned, assigned = store.rates_since(conn, db_time(start))
    return Board(now, aging, store.due_soon(conn, soon, 50), store.due_soon_count(conn, soon),
                 queues, team, [(day, *days[day]) for day in sorted(days)],
                 Rate(reopened, solved_ever), Rate(reassigned, assigned),
                 store.csat_since(conn, db_time(start)),
                 [seconds / 3600 for _, _, seconds in answered])
