"""Counts and times worded for people, the same in every face."""

from __future__ import annotations

import ast
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from omnitui import wording
from omnitui.wording import clock_time, plural


def test_plural_agrees_with_the_count() -> None:
    assert plural(1, "case") == "1 case"
    assert plural(0, "case") == "0 cases"
    assert plural(1179, "case") == "1,179 cases"
    assert plural(1, "reply", "replies") == "1 reply"
    assert plural(2, "reply", "replies") == "2 replies"


def test_times_are_shown_in_the_agents_zone_and_say_which() -> None:
    """The timeline and the history were UTC while snoozes and the SLA were the team's."""
    moment = datetime(2026, 11, 17, 15, 8, 56, tzinfo=UTC)
    assert clock_time(moment, ZoneInfo("Europe/Berlin")) == "2026-11-17 16:08 CET"
    assert clock_time(moment, ZoneInfo("America/New_York")) == "2026-11-17 10:08 EST"
    assert clock_time(moment, UTC) == "2026-11-17 15:08 UTC"
    ahead = timezone(timedelta(hours=1))  # an offset with no name still says it
    assert clock_time(moment, ahead) == "2026-11-17 16:08 UTC+01:00"
    changed = [("snoozed_until", None, "2026-12-14 08:00:00"), ("owner", "alice", "bob")]
    assert wording.changes_words(changed, local=True, zone=ZoneInfo("Europe/Berlin")) == (
        "snoozed_until - → 2026-12-14 09:00 CET · owner alice → bob")  # in a "times CET"
    assert wording.changes_words(changed) == (  # box, the values were UTC; scripts keep
        "snoozed_until - → 2026-12-14 08:00:00 · owner alice → bob")  # what is stored


def test_text_added_at_the_end_shows_what_was_added() -> None:
    """A merge's reason read "the customer's new case #2 (one custome… → the customer's
    new case #2 (one custome…" in the history: cut, both sides the same."""
    joined = "the customer's new case #2 (one customer, one case, any channel)"
    merged = f"{joined}; case #2 merged into #3 by qa"
    changed = [("messages 5 thread_reason", joined, merged)]
    assert wording.changes_words(changed) == (
        "messages 5 thread_reason … → …; case #2 merged into #3 by qa")
    assert wording.changes_words([("thread_reason", merged, joined)]) == (  # its undo
        "thread_reason …; case #2 merged into #3 by qa → …")


def test_wording_imports_the_standard_library_only() -> None:
    """The console reuses it: no rich, typer or Textual; of omnitui's own, only the
    vocabulary at the bottom (model)."""
    tree = ast.parse(Path(wording.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    outside = {name for name in imported if name.split(".")[0] not in sys.stdlib_module_names}
    assert outside <= {"__future__", "omnitui.model"}, outside


def test_a_span_fits_three_characters_however_long() -> None:
    """Imported old mail is late by hundreds of days: "late 613d" did not fit the SLA
    column and showed as "late 61…", read as 61 days."""
    from omnitui.model import Countdown
    from omnitui.wording import countdown_words, span

    day = 86400
    assert [span(s) for s in (90, 5 * 3600, 6.4 * day, 99.4 * day)] == ["2m", "5h", "6d", "99d"]
    assert [span(d * day) for d in (99.6, 150, 613, 699, 3000)] == ["14w", "21w", "88w", "2y",
                                                                     "8y"]
    assert all(len(span(s)) <= 3 for s in range(0, 99 * 365 * day, 999_983))  # to 99y
    assert countdown_words(Countdown(-613 * day), "open", datetime.now(UTC)) == "late 88w"


def test_a_countdown_whose_clock_stands_names_its_due_moment() -> None:
    """Outside business hours "in 10m" meant the next opening and ten minutes: the queue
    says when instead, the date from a week ahead (a holiday week)."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from omnitui.model import Countdown
    from omnitui.wording import countdown_words

    berlin = ZoneInfo("Europe/Berlin")
    saturday = datetime(2026, 12, 19, 22, 30, tzinfo=UTC)  # 23:30 in Berlin

    def words(due: datetime) -> str:
        return countdown_words(Countdown(600, due.astimezone(berlin)), "open", saturday)

    assert words(datetime(2026, 12, 21, 8, 10, tzinfo=UTC)) == "Mo 09:10"
    assert words(datetime(2026, 12, 19, 22, 50, tzinfo=UTC)) == "23:50"
    assert words(datetime(2026, 12, 25, 8, 10, tzinfo=UTC)) == "Fr 09:10"  # six days ahead
    assert words(datetime(2026, 12, 26, 8, 10, tzinfo=UTC)) == "26 Dec"  # Saturday again
    assert countdown_words(Countdown(600), "open", saturday) == "in 10m"


def test_a_target_late_by_no_business_time_says_late_and_since_when() -> None:
    """Due at Friday's close, it read "late 0m" and "breached 0m ago" all weekend."""
    from omnitui.model import Countdown
    from omnitui.wording import countdown_words, sla_words

    sunday = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    assert countdown_words(Countdown(0), "open", sunday) == "late"
    assert countdown_words(Countdown(-30), "open", sunday) == "late"
    assert countdown_words(Countdown(-7200), "open", sunday) == "late 2h"
    assert countdown_words(Countdown(20), "open", sunday) == "in <1m"
    sla = {"targets": [{"target": "first_response", "left_seconds": 0, "state": "breached",
                        "due": "2026-11-27 16:00:00"}],
           "history_before": None, "zone": "Europe/Berlin", "running_now": False,
           "time": "business hours"}
    assert sla_words(sla, sunday) == ("first response breached at Fr 17:00 (business hours, "
                                      "Europe/Berlin time)")


def test_a_score_of_nothing_reads_as_its_number() -> None:
    """It read "priority 0 = 0"."""
    assert wording.breakdown('[["waiting 1h+", 0]]', 0) == "0"
    assert wording.breakdown('[["vip", 30], ["waiting", 0]]', 30) == "30 = vip 30"


def test_a_pause_reason_under_its_heading_leaves_out_what_the_heading_says() -> None:
    """The pending view's "waiting on" column read "waiting on c…" for most cases."""
    assert wording.waiting_on("waiting on customer") == "customer"
    assert wording.waiting_on(" Waiting for  the courier") == "the courier"
    assert wording.waiting_on("their answer to our mail") == "their answer to our mail"
    assert wording.waiting_on("waiting on") == "waiting on"  # nothing else said: kept
    assert wording.waiting_on(None) == ""


def test_a_reasons_stored_times_read_in_the_agents_zone_and_impossible_ones_as_written(
        ) -> None:
    """An agent's reason "wait until 2026-13-45 99:99:99" ended `omnitui history` in a
    traceback."""
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")
    assert wording.reason_words("the snooze until 2026-12-01 08:00:00 UTC ended -> open",
                                berlin) == "the snooze until 2026-12-01 09:00 CET ended → open"
    assert wording.reason_words("wait until 2026-13-45 99:99:99", berlin) == \
        "wait until 2026-13-45 99:99:99"


def test_a_case_never_reopened_does_not_say_so() -> None:
    """Every case header said "reopened 0x", a row of the case screen at 80x24."""
    assert wording.reopens_words(0) == ""
    assert wording.reopens_words(2) == " · reopened 2x"


def test_writing_first_names_the_customers_other_open_cases_three_at_most() -> None:
    """A customer a merge left with many open cases must not make the line run on."""
    opened = "case #9 opened, pending on their answer; the message is queued for erin@x"
    assert wording.written_first_words(9, "erin@x") == opened
    assert wording.written_first_words(9, "erin@x", [4]) == \
        f"{opened}; erin@x also has case #4 open"
    assert wording.written_first_words(9, "erin@x", [1, 2, 3, 4, 5]) == \
        f"{opened}; erin@x also has cases #1, #2, #3 and 2 more open"
