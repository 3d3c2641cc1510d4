"""The funnel on a hand-built week with known answers: business hours (09-17 UTC,
weekdays), a pause on the customer, a reopen, a bounce between agents, a satisfaction
answer, presence recorded by a console, a case still waiting; the whole period, by agent,
and from `omnitui report`."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from omnitui.channels.email.parse import parse_email
from omnitui.config import Settings
from omnitui.metrics.board import read_board
from omnitui.metrics.charts import write_chart
from omnitui.metrics.funnel import Rate, Spread, period, report, spread
from omnitui.model import Status
from omnitui.services.desk import Desk
from omnitui.services.intake import intake_pipeline
from omnitui.services.routing import Router
from omnitui.store.db import Store, db_time
from omnitui.store.presence import record_interval
from omnitui.tui.screens.board import reply_rows
from tests.conftest import chat_event, make_email, office_hours, settings_from

CONFIG = """
""" + office_hours('UTC') + """

[csat]
enabled = true
"""
MONDAY = datetime(2026, 11, 30, tzinfo=UTC)
NOW = MONDAY + timedelta(days=2, hours=12)  # Wednesday noon


def at(day: int, hour: float) -> datetime:
    return MONDAY + timedelta(days=day, hours=hour)


class Week:
    """The store, its clock, and the team acting at set times."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store, self.settings, self.now = store, settings, MONDAY
        self.pipeline = intake_pipeline(store, settings, clock=lambda: self.now)

    def mail(self, when: datetime, sender: str, text: str, subject: str = "Help") -> int:
        self.now = when
        found = self.pipeline.ingest(parse_email(make_email(
            sender, subject=subject, body=text, date=when), source="test")).case_id
        assert found is not None
        return found

    def chat(self, when: datetime, text: str) -> int:
        self.now = when
        found = self.pipeline.ingest(chat_event("chat", "v1", text, at=when)).case_id
        assert found is not None
        return found

    def desk(self, agent: str, when: datetime) -> Desk:
        self.now = when
        return Desk(self.store, agent, self.settings, clock=lambda: when)

    def reply(self, agent: str, when: datetime, case_id: int) -> None:
        self.desk(agent, when).write(case_id, "reply", "Here is what to do.")

    def claim(self, agent: str, when: datetime, case_id: int) -> None:
        desk = self.desk(agent, when)
        desk.each([case_id], desk.claim())

    def status(self, agent: str, when: datetime, case_id: int, status: Status,
               why: str | None = None) -> None:
        desk = self.desk(agent, when)
        desk.each([case_id], desk.status(status, why))


@pytest.fixture
def week(store: Store, tmp_path: Path) -> Week:
    settings = settings_from(tmp_path, CONFIG)
    week = Week(store, settings)
    # A, email: opened before hours, assigned 10:00, answered 11:00, solved 12:00, rated 5
    a = week.mail(at(0, 8), "ann@example.com", "My invoice is wrong")
    week.claim("alice", at(0, 10), a)
    week.reply("alice", at(0, 11), a)
    week.status("alice", at(0, 12), a, Status.SOLVED)
    week.mail(at(0, 12.5), "ann@example.com", "5", subject="Re: Help")
    # B, chat: answered 09:30, pending on the customer 10:00-14:00, answered again, solved
    b = week.chat(at(0, 9), "The app will not sync")
    week.claim("alice", at(0, 9 + 5 / 60), b)
    week.reply("alice", at(0, 9.5), b)
    week.status("alice", at(0, 10), b, Status.PENDING, "the customer's logs")
    week.chat(at(0, 14), "Here are my logs")
    week.reply("alice", at(0, 14.5), b)
    week.status("alice", at(0, 15), b, Status.SOLVED)
    # C, email: alice takes it 09:10, the supervisor hands it to bob 09:20 (a bounce); bob
    # answers 10:00, solves 10:30; the customer writes again Tuesday 09:00 (a reopen)
    c = week.mail(at(0, 9), "cy@example.com", "Where is my parcel?")
    week.claim("alice", at(0, 9 + 10 / 60), c)
    sam = week.desk("sam", at(0, 9 + 20 / 60))
    sam.each([c], sam.assign("bob"))
    week.reply("bob", at(0, 10), c)
    week.status("bob", at(0, 10.5), c, Status.SOLVED)
    week.mail(at(1, 9), "cy@example.com", "It still has not arrived, the tracking is stuck",
              subject="Re: Where is my parcel?")
    week.reply("bob", at(1, 9.5), c)
    week.status("bob", at(1, 10), c, Status.SOLVED)
    # D, email: Monday 16:00, nobody has answered by Wednesday noon
    week.mail(at(0, 16), "dee@example.com", "Cancel my order please")
    # what alice's console recorded: A open 10:45-10:50, written on 10:50-11:00; B 2 minutes
    with store.write() as conn:
        for case_id, activity, start, end in ((a, "viewing", 10.75, 10 + 50 / 60),
                                              (a, "writing", 10 + 50 / 60, 11),
                                              (b, "writing", 9 + 28 / 60, 9.5)):
            record_interval(conn, "alice", case_id, activity, db_time(at(0, start)),
                            db_time(at(0, end)))
    return week


def test_every_measure_of_the_week(week: Week) -> None:
    found = report(week.store.conn, week.settings, MONDAY, NOW, NOW)
    total = found.total
    assert total.opened == 4
    hour = 3600.0
    # first response, business time: A 09-11 (2h), B 30m, C 1h
    assert total.durations["first_response"] == Spread(3, 4200.0, hour, 2 * hour, 2 * hour)
    # to the first owner: A 1h (09-10), B 5m, C 10m
    assert total.durations["assignment"] == spread([hour, 300.0, 600.0])
    # solved: A 3h; B 6h less the 4h it waited on the customer; C's latest clock 1h
    assert total.durations["resolution"] == spread([3 * hour, 2 * hour, hour])
    assert total.durations["handle"] == spread([900.0, 120.0])  # A 15 min, B 2 min
    assert total.first_contact_resolution == Rate(1, 3)  # only A: one reply, never back
    assert total.reopened == Rate(1, 3) and total.reassigned == Rate(1, 3)
    # first response due: email 8 business hours, chat 10 minutes; D is late by now
    assert total.sla["first_response"] == Rate(2, 4)
    assert total.sla["resolution"] == Rate(3, 3)
    assert total.csat == Spread(1, 5.0, 5, 5, 5) and total.satisfied == Rate(1, 1)
    assert total.backlog == 1 and total.backlog_age.p50 == (NOW - at(0, 16)).total_seconds()
    assert found.reassignment_reasons == [("alice -> bob", 1)]


def test_by_agent(week: Week) -> None:
    groups = {g.key: g for g in report(week.store.conn, week.settings, MONDAY, NOW, NOW,
                                       by="agent").groups}
    assert sorted(groups) == ["(none)", "alice", "bob"]
    assert groups["alice"].opened == 2 and groups["alice"].csat.count == 1
    assert groups["bob"].reopened == Rate(1, 1)
    assert groups["(none)"].backlog == 1


def test_omnitui_report_for_scripts_and_people(week: Week, tmp_path: Path,
                                              cli_env: dict[str, str]) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "omnitui", "--config",
                               str(tmp_path / "omnitui.toml"), "--db", str(week.store.path),
                               "report", *args], capture_output=True, text=True,
                              env=cli_env, timeout=60)

    whole = json.loads(run("--since", "2026-11-30", "--until", "2026-12-02", "--format",
                           "json").stdout)
    assert whole["total"]["opened"] == 4
    assert whole["total"]["durations"]["first_response"]["p50"] == 3600.0
    table = run("--since", "2026-11-30", "--by", "queue").stdout
    assert "general" in table and "1st reply" in table and "p50/p90" in table
    people = run("--since", "2026-11-30").stdout
    assert "why cases changed hands:" in people
    assert "1 x alice → bob" in people and "->" not in people  # the history's arrow
    wrong = run("--since", "30.11.2026")
    assert wrong.returncode == 2 and "is not a date such as" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    for far in (("--since", "0001-01-01"), ("--until", "9999-12-31")):  # were tracebacks
        off = run(*far)
        assert off.returncode == 2 and "Traceback" not in off.stderr
        assert f"{far[0]} '{far[1]}' is out of range" in off.stderr
    drawn = run("--since", "2026-11-30", "--chart", str(tmp_path / "week.png"))
    assert drawn.returncode == 0, drawn.stderr
    assert (tmp_path / "week.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert run("--chart", str(tmp_path / "week.svg")).returncode == 0
    assert "<svg" in (tmp_path / "week.svg").read_text()
    jpeg = run("--chart", str(tmp_path / "week.jpg"))
    assert jpeg.returncode == 2 and "a .png or .svg file" in jpeg.stderr


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_an_empty_date_is_a_usage_error(week: Week, cli_env: dict[str, str],
                                        option: str) -> None:
    """`--since ''` (a script's unset variable) was read as no date: the last 30 days,
    reported as if asked for."""
    empty = subprocess.run([sys.executable, "-m", "omnitui", "--db", str(week.store.path),
                            "report", option, ""], capture_output=True, text=True,
                           env=cli_env, timeout=60)
    assert (empty.returncode, empty.stdout) == (2, "")
    assert empty.stderr.strip() == f"usage error: {option} '' is not a date such as 2026-11-30"


@pytest.mark.parametrize("by", ["queue", "channel", "agent", "tier", "day"])
def test_every_csv_row_names_its_period(week: Week, tmp_path: Path, cli_env: dict[str, str],
                                        by: str) -> None:
    """With --by, the rows carried no period (without it, the one row did): rows pasted
    beside another month's report could not be told apart."""
    shown = subprocess.run([sys.executable, "-m", "omnitui", "--config",
                            str(tmp_path / "omnitui.toml"), "--db", str(week.store.path),
                            "report", "--since", "2026-11-30", "--until", "2026-12-02",
                            "--by", by, "--format", "csv"],
                           capture_output=True, text=True, env=cli_env, timeout=60)
    rows = list(csv.reader(io.StringIO(shown.stdout)))
    assert rows[0][:3] == ["period", by, "opened"]
    assert len(rows) > 2 and {row[0] for row in rows[1:]} == {
        "2026-11-30 00:00 to 2026-12-03 00:00 (UTC time)"}
    assert rows[1][1] == "all"


def test_a_chart_without_matplotlib_says_what_to_install(week: Week, tmp_path: Path,
                                                         cli_env: dict[str, str]) -> None:
    code = ("import sys; sys.modules['matplotlib'] = None; sys.argv = ['omnitui'] + "
            "sys.argv[1:]; from omnitui.cli import main; main()")
    result = subprocess.run([sys.executable, "-c", code, "--db", str(week.store.path),
                             "report", "--chart", str(tmp_path / "x.png")],
                            capture_output=True, text=True, env=cli_env, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "--chart needs matplotlib: pip install 'omnitui[charts]'" in result.stderr
    assert not (tmp_path / "x.png").exists()


def test_the_backlog_has_waited_since_its_last_reopening(week: Week) -> None:
    """A solved case that comes back is in the backlog from its reopening: the customer of C
    writes again Wednesday 10:00 (three days after C was opened), and alice reopens A by
    hand at 11:00; D still waits from Monday 16:00."""
    week.mail(at(2, 10), "cy@example.com", "The parcel came back to the sender",
              subject="Re: Where is my parcel?")
    a = week.store.conn.execute("SELECT case_id FROM messages WHERE text LIKE 'My invoice%'"
                                ).fetchone()[0]
    week.status("alice", at(2, 11), a, Status.OPEN)
    total = report(week.store.conn, week.settings, MONDAY, NOW, NOW).total
    assert total.backlog == 3
    assert total.backlog_age == spread([(NOW - at(2, 10)).total_seconds(),
                                        (NOW - at(2, 11)).total_seconds(),
                                        (NOW - at(0, 16)).total_seconds()])


def test_a_demo_stores_days_are_its_teams(tmp_path: Path, cli_env: dict[str, str]) -> None:
    """The demo store brings its team's business hours (Europe/Berlin): `--since` names a
    day there, from its midnight, not UTC's (it left out a case opened at 00:07)."""
    from omnitui.demo import build_demo
    from tests.conftest import demo_story_end

    path = tmp_path / "demo.db"
    with Store(path) as store:
        build_demo(store, Settings(), customers=10, messages=20, days=2, end=demo_story_end())
    shown = subprocess.run([sys.executable, "-m", "omnitui", "--db", str(path), "report",
                            "--since", "2026-11-30", "--format", "json"],
                           capture_output=True, text=True, env=cli_env, timeout=60)
    assert shown.returncode == 0, shown.stderr
    period = json.loads(shown.stdout)  # Berlin's midnight, UTC as every JSON time (its
    assert period["since"] == "2026-11-29 23:00:00"  # since said +01:00, its until +00:00)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", period["until"])


def test_a_days_group_has_no_backlog(week: Week) -> None:
    """A backlog is now, not of a day: by day, the groups say none (not 0 beside a total of
    1)."""
    found = report(week.store.conn, week.settings, MONDAY, NOW, NOW, by="day")
    assert found.total.backlog == 1
    assert [g.backlog for g in found.groups] == [None] * len(found.groups)


def test_by_day_every_day_of_the_period_is_a_row(week: Week) -> None:
    """Tuesday and Wednesday, with nothing opened, were no rows: a daily chart of the CSV
    went from Monday to whatever came next."""
    found = report(week.store.conn, week.settings, MONDAY, NOW, NOW, by="day")
    assert [(g.key, g.opened) for g in found.groups] == [
        ("2026-11-30", 4), ("2026-12-01", 0), ("2026-12-02", 0)]


def test_by_queue_every_queue_of_the_team_is_a_row_in_the_boards_order(
        week: Week, tmp_path: Path, cli_env: dict[str, str]) -> None:
    """The board lists every queue the team has, an idle one at 0; the report by queue
    listed only those with cases in the period: a supervisor comparing the two looked for
    "refunds" in vain."""
    team = settings_from(tmp_path, CONFIG + "".join(
        f'\n[[queues]]\nname = "{name}"\n' for name in ("refunds", "general", "billing")))
    found = report(week.store.conn, team, MONDAY, NOW, NOW, by="queue")
    board = read_board(week.store.conn, team, Router(team), at(0, 17))
    assert [g.key for g in found.groups] == [line.name for line in board.queues] == [
        "billing", "general", "refunds"]
    assert [(g.opened, g.backlog) for g in found.groups] == [(0, 0), (4, 1), (0, 0)]
    table = subprocess.run([sys.executable, "-m", "omnitui", "--config",
                            str(tmp_path / "omnitui.toml"), "--db", str(week.store.path),
                            "report", "--since", "2026-11-30", "--by", "queue"],
                           capture_output=True, text=True, env={**cli_env, "COLUMNS": "80"},
                           timeout=60).stdout.splitlines()
    rows = [line.split() for line in table if line.split()[:1] in (["billing"], ["refunds"])]
    assert [(row[0], row[1], row[-1]) for row in rows] == [("billing", "0", "0"),
                                                           ("refunds", "0", "0")]


def test_the_boards_late_first_replies_judge_each_case_by_its_own_target(week: Week) -> None:
    """Monday 17:00: A (email, answered in 2 business hours of 8) and C (email, 1 h) on
    time; B (chat, 30 min of 10) late; D (email, 16:00) not due yet. One target for the
    queue, the email's, called it on time."""
    board = read_board(week.store.conn, week.settings, Router(week.settings), at(0, 17))
    general = next(line for line in board.queues if line.name == "general")
    assert (general.opened_today, general.late) == (4, Rate(1, 3))
    assert {line.name: line.late for line in board.channels} == {
        "chat": Rate(1, 1), "email": Rate(0, 2)}
    assert [str(cell) for cell in reply_rows([general])[0]] == [
        "general", "4", "1h", "2h", "1 of 3"]


def test_a_case_waiting_on_the_customer_is_no_miss_until_its_clock_runs_out(
        week: Week) -> None:
    """E, Monday 09:00: we ask a question at 09:30, long before its first reply is due (8
    business hours), and it waits on the customer; its first response stands paused, 7 h
    30 left, as the case says. The board and the report counted it missed once 17:00, when
    it would have been due had it run on, had passed. F went on hold at 17:15 unanswered:
    late before the pause, it stays a miss."""
    e = week.mail(at(0, 9), "eve@example.com", "Which plan suits me?")
    week.status("alice", at(0, 9.5), e, Status.PENDING, "their team size")
    f = week.mail(at(0, 9), "fay@example.com", "Refund please")
    week.status("alice", at(0, 17.25), f, Status.ON_HOLD, "finance")
    board = read_board(week.store.conn, week.settings, Router(week.settings), at(0, 17.5))
    general = next(line for line in board.queues if line.name == "general")
    assert general.late == Rate(2, 4)  # B and F late, A and C on time, D and E not yet due
    total = report(week.store.conn, week.settings, MONDAY, NOW, NOW).total
    assert total.sla["first_response"] == Rate(2, 5)  # by Wednesday D is late too


def test_a_case_merged_today_is_counted_once_and_judged_on_its_target(week: Week) -> None:
    """Merged into another, a case is closed without being solved: the board's first
    reply judged it until None and stopped on a TypeError."""
    kept = week.mail(at(0, 16.5), "eve@example.com", "Refund please")
    gone = week.mail(at(0, 16.6), "fay@example.com", "Refund please, same order")
    week.desk("sam", at(0, 16.7)).merge_cases([gone], kept, other_customers=True)
    board = read_board(week.store.conn, week.settings, Router(week.settings), at(0, 17))
    general = next(line for line in board.queues if line.name == "general")
    assert (general.opened_today, general.late) == (5, Rate(1, 3))


def test_the_boards_team_counts_who_solved_and_who_replied_not_who_owns(
        week: Week, tmp_path: Path) -> None:
    """The supervisor solving alice's case counted it as alice's solve (the case's owner),
    and alice's first reply on a case handed to bob afterwards counted as bob's, where the
    team panel says "solved" and "1st reply" of the agent who did it."""
    from omnitui.services.routing import apply_agents

    team = settings_from(tmp_path, CONFIG + "".join(
        f'\n[[agents]]\nname = "{name}"\nrole = "{role}"\n'
        for name, role in (("alice", "agent"), ("bob", "agent"), ("sam", "supervisor"))))
    apply_agents(week.store, team, at(0, 16))
    before = read_board(week.store.conn, team, Router(team), at(0, 16))
    case_id = week.mail(at(0, 16.1), "gil@example.com", "Cancel my order")
    week.claim("alice", at(0, 16.2), case_id)
    week.status("sam", at(0, 16.3), case_id, Status.SOLVED)
    handed = week.mail(at(0, 16.4), "hal@example.com", "Where is my parcel?")
    week.claim("alice", at(0, 16.45), handed)
    week.reply("alice", at(0, 16.5), handed)
    week.desk("sam", at(0, 16.6)).each([handed], week.desk("sam", at(0, 16.6)).assign("bob"))
    again = week.mail(at(0, 16.7), "ivy@example.com", "Close my account")
    week.status("alice", at(0, 16.75), again, Status.SOLVED)  # bob reopens it, then takes
    week.status("bob", at(0, 16.8), again, Status.OPEN)       # that back: still alice's
    week.desk("bob", at(0, 16.85)).undo()
    after = read_board(week.store.conn, team, Router(team), at(0, 17))
    solved, replies = ([{line.name: getattr(line, what) for line in board.team}
                        for board in (before, after)]
                       for what in ("solved_today", "first_response"))
    assert solved[1]["alice"] == solved[0]["alice"] + 1  # the one bob reopened and undid
    assert solved[1]["sam"] == solved[0]["sam"] + 1
    assert solved[1]["bob"] == solved[0]["bob"]
    assert replies[1]["alice"].count == replies[0]["alice"].count + 1
    assert replies[1]["bob"].count == replies[0]["bob"].count


def test_by_day_a_survey_counts_on_the_day_it_was_answered(week: Week) -> None:
    """A survey answered on Tuesday about a case opened on Monday: a report of Tuesday on,
    by day, put it on Monday, a row of its own before the period (a 0 opened beside a CSAT
    of 4.0)."""
    week.mail(at(1, 11), "cy@example.com", "4", subject="Re: Where is my parcel?")
    found = report(week.store.conn, week.settings, at(1, 0), NOW, NOW, by="day")
    assert found.total.csat.count == 1
    assert [(g.key, g.csat.count) for g in found.groups] == [("2026-12-01", 1),
                                                             ("2026-12-02", 0)]


def test_a_period_ends_now_at_the_latest(week: Week) -> None:
    """--until next Friday reported Thursday and Friday as days of 0 opened (a drop in a
    daily chart, a period "to 2026-12-05 00:00" not yet lived); a --since to come said it
    was "not before --until" a day nobody gave."""
    start, end = period(date(2026, 11, 30), date(2026, 12, 4), week.settings, NOW)
    assert (start, end) == (MONDAY, NOW)
    found = report(week.store.conn, week.settings, start, end, NOW, by="day")
    assert [g.key for g in found.groups] == ["2026-11-30", "2026-12-01", "2026-12-02"]
    with pytest.raises(ValueError, match="--since 2026-12-03 has not begun yet"):
        period(date(2026, 12, 3), None, week.settings, NOW)



def test_without_business_hours_a_days_midnight_is_the_servers_on_that_day(
        week: Week, tmp_path: Path, cli_env: dict[str, str]) -> None:
    """With no business hours, the days were the server's zone at today's offset: on a
    Berlin server in December, a report of 20 October (summer time) ran from 01:00 to
    01:00, and its period said "(CET time)"."""
    (tmp_path / "server").mkdir()
    config = tmp_path / "server" / "omnitui.toml"
    config.write_text("")

    def run(*args: str) -> str:
        return subprocess.run([sys.executable, "-m", "omnitui", "--config", str(config),
                               "--db", str(week.store.path), "report", *args],
                              capture_output=True, text=True, check=True, timeout=60,
                              env={**cli_env, "TZ": "Europe/Berlin"}).stdout

    day = ("--since", "2026-10-20", "--until", "2026-10-20")
    shown = json.loads(run(*day, "--format", "json"))
    assert (shown["since"], shown["until"]) == ("2026-10-19 22:00:00", "2026-10-20 22:00:00")
    assert run(*day).splitlines()[0] == (
        "cases opened 2026-10-20 00:00 CEST to 2026-10-21 00:00 CEST: 0")
    # the 30 days that end with 10 November begin at a midnight of summer time
    assert json.loads(run("--until", "2026-11-10", "--format", "json"))["since"] == \
        "2026-10-11 22:00:00"


def test_a_charts_title_names_the_last_day_of_its_period(week: Week, tmp_path: Path) -> None:
    """--until 2026-12-01 drew "cases opened 2026-11-30 to 2026-12-02": the period's end, the
    midnight after its last day."""
    pytest.importorskip("matplotlib")
    write_chart(week.store.conn, week.settings, MONDAY, MONDAY + timedelta(days=2), NOW,
                tmp_path / "week.svg")
    assert "cases opened 2026-11-30 to 2026-12-01" in (tmp_path / "week.svg").read_text()


def test_the_boards_reassigned_share_counts_the_cases_ever_assigned_as_the_report_does(
        week: Week) -> None:
    """E: alice takes it, the supervisor puts it back in the queue (as routing does with a
    case an escalation moves to a queue she lacks the skills of). The board counted only
    the cases with an owner now: "reassigned 33% of the assigned" beside the report's 25%."""
    e = week.mail(at(1, 11), "eli@example.com", "Question about my plan")
    week.claim("alice", at(1, 11.1), e)
    sam = week.desk("sam", at(1, 11.2))
    sam.each([e], sam.assign(None))
    found = report(week.store.conn, week.settings, MONDAY, NOW, NOW).total
    board = read_board(week.store.conn, week.settings, Router(week.settings), NOW)
    assert found.reassigned == board.reassigned == Rate(1, 4)


def next_responses_week(week: Week) -> None:
    """Next responses on email (due 8 business hours after the customer's message), each
    case answered at 09:30 and asked again by its customer:
    E answered again at 11:00 (met), asked once more at 12:00, answered Tuesday 15:00 when it
    was due at 12:00 (late): two next responses, one met;
    F asked Monday 10:00 and unanswered by Wednesday noon: due Tuesday 10:00, late;
    G asked Tuesday 10:00, on hold at 11:00 with 7 h left: due Wednesday 10:00 had it run on,
    it stands still, no miss;
    H asked Monday 10:00, on hold Tuesday 15:00, late since 10:00: a miss;
    I asked Monday 10:00 and solved at 11:00 unanswered, in time: nothing to judge."""
    def asked(sender: str, day: int = 0) -> int:
        case_id = week.mail(at(day, 9), sender, "How do I export my data?")
        week.reply("alice", at(day, 9.5), case_id)
        week.mail(at(day, 10), sender, "And can I export it as CSV?", subject="Re: Help")
        return case_id

    e = asked("eve@example.com")
    week.reply("alice", at(0, 11), e)
    week.mail(at(0, 12), "eve@example.com", "Which columns will it have?", subject="Re: Help")
    week.reply("alice", at(1, 15), e)
    asked("fay@example.com")
    week.status("alice", at(1, 11), asked("gus@example.com", day=1), Status.ON_HOLD,
                "engineering")
    week.status("alice", at(1, 15), asked("hal@example.com"), Status.ON_HOLD, "engineering")
    week.status("alice", at(0, 11), asked("ida@example.com"), Status.SOLVED)


def test_next_responses_are_each_judged_against_their_own_due_time(week: Week) -> None:
    """The week's own: B's customer sent their logs at 14:00, answered at 14:30 when a chat's
    next response was due at 14:10 (late); C's wrote again Tuesday 09:00, answered at 09:30
    (met). The report said nothing of next responses: a lead who set the target could not
    see whether the team kept it."""
    assert report(week.store.conn, week.settings, MONDAY, NOW, NOW
                  ).total.sla["next_response"] == Rate(1, 2)
    next_responses_week(week)
    found = report(week.store.conn, week.settings, MONDAY, NOW, NOW, by="agent")
    assert found.total.sla["next_response"] == Rate(2, 6)  # C, E's first; B, E's second, F, H
    assert list(found.total.sla) == ["first_response", "meaningful_response",
                                     "next_response", "resolution"]
    assert {g.key: g.sla["next_response"] for g in found.groups} == {
        "(none)": Rate(1, 4), "alice": Rate(0, 1), "bob": Rate(1, 1)}


def test_omnitui_report_shows_next_responses_in_its_table_json_and_csv(
        week: Week, tmp_path: Path, cli_env: dict[str, str]) -> None:
    next_responses_week(week)

    def run(*args: str) -> str:
        return subprocess.run([sys.executable, "-m", "omnitui", "--config",
                               str(tmp_path / "omnitui.toml"), "--db", str(week.store.path),
                               "report", "--since", "2026-11-30", "--until", "2026-12-02",
                               *args], capture_output=True, text=True, check=True,
                              env={**cli_env, "COLUMNS": "80"}, timeout=60).stdout

    assert ["SLA", "next", "response", "2", "of", "6", "(33%)", "on", "time"] in [
        line.split() for line in run().splitlines()]
    assert json.loads(run("--format", "json"))["total"]["sla"]["next_response"] == {
        "part": 2, "whole": 6}
    rows = {row["agent"]: row for row in csv.DictReader(io.StringIO(run(
        "--by", "agent", "--format", "csv")))}
    assert [(rows[key]["sla_next_response_on_time"], rows[key]["sla_next_response_on_time_of"])
            for key in ("all", "(none)", "alice", "bob")] == [
        ("2", "6"), ("1", "4"), ("0", "1"), ("1", "1")]
    table = [line.split() for line in run("--by", "agent").splitlines()]
    assert table[1][-2:] == ["SLA", "SLA"]  # "SLA 1st", then "SLA next" by it
    assert table[2][-4:] == ["1st", "next", "CSAT", "backlog"]
    assert {row[0]: row[-3] for row in table[3:7]} == {
        "all": "33%", "(none)": "25%", "alice": "0%", "bob": "100%"}


def test_a_store_from_before_schema_41_counts_its_next_responses_once_replayed(
        week: Week, tmp_path: Path, cli_env: dict[str, str]) -> None:
    """The cases of an upgraded store keep no count of their next responses over until
    `omnitui sla recompute --solved` replays them: till then only F's, running late, and
    H's, late when put on hold, are judged."""
    from omnitui.store.schema import MIGRATION_41, MIGRATIONS
    from tests.conftest import as_of_schema

    next_responses_week(week)
    with week.store.write() as conn:
        as_of_schema(conn, MIGRATIONS.index(MIGRATION_41))
    week.store.close()
    with Store(week.store.path) as upgraded:
        assert report(upgraded.conn, week.settings, MONDAY, NOW, NOW
                      ).total.sla["next_response"] == Rate(0, 2)
    subprocess.run([sys.executable, "-m", "omnitui", "--config", str(tmp_path / "omnitui.toml"),
                    "--db", str(week.store.path), "sla", "recompute", "--solved"],
                   capture_output=True, text=True, check=True, env=cli_env, timeout=60)
    with Store(week.store.path) as replayed:
        assert report(replayed.conn, week.settings, MONDAY, NOW, NOW
                      ).total.sla["next_response"] == Rate(2, 6)
