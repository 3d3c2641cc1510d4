"""The supervisor's board: the queue's aging, the cases about to breach or breached, each
queue's and each agent's first responses today, the team's load, and the flow of the last
two weeks. Aggregates the store computes (store/board.py) and the funnel of today's cases
(metrics/funnel.py): a refresh is a handful of queries at any size of store."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import field
from datetime import datetime, timedelta, tzinfo
from itertools import pairwise

from omnitui.config import Settings
from omnitui.filters import age_words
from omnitui.metrics.funnel import Rate, Spread, day_zone, met, midnight, spread
from omnitui.records import record
from omnitui.services.routing import Router
from omnitui.store import board as store
from omnitui.store.db import db_time, parse_db_time
from omnitui.store.metrics import left_owner_because
from omnitui.store.schema import PRIORITY_BANDS

AGE_BUCKETS = (("< 1h", timedelta(hours=1)), ("1-4h", timedelta(hours=4)),
               ("4-24h", timedelta(days=1)), ("1-3d", timedelta(days=3)),
               ("3-7d", timedelta(days=7)))
OLDEST = "> 7d"
BANDS = (*(name for name, _ in PRIORITY_BANDS), "low")  # as the store's tallies group them
AT_RISK_WITHIN = timedelta(hours=1)  # due within this long: at risk
TREND_DAYS = 14
DUE_SHOWN = 50  # rows of the due list (the queue's view "at risk or breached" has them all)


@record(frozen=True)
class AgentLine:
    name: str
    role: str
    state: str  # here, away, gone, off shift, never here (Router.state_of)
    working: int  # new or open cases they own
    paused: int  # pending or on hold
    capacity: dict[str, int]  # open cases per channel class; {} without limits
    first_response: Spread  # of their cases opened today
    solved_today: int
    load: dict[str, int] = field(default_factory=dict)  # open cases per channel class

    def over(self, klass: str) -> bool:
        """More open cases of a channel class than their capacity for it."""
        return klass in self.capacity and self.load.get(klass, 0) > self.capacity[klass]

    @property
    def overloaded(self) -> bool:
        """More open cases than their capacity for some channel class (email 8/5 beside an
        idle chat 0/2 was not, counted against both together)."""
        return any(self.over(klass) for klass in self.capacity)


@record(frozen=True)
class FirstReplies:
    """A queue's or a channel's first replies to the cases opened today."""

    name: str
    opened_today: int
    first_response: Spread  # of its cases opened today
    late: Rate  # of those judged: answered after their own due time, or waiting past it


@record
class Board:
    now: datetime
    aging: list[tuple[str, dict[str, int]]]  # bucket -> band -> cases
    due_soon: list[sqlite3.Row]  # at risk first (soonest first), then breached
    due_soon_total: int
    queues: list[FirstReplies]
    channels: list[FirstReplies]
    team: list[AgentLine]
    flow: list[tuple[str, int, int]]  # day, opened, solved
    reopened: Rate  # of the last 14 days' cases
    reopened_what: list[tuple[str, int]]  # what the reopened cases were about, most first
    reassigned: Rate
    reassigned_why: list[tuple[str, int]]  # why cases left their owner, most first
    csat: tuple[int, float | None, int]  # answers, mean, 4 or 5 (14 days)
    first_responses_today: list[float]  # hours, of the cases opened today


def age_filters() -> list[str]:
    """The queue filter that shows each aging row's cases (`age:<1h`, `age:1h-4h`, ...,
    `age:>7d`), in the order of the rows."""
    edges = [int(age.total_seconds()) for _, age in AGE_BUCKETS]
    found = [f"age:<{age_words(edges[0])}"]
    found += [f"age:{age_words(low)}-{age_words(high)}" for low, high in pairwise(edges)]
    return [*found, f"age:>{age_words(edges[-1])}"]


def aging(conn: sqlite3.Connection, now: datetime) -> list[tuple[str, dict[str, int]]]:
    """The waiting cases the queue shows now: (age bucket, priority band -> cases), newest
    first. Whole hours come from the tallies; the hour each bucket's edge falls in is
    counted exactly from the index (a few thousand entries at a million cases)."""
    stamp = db_time(now)
    hours = store.waiting_by_hour(conn)
    snoozed = store.snoozed_waiting(conn, stamp)

    def shown_before(edge: str | None) -> dict[str, int]:
        """Per band, the cases shown that were opened before `edge` (None: all)."""
        hour = edge[:13] if edge else "9999"
        found = dict.fromkeys(BANDS, 0)
        for opened, band, n in hours:
            found[band] += n if opened < hour else 0
        for opened, band in snoozed:
            found[band] -= opened[:13] < hour
        if edge:
            for band, n in store.waiting_between(conn, hour, edge, stamp).items():
                found[band] += n
        return found

    cuts = [shown_before(None), *(shown_before(db_time(now - age)) for _, age in AGE_BUCKETS)]
    cuts.append(dict.fromkeys(BANDS, 0))
    return [(label, {band: newer[band] - older[band] for band in BANDS})
            for label, (newer, older) in zip([*(name for name, _ in AGE_BUCKETS), OLDEST],
                                             pairwise(cuts), strict=True)]


def reply_seconds(cases: Iterable[sqlite3.Row]) -> list[float]:
    """How long each of `cases` that was answered waited for its first reply (business
    time, as its clock counts it)."""
    return [c["first_response_seconds"] for c in cases
            if c["first_response_seconds"] is not None]


def first_replies(name: str, cases: list[sqlite3.Row], stamp: str) -> FirstReplies:
    """A queue's or a channel's first replies today, each case judged against its own due
    time (a chat's minutes, an email's hours, a VIP's shorter target): one target for the
    whole queue called a queue of chats on time whose every reply came late."""
    verdicts = [met(c, "first_response", stamp) for c in cases]
    return FirstReplies(name, len(cases), spread(reply_seconds(cases)),
                        Rate(verdicts.count(False), len(verdicts) - verdicts.count(None)))


def read_board(conn: sqlite3.Connection, settings: Settings, router: Router,
               now: datetime) -> Board:
    zone = day_zone(settings)
    today_at = db_time(midnight(now.astimezone(zone).date(), zone))
    soon = db_time(now + AT_RISK_WITHIN)
    today = store.opened_since(conn, today_at)
    stamp = db_time(now)
    queues = [first_replies(name, [c for c in today if c["queue"] == name], stamp)
              for name in sorted({*(c["queue"] for c in today),
                                  *(q.name for q in settings.queues)})]
    channels = [first_replies(name, [c for c in today if c["channel"] == name], stamp)
                for name in sorted({c["channel"] for c in today})]
    load = store.owners_load(conn)
    solved = store.solved_by(conn, today_at)
    team = []
    for row in router.roster(conn, now):
        working, paused = load.get(row["agent"], (0, 0))
        team.append(AgentLine(row["agent"], row["role"], row["state"], working, paused,
                              dict(row["capacity"]),
                              spread(reply_seconds(c for c in today  # who wrote it
                                                   if c["first_replier"] == row["agent"])),
                              solved.get(row["agent"], 0), dict(row["open"])))
    since = db_time(midnight(now.astimezone(zone).date() - timedelta(days=TREND_DAYS - 1),
                             zone))
    tallied = store.hourly(conn, since)
    return Board(now, aging(conn, now), store.due_soon(conn, db_time(now), soon, DUE_SHOWN),
                 store.due_soon_count(conn, soon), queues, channels, team,
                 daily(tallied, zone),
                 Rate(*(sum(tallied.get(name, {}).values()) for name in ("came_back",
                                                                         "finished"))),
                 store.came_back_about(conn, since),
                 Rate(*(sum(tallied.get(name, {}).values()) for name in ("bounced",
                                                                         "assigned"))),
                 left_owner_because(conn, since, "9999", 3),
                 store.csat_since(conn, since),
                 [seconds / 3600 for seconds in reply_seconds(today)])


def daily(tallied: dict[str, dict[str, int]], zone: tzinfo | None,
          until: datetime | None = None) -> list[tuple[str, int, int]]:
    """(day in `zone`, cases opened, cases solved) from the tallies' UTC hours (before
    `until`, when given)."""
    days: dict[str, list[int]] = {}
    for column, name in enumerate(("opened", "solved")):
        for hour, n in tallied.get(name, {}).items():
            moment = parse_db_time(f"{hour}:00:00")
            if until is None or moment < until:
                days.setdefault(moment.astimezone(zone).date().isoformat(), [0, 0])[column] += n
    return [(day, *days[day]) for day in sorted(days)]
