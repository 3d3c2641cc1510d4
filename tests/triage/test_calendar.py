"""Business-time arithmetic, checked on examples a support lead would work out by hand and
on properties that must hold for any moment and any target: weekends, holidays,
daylight-saving changes in the configured zone, spans past midnight, short targets."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnitui.config import BusinessHoursSettings
from omnitui.triage.calendar import Calendar, calendar_of

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = calendar_of(BusinessHoursSettings(
    time_zone="Europe/Berlin",
    hours={"mon": ["09:00-12:00", "13:00-17:00"], "tue": ["09:00-17:00"],
           "wed": ["09:00-17:00"], "thu": ["09:00-17:00"], "fri": ["09:00-15:00"],
           "sat": [], "sun": []},
    holidays=["2026-12-24"], country="DE", subdivision="BY"))
NIGHTS = calendar_of(BusinessHoursSettings(  # a support desk open through the night
    time_zone="America/New_York", hours={d: ["00:00-02:00", "20:00-24:00"]
                                         for d in ("mon", "tue", "wed", "thu", "fri", "sat",
                                                   "sun")}))
ALWAYS = Calendar()


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_a_target_runs_over_the_night_and_the_weekend() -> None:
    friday = berlin(2026, 11, 27, 14, 0)  # one open hour left on Friday
    assert OFFICE.add(friday, 3 * 3600) == berlin(2026, 11, 30, 11, 0)  # Monday 11:00
    assert OFFICE.seconds(friday, berlin(2026, 11, 30, 11, 0)) == 3 * 3600


def test_lunch_holidays_and_public_holidays_are_closed() -> None:
    monday = berlin(2026, 11, 30, 11, 30)
    assert OFFICE.add(monday, 3600) == berlin(2026, 11, 30, 13, 30)  # lunch skipped
    # 24 Dec is the config's, 25 and 26 Dec Bavaria's public holidays; 27 Dec a Sunday
    wednesday = berlin(2026, 12, 23, 16, 0)
    assert OFFICE.add(wednesday, 2 * 3600) == berlin(2026, 12, 28, 10, 0)


def test_daylight_saving_days_count_wall_clock_hours() -> None:
    before = berlin(2026, 3, 27, 15, 0)  # Friday before the clocks go forward on Sunday
    assert OFFICE.add(before, 3600) == berlin(2026, 3, 30, 10, 0)
    autumn = datetime(2026, 10, 31, 20, 0, tzinfo=ZoneInfo("America/New_York"))
    # New York falls back at 02:00 on Sunday 1 Nov: the open hours from midnight to 02:00 by
    # the wall clock are 3 real hours that night
    assert NIGHTS.seconds(autumn, autumn + timedelta(days=1)) == (4 + 3) * 3600
    # Berlin skips 02:00-03:00 on 28 March 2027: a night shift from 02:30 opens at 03:00
    night = calendar_of(BusinessHoursSettings(time_zone="Europe/Berlin",
                                              hours={"sun": ["02:30-04:00"]}))
    assert night.seconds(berlin(2027, 3, 27, 12, 0), berlin(2027, 3, 29, 0, 0)) == 3600


def test_no_time_zone_counts_every_second() -> None:
    start = datetime(2026, 12, 24, 23, 0, tzinfo=UTC)
    assert ALWAYS.add(start, 90) == start + timedelta(seconds=90)
    assert ALWAYS.seconds(start, start + timedelta(days=2)) == 2 * 86400


moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31),
                       timezones=st.just(UTC))
targets = st.floats(min_value=0, max_value=30 * 86400, allow_nan=False)
calendars = st.sampled_from([OFFICE, NIGHTS, ALWAYS])


@settings(max_examples=300, deadline=None)
@given(calendars, moments, targets)
def test_the_time_added_is_the_time_counted(calendar: Calendar, start: datetime,
                                            target: float) -> None:
    due = calendar.add(start, target)
    assert due >= start
    assert calendar.seconds(start, due) == pytest.approx(target, abs=1e-3)


@settings(max_examples=300, deadline=None)
@given(calendars, moments, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
       st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)))
def test_counting_adds_up_and_never_exceeds_the_wall_clock(calendar: Calendar, start: datetime,
                                                           first: timedelta,
                                                           second: timedelta) -> None:
    middle, end = start + abs(first), start + abs(first) + abs(second)
    whole = calendar.seconds(start, end)
    assert whole == pytest.approx(calendar.seconds(start, middle)
                                  + calendar.seconds(middle, end), abs=1e-3)
    assert whole <= (end - start).total_seconds() + 1e-3


@settings(max_examples=200, deadline=None)
@given(moments, st.floats(min_value=1, max_value=12 * 3600))
def test_a_due_time_never_falls_on_a_closed_day(start: datetime, target: float) -> None:
    due = OFFICE.add(start, target).astimezone(BERLIN)
    assert due.weekday() < 5
    assert due.date() not in (date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26))


whole_seconds = st.integers(min_value=int(datetime(2025, 1, 1, tzinfo=UTC).timestamp()),
                            max_value=int(datetime(2028, 12, 31, tzinfo=UTC).timestamp()))


@settings(max_examples=200, deadline=None)
@given(calendars, st.lists(st.tuples(whole_seconds,
                                     st.integers(min_value=-86400, max_value=20 * 86400)),
                           max_size=40))
def test_many_stretches_counted_at_once_count_as_each_one_alone(
        calendar: Calendar, stretches: list[tuple[int, int]]) -> None:
    """A month's report counts every case's wait for an owner in one call: the same seconds
    as one at a time, over weekends, holidays, nights and summer time, and 0 for one that
    ends before it starts."""
    pairs = [(start, start + length) for start, length in stretches]
    alone = [calendar.seconds(datetime.fromtimestamp(start, UTC),
                              datetime.fromtimestamp(end, UTC)) for start, end in pairs]
    assert calendar.seconds_each(pairs) == alone


def _changes(zone: ZoneInfo) -> list[date]:
    """The days of 2026 and 2027 on whose night the zone's clocks change (that day and the
    day before: a change at midnight repeats the evening before's last hour)."""
    day, found = date(2026, 1, 2), []
    while day.year < 2028:
        noon = datetime.combine(day, datetime.min.time(), tzinfo=zone) + timedelta(hours=12)
        if (noon - timedelta(days=1)).utcoffset() != noon.utcoffset():
            found += [day - timedelta(days=1), day]
        day += timedelta(days=1)
    return found


# Berlin and New York change at 02:00, Santiago at midnight, Lord Howe by half an hour
CHANGES = [(zone, day) for name in ("Europe/Berlin", "America/New_York", "America/Santiago",
                                     "Australia/Lord_Howe")
           for zone in [ZoneInfo(name)] for day in _changes(zone)]


def _first_reading(zone: ZoneInfo, day: date, minutes: int) -> datetime:
    """By brute force: the first whole minute (UTC) the zone's clock reads at least
    `minutes` past midnight of `day`."""
    wall = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minutes)
    moment = (wall - timedelta(hours=16)).replace(tzinfo=UTC)
    while moment.astimezone(zone).replace(tzinfo=None) < wall:
        moment += timedelta(minutes=1)
    return moment


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(CHANGES),  # an edge most often in the night's first hours
       st.one_of(st.integers(min_value=0, max_value=180), st.integers(min_value=0,
                                                                      max_value=1439)),
       st.one_of(st.integers(min_value=1, max_value=120), st.integers(min_value=1,
                                                                      max_value=1440)))
def test_a_span_on_a_clock_change_day_opens_and_closes_when_the_clock_reads_it(
        change: tuple[ZoneInfo, date], opens: int, length: int) -> None:
    """A span's edges are the first moments the wall clock reads them: in an hour a
    spring change skips, the moment it jumps over it; in one an autumn change repeats, its
    first pass."""
    zone, day = change
    closes = min(opens + length, 1440)
    week = tuple(((opens, closes),) if n == day.weekday() else () for n in range(7))
    calendar = Calendar(zone, week)
    start = datetime.combine(day, datetime.min.time(), tzinfo=UTC) - timedelta(days=1)
    assert calendar.seconds(start, start + timedelta(days=3)) == (
        _first_reading(zone, day, closes) - _first_reading(zone, day, opens)).total_seconds()
