"""The priority score: a plain sum of named parts, so an agent can read why a case leads the
queue ("72 = vip 30 + severity 20 + waiting 3h 12 + irritated 10"):

tier + severity + urgency + revenue risk (a customer attribute such as `mrr`, and days to
renewal) + time waiting for us (points per business hour, capped) + negative sentiment and
irritation + a live channel + escalations. The waiting part grows in steps, one per business
hour, so a score changes only at known moments: `next_step` is when, and the scheduler
re-scores just the cases whose step has come.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from omnitui.config import PrioritySettings
from omnitui.records import record
from omnitui.triage.calendar import Calendar
from omnitui.wording import span

HOUR = 3600.0


@record(frozen=True)
class Facts:
    """What the score is made of, read from the case, its customer and its latest message."""

    tier: str
    severity: int
    urgent: bool
    live_channel: bool
    sentiment: float | None
    irritated: bool
    attributes: dict[str, object]
    waiting_since: datetime | None  # the customer's oldest unanswered message; None: not
    boost: float = 0.0  # escalations' raises


@record(frozen=True)
class Score:
    total: float
    parts: list[tuple[str, float]]  # ("vip", 30), ("waiting 3h", 6) ...
    next_step: datetime | None  # when the waiting part rises next; None: it will not

    def breakdown(self) -> str:
        """"72 = vip 30 + severity 20 + waiting 3h 12"."""
        shown = [f"{label} {points:g}" for label, points in self.parts if points]
        return f"{self.total:g} = " + (" + ".join(shown) if shown else "0")


def score(facts: Facts, settings: PrioritySettings, calendar: Calendar,
          now: datetime) -> Score:
    parts: list[tuple[str, float]] = [
        (facts.tier, settings.tier_weights.get(facts.tier, 0.0)),
        ("severity", facts.severity * settings.severity_weight),
        ("urgent", settings.urgent_weight if facts.urgent else 0.0),
        ("live channel", settings.sync_channel_weight if facts.live_channel else 0.0),
        ("sentiment", -facts.sentiment * settings.negative_sentiment_weight
         if facts.sentiment is not None and facts.sentiment < 0 else 0.0),
        ("irritated", settings.irritated_weight if facts.irritated else 0.0),
        *_revenue(facts.attributes, settings, now),
        ("escalated", facts.boost)]
    next_step = None
    if facts.waiting_since is not None and settings.waiting_points_per_hour > 0:
        hours = math.floor(calendar.seconds(facts.waiting_since, now) / HOUR)
        full = math.ceil(settings.waiting_points_max / settings.waiting_points_per_hour)
        if hours >= full:  # capped: the label stays true without re-scoring
            parts.append((f"waiting {span(full * HOUR)}+", settings.waiting_points_max))
        else:
            parts.append((f"waiting {span(hours * HOUR) if hours else '<1h'}",
                          hours * settings.waiting_points_per_hour))
            next_step = calendar.add(facts.waiting_since, (hours + 1) * HOUR)
    parts = [(label, round(points)) for label, points in parts]  # whole points: what an
    return Score(float(sum(p for _, p in parts)), parts, next_step)  # agent compares


def _revenue(attributes: dict[str, object], settings: PrioritySettings,
             now: datetime) -> list[tuple[str, float]]:
    found = []
    if settings.revenue_attribute:
        value = _number(attributes.get(settings.revenue_attribute))
        points = max((p for at_least, p in settings.revenue_steps
                      if value is not None and value >= at_least), default=0.0)
        found.append((f"{settings.revenue_attribute} {value:g}" if value is not None
                      else settings.revenue_attribute, points))
    if settings.renewal_attribute:
        renewal = _date(attributes.get(settings.renewal_attribute))
        days = (renewal - now.date()).days if renewal is not None else None
        near = days is not None and 0 <= days <= settings.renewal_within_days
        found.append((f"renewal in {days}d" if near else "renewal",
                      settings.renewal_weight if near else 0.0))
    return found


def _number(value: object) -> float | None:
    try:
        return float(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
