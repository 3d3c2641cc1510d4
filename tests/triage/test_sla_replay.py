"""The SLA replay's bookkeeping, checked as properties over any history a case can have:
whatever happens in whatever order, a clock's paused time is time it stood still while it
existed, so the durations the reports read (the time to a reply, pauses left out) are never
shortened by a pause that began before the clock did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnitui.config import BusinessHoursSettings
from omnitui.triage.calendar import Calendar, calendar_of
from omnitui.triage.sla import Happening, replay

OFFICE = calendar_of(BusinessHoursSettings(
    time_zone="Europe/Berlin",
    hours={"mon": ["09:00-17:00"], "tue": ["09:00-17:00"], "wed": ["09:00-17:00"],
           "thu": ["09:00-17:00"], "fri": ["09:00-15:00"]},
    holidays=["2026-12-24"], country="DE"))
TARGETS = {"first_response": 4 * 3600.0, "meaningful_response": 8 * 3600.0,
           "next_response": 4 * 3600.0, "resolution": 40 * 3600.0}
START = datetime(2026, 10, 23, 12, 0, tzinfo=UTC)  # a Friday afternoon before the DST change

steps = st.sampled_from([
    Happening(START, "inbound"), Happening(START, "heard"),
    Happening(START, "reply", "meaningful"), Happening(START, "reply", "first"),
    Happening(START, "reply", "none"), Happening(START, "pause", "customer"),
    Happening(START, "pause", "hold"), Happening(START, "resume"),
    Happening(START, "solved"), Happening(START, "reopened", "customer"),
    Happening(START, "reopened", "agent")])
histories = st.lists(st.tuples(st.integers(min_value=0, max_value=72 * 60), steps),
                     max_size=12)


def lived(history: list[tuple[int, Happening]]) -> list[Happening]:
    """The case's opening, then each step that many minutes after the one before."""
    at, happenings = START, [Happening(START, "opened", "")]
    for minutes, step in history:
        at += timedelta(minutes=minutes)
        happenings.append(Happening(at, step.kind, step.response))
    return happenings


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from([OFFICE, Calendar()]), histories)
def test_a_clock_is_paused_only_while_it_exists(calendar: Calendar,
                                                history: list[tuple[int, Happening]]) -> None:
    happenings = lived(history)
    clocks = replay(happenings, TARGETS, calendar)
    last = happenings[-1].at
    for clock in clocks.history:
        end = clock.met or clock.stopped or last
        assert clock.paused_seconds <= calendar.seconds(clock.started, end) + 1e-6, clock


def test_a_question_while_on_hold_counts_only_its_own_wait_as_paused() -> None:
    """On hold on engineering from Thursday 10:00, the customer asks for news at 13:00, the
    case resumes on Friday at 10:00: their question stood still for 4 + 1 open hours, not
    the 8 the case did, and our answer an hour later took it one open hour."""
    def berlin(day: int, hour: int) -> datetime:
        return datetime(2026, 11, day, hour - 1, 0, tzinfo=UTC)  # CET: UTC+1

    clocks = replay([Happening(berlin(2, 10), "opened", ""),
                     Happening(berlin(2, 11), "reply"),
                     Happening(berlin(5, 10), "pause", "hold"),
                     Happening(berlin(5, 13), "inbound"),
                     Happening(berlin(6, 10), "resume"),
                     Happening(berlin(6, 11), "reply")], TARGETS, OFFICE)
    question = clocks.latest("next_response")
    assert question is not None and question.met == berlin(6, 11)
    assert question.paused_seconds == pytest.approx(5 * 3600)
    assert OFFICE.seconds(question.started, question.met) - question.paused_seconds == \
        pytest.approx(3600)
