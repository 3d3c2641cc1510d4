"""Snooze: a case leaves the queues until its time, or until the customer writes again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from omnitui.channels.email.parse import parse_email
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Status
from omnitui.services.actions import snooze
from omnitui.services.desk import Desk
from omnitui.snooze import parse_until, snooze_choices
from omnitui.store.db import Store, StoreError, utc_now
from omnitui.store.queries import CaseQuery, queue_ids
from tests.conftest import make_email

BERLIN = ZoneInfo("Europe/Berlin")


def visible(store: Store, **query: object) -> list[int]:
    return list(queue_ids(store.conn, CaseQuery(**query)))  # type: ignore[arg-type]


def test_a_snoozed_case_hides_and_comes_back(store: Store, pipeline: Pipeline) -> None:
    case_id = pipeline.ingest(parse_email(make_email())).case_id
    with store.write() as conn:
        snooze(conn, case_id, utc_now() + timedelta(hours=1), actor="alice", at=utc_now())
    assert case_id not in visible(store) and visible(store, snoozed=True) == [case_id]
    with store.write() as conn:  # its time has come: back without anyone touching it
        snooze(conn, case_id, utc_now() - timedelta(seconds=1), actor="alice", at=utc_now())
    assert case_id in visible(store) and visible(store, snoozed=True) == []
    Desk(store, "alice").undo()
    assert case_id not in visible(store)


def test_waking_a_case_that_is_not_snoozed_says_so(store: Store, pipeline: Pipeline) -> None:
    """`snooze --until now` on a case awake answered "woken up"."""
    case_id = pipeline.ingest(parse_email(make_email())).case_id
    with store.write() as conn, pytest.raises(StoreError, match="is not snoozed"):
        snooze(conn, case_id, None, actor="alice", at=utc_now())


def test_a_solved_case_is_not_snoozed_and_the_report_counts_the_snoozed(
        store: Store, pipeline: Pipeline) -> None:
    """Snoozed, a solved case woke up later as if it waited; and the report's backlog held
    a snoozed case the queue and the board leave out, without a word."""
    from omnitui.config import Settings
    from omnitui.metrics.funnel import report

    solved, waiting = (pipeline.ingest(parse_email(make_email(sender=f"{n}@x.org"))).case_id
                       for n in ("a", "b"))
    desk = Desk(store, "alice")
    desk.each([solved], desk.status(Status.SOLVED))
    [refused, done] = desk.each([solved, waiting], desk.snooze(utc_now() + timedelta(days=1)))
    assert not refused.done and refused.refusal == f"case #{solved} is solved: nothing to snooze"
    assert done.done
    now = utc_now()
    whole = report(store.conn, Settings(), now - timedelta(days=1), now, now).total
    assert (whole.backlog, whole.backlog_snoozed) == (1, 1)


def test_the_customer_writing_wakes_a_snoozed_case(store: Store, pipeline: Pipeline) -> None:
    case_id = pipeline.ingest(parse_email(make_email(message_id="a@x.org"))).case_id
    with store.write() as conn:
        snooze(conn, case_id, utc_now() + timedelta(days=3), actor="alice", at=utc_now())
    again = pipeline.ingest(parse_email(make_email(in_reply_to="a@x.org", body="Any news?")))
    assert again.case_id == case_id and case_id in visible(store)


def test_snooze_choices_are_in_the_agents_own_time() -> None:
    friday_evening = datetime(2026, 11, 27, 18, 30, tzinfo=BERLIN)
    choices = dict(snooze_choices(friday_evening))
    assert choices["1 hour"] == friday_evening + timedelta(hours=1)
    assert choices["tomorrow 9:00"] == datetime(2026, 11, 28, 9, 0, tzinfo=BERLIN)
    assert choices["next Monday 9:00"] == datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)
    sunday = dict(snooze_choices(friday_evening + timedelta(days=2)))  # two choices, one
    assert sunday["tomorrow 9:00"] == datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)  # moment
    assert sunday["next Monday 9:00"] == datetime(2026, 12, 7, 9, 0, tzinfo=BERLIN)


@pytest.mark.parametrize(("typed", "expected"), [
    ("3h", datetime(2026, 11, 27, 21, 30, tzinfo=BERLIN)),
    ("2d", datetime(2026, 11, 29, 18, 30, tzinfo=BERLIN)),
    ("2026-12-24 14:00", datetime(2026, 12, 24, 14, 0, tzinfo=BERLIN)),
    ("2026-12-24", datetime(2026, 12, 24, 9, 0, tzinfo=BERLIN)),
    ("Tomorrow", datetime(2026, 11, 28, 9, 0, tzinfo=BERLIN)),  # as the menu says it
    ("next  monday", datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)),
    ("Monday", datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)),
    # the menu's own words, and what people type (all of them were refused)
    ("tomorrow 9:00", datetime(2026, 11, 28, 9, 0, tzinfo=BERLIN)),
    ("tomorrow 14:30", datetime(2026, 11, 28, 14, 30, tzinfo=BERLIN)),
    ("tuesday", datetime(2026, 12, 1, 9, 0, tzinfo=BERLIN)),
    ("monday 10:00", datetime(2026, 11, 30, 10, 0, tzinfo=BERLIN)),
    ("fri 9am", datetime(2026, 12, 4, 9, 0, tzinfo=BERLIN)),  # today's nine is past
    ("17:30", datetime(2026, 11, 28, 17, 30, tzinfo=BERLIN)),  # past today: tomorrow's
    ("8pm", datetime(2026, 11, 27, 20, 0, tzinfo=BERLIN)),
    ("2026-12-24 9:00", datetime(2026, 12, 24, 9, 0, tzinfo=BERLIN)),
])
def test_custom_snooze_times(typed: str, expected: datetime) -> None:
    assert parse_until(typed, datetime(2026, 11, 27, 18, 30, tzinfo=BERLIN)) == expected


def test_a_duration_is_real_time_across_a_clock_change_and_iso_times_still_read() -> None:
    """"3h" typed at 01:30 the night summer time ends slept four hours (added to the wall
    clock); "2026-12-24 09:00:00" and an offset were read before the parser learnt words."""
    night = datetime(2026, 10, 25, 1, 30, tzinfo=BERLIN)
    assert parse_until("3h", night) - night == timedelta(hours=2)  # on the wall clock,
    assert (parse_until("3h", night).astimezone(UTC) - night.astimezone(UTC)) == timedelta(
        hours=3)  # three real hours
    assert dict(snooze_choices(night))["1 hour"].astimezone(UTC) == (
        night.astimezone(UTC) + timedelta(hours=1))
    now = datetime(2026, 11, 27, 18, 30, tzinfo=BERLIN)
    for typed in ("2026-12-24 09:00:00", "2026-12-24T09:00+01:00"):
        assert parse_until(typed, now) == datetime(2026, 12, 24, 9, 0, tzinfo=BERLIN), typed


def test_monday_typed_on_a_sunday_is_tomorrow() -> None:
    """It was the menu's "next Monday", a week on."""
    sunday = datetime(2026, 11, 29, 18, 30, tzinfo=BERLIN)
    assert parse_until("monday", sunday) == datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)
    early = datetime(2026, 11, 30, 7, 0, tzinfo=BERLIN)  # Monday before nine: this morning
    assert parse_until("monday", early) == datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)


@pytest.mark.parametrize(("typed", "message"), [("soon", "write 3h"), ("25:00", "write 3h"),
                                                ("13pm", "write 3h"), ("yesterday", "write 3h"),
                                                ("2020-01-01", "already past"),
                                                ("99999d", "more than a year away"),
                                                ("2028-01-01", "more than a year away")])
def test_bad_snooze_times_say_why(typed: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_until(typed, datetime(2026, 11, 27, 18, 30, tzinfo=BERLIN))


def test_the_last_minute_of_the_calendar_west_of_utc_is_too_far_away() -> None:
    """9999-12-31 23:59 in New York is past the year 9999 in UTC, which the store keeps: a
    sentence, not an OverflowError ending the console."""
    with pytest.raises(ValueError, match="too far away"):
        parse_until("9999-12-31 23:59", datetime(2026, 11, 27, 18, 30,
                                                 tzinfo=ZoneInfo("America/New_York")))


def test_the_daemon_wakes_an_ended_snooze_so_consoles_see_it(store: Store,
                                                           pipeline: Pipeline) -> None:
    """The scheduler clears the snooze and audits it: the change feed every console polls
    names the case, so it reappears without anyone touching anything."""
    from omnitui.config import Settings
    from omnitui.daemon.service import Daemon
    from omnitui.store.changes import changed_cases_since, last_change
    from tests.conftest import wait_for

    case_id = pipeline.ingest(parse_email(make_email())).case_id
    later = pipeline.ingest(parse_email(make_email(sender="bo@example.com"))).case_id
    with store.write() as conn:
        snooze(conn, case_id, utc_now() + timedelta(seconds=1), actor="alice", at=utc_now())
        snooze(conn, later, utc_now() + timedelta(days=1), actor="alice", at=utc_now())
    seen = last_change(store.conn)
    daemon = Daemon(store.path, Settings())
    daemon.start()
    try:
        assert wait_for(lambda: store.conn.execute(
            "SELECT snoozed_until FROM cases WHERE id = ?", (case_id,)).fetchone()[0] is None,
            15)
    finally:
        daemon.shutdown()
    assert case_id in visible(store) and later not in visible(store)
    assert case_id in changed_cases_since(store.conn, seen)[1]
    action, actor = store.conn.execute("SELECT action, actor FROM audit WHERE case_id = ?"
                                       " ORDER BY id DESC LIMIT 1", (case_id,)).fetchone()
    assert (action, actor) == ("case.woke", "omnitui-daemon")


def test_a_snooze_says_the_year_if_not_this_one_and_always_the_zone() -> None:
    """Unlabelled, an agent's own 09:00 sat under the team's clocks ("Europe/Berlin time")
    and read as theirs: a case slept past its due time."""
    from omnitui.snooze import until_words

    now = datetime(2026, 12, 20, 18, 30, tzinfo=BERLIN)
    assert until_words(datetime(2026, 12, 24, 9, 0, tzinfo=BERLIN), now) == \
        "Thu 24 Dec 09:00 CET"
    assert until_words(datetime(2027, 1, 4, 9, 0, tzinfo=BERLIN), now) == \
        "Mon 04 Jan 09:00 2027 CET"
    assert until_words(datetime(2026, 12, 24, 9, 0, tzinfo=UTC), now) == "Thu 24 Dec 09:00 UTC"

