"""Business time: how much of a stretch of time the team is open, and when a number of open
seconds from a moment runs out. SLA due times and waiting points count in it.

A calendar is a time zone, open spans per weekday in local wall-clock time, and closed
dates (the config's and a country's public holidays). Arithmetic walks local days and turns
each open span into UTC through the zone, so a daylight-saving change is counted as the wall
clock has it (a 09:00-17:00 day is 8 hours on either side of it; a 24-hour day on the
change is 23 or 25 hours). With no time zone the calendar is always open: 24x7.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Container, Iterator, Sequence
from dataclasses import field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from omnitui.config import BusinessHoursSettings
from omnitui.config.hours import DAYS, CalendarError, parse_date, parse_span
from omnitui.model import TimeUnits
from omnitui.records import record

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

# The public holidays this process already knows (read from the store, where the daemon, a
# console or the demo build kept them), by (country, subdivision): the years they cover and
# the dates. Importing the holidays package and building a country's calendar costs about
# 0.2 s, which a console paid before its first paint.
_KNOWN: dict[tuple[str, str], tuple[range, frozenset[date]]] = {}


def know_public_holidays(country: str, subdivision: str, years: range,
                         days: frozenset[date]) -> None:
    _KNOWN[(country.upper(), subdivision.upper())] = (years, days)


def public_holidays(country: str, subdivision: str,
                    years: range | None = None) -> Container[date]:
    """A country's public holidays from the holidays package: those of `years`, or of any
    year, worked out at its first question."""
    import holidays

    return holidays.country_holidays(country, subdiv=subdivision or None, years=years)


class PublicHolidays(Container[date]):
    """A country's public holidays: the known years from memory, any other year from the
    holidays package, imported at the first such question (a report over older years)."""

    def __init__(self, country: str, subdivision: str) -> None:
        self.key = (country.upper(), subdivision.upper())
        self._package: Container[date] | None = None

    def __contains__(self, day: object) -> bool:
        known = _KNOWN.get(self.key)
        if known is not None and isinstance(day, date) and day.year in known[0]:
            return day in known[1]
        if self._package is None:
            self._package = public_holidays(*self.key)
        return day in self._package


MAX_DAYS = 3700  # ten years: no target in business time looks further (a calendar with no
# open hour at all is refused when the config is read)


@record(frozen=True)
class Calendar:
    zone: ZoneInfo | None = None  # None: always open (24x7)
    week: tuple[tuple[tuple[int, int], ...], ...] = ((),) * 7  # Monday first, minutes
    closed: frozenset[date] = field(default_factory=frozenset)
    country: str = ""  # public holidays of this country are closed too ("": none)
    subdivision: str = ""  # and of this state or province

    @cached_property
    def _public(self) -> Container[date]:
        return PublicHolidays(self.country, self.subdivision) if self.country else frozenset()

    @property
    def always_open(self) -> bool:
        return self.zone is None

    @cached_property
    def units(self) -> TimeUnits:
        """A day and a week of this calendar's time: a business day is its open hours on an
        open weekday, on average (a case 25 open hours late is three business days late,
        where it read "late 1d")."""
        if self.zone is None:
            return TimeUnits()
        week = sum(b - a for day in self.week for a, b in day) * 60
        open_days = sum(1 for day in self.week if day)
        return TimeUnits(week / open_days, week) if open_days else TimeUnits()

    def spans(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open stretches within [start, end), in UTC, in order."""
        if start >= end:
            return
        if self.zone is None:
            yield start, end
            return
        day = start.astimezone(self.zone).date() - timedelta(days=1)  # a span may start
        last = end.astimezone(self.zone).date()  # the local day before and run past midnight
        while day <= last:
            for opens, closes in self._day(day):
                lo, hi = max(opens, start), min(closes, end)
                if lo < hi:
                    yield lo, hi
            day += timedelta(days=1)

    @cached_property
    def _days(self) -> dict[date, tuple[tuple[datetime, datetime], ...]]:
        """Each local day's open spans in UTC, worked out once: a month's report asks for
        the same few dozen days a million times."""
        return {}

    def _day(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        found = self._days.get(day)
        if found is None:
            found = self._days[day] = self._open_spans(day)
        return found

    def _open_spans(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        if day in self.closed or day in self._public:
            return ()
        return tuple((self._reads(day, a), self._reads(day, b))
                     for a, b in self.week[day.weekday()])

    def _reads(self, day: date, minutes: int) -> datetime:
        """The first moment (UTC) the zone's clock reads `minutes` past midnight of `day`:
        in the hour an autumn change repeats, its first pass; in the hour a spring change
        skips, the moment the clock jumps over it (a span from 02:30 opens at 03:00: read
        with the offset before the change, it opened at 03:30, half an hour short)."""
        wall = datetime.combine(day, time(0)) + timedelta(minutes=minutes)
        moment = wall.replace(tzinfo=self.zone).astimezone(UTC)
        if moment.astimezone(self.zone).replace(tzinfo=None) == wall:
            return moment
        after = moment.astimezone(self.zone).utcoffset()  # the offset after the change,
        earliest = wall.replace(tzinfo=self.zone, fold=1).astimezone(UTC)  # read with it
        low, high = 0, int((moment - earliest).total_seconds())  # the change lies between
        while low < high:
            middle = (low + high) // 2
            if (earliest + timedelta(seconds=middle)).astimezone(self.zone).utcoffset() \
                    == after:
                high = middle
            else:
                low = middle + 1
        return earliest + timedelta(seconds=low)

    def seconds(self, start: datetime, end: datetime) -> float:
        """Open seconds between two moments (0 when `end` is not after `start`)."""
        return sum((hi - lo).total_seconds() for lo, hi in self.spans(start, end))

    def seconds_each(self, stretches: Sequence[tuple[int, int]]) -> list[float]:
        """`seconds` of each stretch, given as whole Unix seconds (stored times are): the
        open spans that cover them all are summed once, and each end found among them by
        bisection. A month's report asks this of every case: one call at a time took 1.6 s
        at 265,000 cases. (Whole seconds sum exactly: the same numbers as `seconds`.)"""
        if not stretches:
            return []
        if self.zone is None:
            return [float(end - start) if end > start else 0 for start, end in stretches]
        opens: list[int] = []
        closes: list[int] = []
        before = [0]  # before[k]: open seconds of the first k spans
        first = datetime.fromtimestamp(min(start for start, _ in stretches), UTC)
        last = datetime.fromtimestamp(max(end for _, end in stretches), UTC)
        for lo, hi in self.spans(first, last):
            opens.append(int(lo.timestamp()))
            closes.append(int(hi.timestamp()))
            before.append(before[-1] + closes[-1] - opens[-1])

        def open_until(moment: int) -> int:
            """Open seconds from `first` to `moment`."""
            n = bisect_right(opens, moment)
            return before[n - 1] + min(moment, closes[n - 1]) - opens[n - 1] if n else 0

        found: list[float] = []
        for start, end in stretches:
            open_seconds = open_until(end) - open_until(start) if end > start else 0
            found.append(float(open_seconds) if open_seconds else 0)
        return found

    def add(self, start: datetime, seconds: float) -> datetime:
        """The moment `seconds` of open time after `start` have passed."""
        if self.zone is None:
            return start + timedelta(seconds=seconds)
        left = max(0.0, seconds)
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        for _ in range(MAX_DAYS):
            for opens, closes in self._day(day):
                lo = max(opens, start)
                if lo >= closes:
                    continue
                room = (closes - lo).total_seconds()
                if room >= left:
                    return lo + timedelta(seconds=left)
                left -= room
            day += timedelta(days=1)
        raise CalendarError("no open hours in the next ten years")

    def is_open(self, moment: datetime) -> bool:
        return self.zone is None or any(True for _ in self.spans(moment,
                                                               moment + timedelta(seconds=1)))


def calendar_of(hours: BusinessHoursSettings) -> Calendar:
    """The config's [business_hours] as a calendar (checked when the config was read)."""
    if not hours.time_zone:
        return Calendar()
    from zoneinfo import ZoneInfo  # here: a 24x7 desk's commands start without it

    week = tuple(tuple(sorted(parse_span(span) for span in hours.hours.get(day, [])))
                 for day in DAYS)
    return Calendar(ZoneInfo(hours.time_zone), week,
                    frozenset(parse_date(text) for text in hours.holidays),
                    hours.country.upper(), hours.subdivision.upper())
