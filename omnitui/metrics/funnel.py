"""The funnel of a period, from the store: how fast the team answered and solved, how often
cases came back or bounced between agents, whether the SLA held, what customers said, and
the backlog now. Distributions, not averages alone: averages hide spikes.

Every duration is in the case's SLA policy's time (business hours or 24x7) with its pauses
left out, as the SLA replay stores it with the case (schema 19), except the assignment time
(the team's business hours, from the opening to the first owner), the handle time (the
wall-clock time agents had the case open or were writing on it, from the consoles'
presence intervals) and the backlog's age (wall-clock: how long the customer has waited since
we received the case's first message or it was last reopened).
Days are days of the business-hours time zone (else the server's). Percentiles are exact
over the period: nearest rank. Old conversations an import or a first sync filed as history
(services/archive.py) count as opened, and nothing else: the team did not work them here.
"""

from __future__ import annotations

import math
import sqlite3
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import field
from datetime import date, datetime, time, timedelta, tzinfo
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from omnitui.choices import GroupBy
from omnitui.config import Settings
from omnitui.model import FINISHED_STATUSES, PAUSED_STATUSES
from omnitui.records import record
from omnitui.store import metrics as store
from omnitui.store.db import db_time, parse_db_time
from omnitui.triage.calendar import Calendar, calendar_of
from omnitui.triage.sla import TARGETS

GROUPS = tuple(GroupBy)  # queue, channel, agent, tier, day
FACT_BITS = {fact: 1 << bit for bit, fact in enumerate(store.CASE_FACTS)}
FACTS, FIRST_RESPONSE, MEANINGFUL_RESPONSE, RESOLUTION, HANDLE, OPENED, ASSIGNED = (
    store.MEASURED.index(name) for name in store.MEASURED[1:])


def met(case: Mapping[str, Any], target: str, stamp: str) -> bool | None:
    """Whether `case` met its own due time for `target` (its policy's, its channel's and
    its tier's, paused time added), at `stamp`: False when done after it, or not done and
    past it (still, until the case was solved, or until it was paused: a target late then
    stays late); None when there is nothing to judge yet (no such clock, or not done and
    still in time, or standing in a pause: its stored due time is where it would fall were
    the case to run again then, and a case pending on the customer for a week read as a
    miss)."""
    done, due = store.TARGETS[target]
    if case[due] is None:
        return None
    if case[done] is not None:
        return case[done] <= case[due]
    end = (case["solved_at"] if case["status"] in FINISHED_STATUSES else
           case["paused_at"] if case["status"] in PAUSED_STATUSES else None) or stamp
    return False if case[due] < end else None  # (closed unsolved: judged until now)


@record(frozen=True)
class Spread:
    """A distribution: how many, the mean and the percentiles (seconds)."""

    count: int = 0
    mean: float | None = None
    p50: float | None = None
    p90: float | None = None
    p99: float | None = None


def spread(values: Iterable[float]) -> Spread:
    ordered = sorted(values)
    if not ordered:
        return Spread()

    def rank(share: float) -> float:
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]

    return Spread(len(ordered), sum(ordered) / len(ordered), rank(0.5), rank(0.9), rank(0.99))


@record(frozen=True)
class Rate:
    """`part` of `whole` (None when there is no whole)."""

    part: int = 0
    whole: int = 0

    @property
    def share(self) -> float | None:
        return self.part / self.whole if self.whole else None


@record
class Funnel:
    """One group's measures (the whole period's, or one queue's, one day's...)."""

    key: str
    opened: int = 0
    history: int = 0  # of them, old conversations filed as history (not the team's work)
    durations: dict[str, Spread] = field(default_factory=dict)
    first_contact_resolution: Rate = field(default_factory=Rate)
    reopened: Rate = field(default_factory=Rate)
    reassigned: Rate = field(default_factory=Rate)
    sla: dict[str, Rate] = field(default_factory=dict)  # target -> met on time of concluded
    # (cases; next_response: the next responses themselves, a case has many)
    csat: Spread = field(default_factory=Spread)  # scores 1-5
    satisfied: Rate = field(default_factory=Rate)  # answers of 4 or 5
    backlog: int | None = 0  # None: a day's group (a backlog is now, not of a day)
    backlog_snoozed: int = 0  # of the backlog, hidden until later (the queue leaves them out)
    backlog_age: Spread = field(default_factory=Spread)  # seconds, wall-clock


@record
class Report:
    since: datetime
    until: datetime
    by: str | None
    total: Funnel
    groups: list[Funnel]
    reassignment_reasons: list[tuple[str, int]]


def day_zone(settings: Settings) -> tzinfo | None:
    """The zone a report's days are in: the business hours', else None: the server's (as
    `astimezone(None)` reads it, summer time or not on each day: today's offset put a day
    of October in Berlin an hour late)."""
    zone = settings.business_hours.time_zone
    return ZoneInfo(zone) if zone else None


def midnight(day: date, zone: tzinfo | None) -> datetime:
    """`day`'s midnight in `zone` (None: the server's, with that day's offset)."""
    return datetime.combine(day, time(), zone).astimezone(zone)


def period(since: date | None, until: date | None, settings: Settings,
           now: datetime) -> tuple[datetime, datetime]:
    """[since, until) from the days' midnights in the report's day zone, ended by now at
    the latest (days to come were rows of 0 opened, a drop in a daily chart); by default the
    last 30 days up to now. ValueError says when since is not before until, or after now."""
    zone = day_zone(settings)
    end = midnight(until + timedelta(days=1), zone) if until else now
    given = since
    if since is None and until is not None:  # the 30 whole days that end with until's
        since = until - timedelta(days=29)  # (its midnight less 30 days of 24 hours was an
        # hour off a midnight across a change of summer time, in the server's zone)
    start = midnight(since, zone) if since else end - timedelta(days=30)
    if start >= now and given is None:  # said of what was typed, not of a --since nobody did
        raise ValueError(f"--until {until}: the 30 days that end with it begin {since}, "
                         "which has not begun yet: nothing was opened in them (an earlier "
                         "--until, or a --since too)")
    if start >= now:
        raise ValueError(f"--since {since} has not begun yet: nothing was opened in it")
    end = min(end, now)
    if start >= end:
        raise ValueError(f"--since {since or start.date()} is not before --until "
                         f"{until or end.date()}")
    return start, end


def report(conn: sqlite3.Connection, settings: Settings, since: datetime, until: datetime,
           now: datetime, by: str | None = None) -> Report:
    """The funnel of the cases opened in [since, until), whole and grouped `by`."""
    if by is not None and by not in GROUPS:
        raise ValueError(f"--by {by!r}: one of {', '.join(GROUPS)}")
    start, end = db_time(since), db_time(until)
    zone = day_zone(settings)
    days = period_days(since, until, zone) if by == "day" else []
    starts = [db_time(midnight(date.fromisoformat(day), zone)) for day in days]
    case_column, survey_column = {"agent": ("owner", "agent"),
                                  "day": ("created_at", "answered_at")}.get(by, (by, by))

    def group_of(value: str | None) -> str:
        """A group's name from its column's value: the day a time is in (a case's opening,
        a survey's answer: the case's put a survey of the period on a day before it, a row
        of its own), a day beginning at its midnight as the period's days do; else the
        value itself (an agent: a case's owner, a survey's agent)."""
        return days[bisect_right(starts, value) - 1] if days else value or "(none)"

    cases = store.opened_measured(conn, start, end, db_time(now), case_column)
    surveys = store.surveys_answered(conn, start, end)
    open_now = store.backlog(conn)
    business = calendar_of(settings.business_hours)
    total = _funnel("all", cases, surveys, open_now, business, now)
    groups = []
    if by is not None:
        split: defaultdict[str, tuple[list[Any], ...]] = defaultdict(lambda: ([], [], []))
        split.update((key, ([], [], [])) for key in days or (
            [queue.name for queue in settings.queues] if by == "queue" else []))
        # (every day: a day nothing was opened on was no row, a gap in a daily chart; every
        # queue the team has, as the board lists them: an idle one was missing)
        for case in cases:  # each row read once, whatever the number of groups
            split[group_of(case[0])][0].append(case)
        for survey in surveys:
            split[group_of(survey[survey_column])][1].append(survey)
        for row in open_now if by != "day" else []:  # a backlog is now, not of a day
            split[group_of(row[case_column])][2].append(row)
        groups = [_funnel(key, *split[key], business, now) for key in sorted(split)]
        if by == "day":
            for group in groups:
                group.backlog = None
    return Report(since, until, by, total, groups,
                  store.left_owner_because(conn, start, end))


def period_days(since: datetime, until: datetime, zone: tzinfo | None) -> list[str]:
    """Each day of [since, until) in `zone`, YYYY-MM-DD (until's midnight begins none)."""
    first = since.astimezone(zone).date()
    last = (until - timedelta(microseconds=1)).astimezone(zone).date()
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def _funnel(key: str, cases: list[tuple[Any, ...]], surveys: list[store.Record],
            open_now: list[store.Record], business: Calendar, now: datetime) -> Funnel:
    """One group's funnel from its cases as store.opened_measured reads them."""
    facts = Counter(map(itemgetter(FACTS), cases))
    history = FACT_BITS["history"]
    worked = [case for case in cases if not case[FACTS] & history]  # the team's work here

    def count(fact: str) -> int:
        """How many cases the team worked here have `fact`."""
        bit = FACT_BITS[fact]
        return sum(n for bits, n in facts.items() if bits & bit and not bits & history)

    def total(name: str) -> int:
        """A count kept in the facts (store.COUNTS_AT), summed over the cases the team
        worked here."""
        at, mask = store.COUNTS_AT[name], (1 << store.COUNT_BITS) - 1
        return sum((bits >> at & mask) * n for bits, n in facts.items() if not bits & history)

    def values(measure: int) -> list[Any]:
        """A measure of the cases the team worked here, of those that have it."""
        return [value for value in map(itemgetter(measure), worked) if value is not None]

    found = Funnel(key, opened=len(cases),
                   history=sum(n for bits, n in facts.items() if bits & history))
    found.durations = {
        "first_response": spread(values(FIRST_RESPONSE)),
        "meaningful_response": spread(values(MEANINGFUL_RESPONSE)),
        "assignment": spread(business.seconds_each(
            [(case[OPENED], case[ASSIGNED]) for case in worked
             if case[ASSIGNED] is not None])),
        "resolution": spread(values(RESOLUTION)),
        "handle": spread(map(float, values(HANDLE)))}
    found.first_contact_resolution = Rate(count("first_contact_resolved"), count("solved"))
    found.reopened = Rate(count("reopened"), count("finished"))
    found.reassigned = Rate(count("reassigned"), count("assigned"))
    next_responses = Rate(total("next_responses_met"), total("next_responses_judged"))
    found.sla = {target: next_responses if target == "next_response" else
                 Rate(count(f"{target}_met"), count(f"{target}_judged")) for target in TARGETS}
    stamp = db_time(now)
    scores = [s["score"] for s in surveys]
    found.csat = spread(scores)
    found.satisfied = Rate(sum(1 for s in scores if s >= 4), len(scores))
    found.backlog = len(open_now)
    found.backlog_snoozed = sum(1 for c in open_now
                                if c["snoozed_until"] and c["snoozed_until"] > stamp)
    found.backlog_age = spread((now - parse_db_time(c["open_since"])).total_seconds()
                               for c in open_now)
    return found
