"""`omnitui history` and the case screen's `H`: who changed what, when, before and after,
routing's and automations' decisions with their reasons."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from omnitui.services.scheduler import wake_snoozed
from omnitui.store.db import Store
from tests.cli.conftest import Run

BERLIN = ZoneInfo("Europe/Berlin")  # the demo team's zone


@pytest.fixture
def store(omnitui: Run, tmp_path: Path) -> Path:
    path = tmp_path / "s.db"
    omnitui("--db", str(path), "demo", "--no-console", "--customers", "40", "--messages", "40")
    return path


def unowned(store: Path) -> int:
    with Store(store) as opened:
        return opened.conn.execute("SELECT id FROM cases WHERE owner IS NULL AND status IN"
                                   " ('new', 'open') ORDER BY id LIMIT 1").fetchone()[0]


def test_history_of_a_case_says_who_what_why_and_before_after(omnitui: Run,
                                                              store: Path) -> None:
    db = ("--db", str(store))
    case_id = unowned(store)
    omnitui(*db, "--agent", "alice", "assign", "--to", "me", str(case_id))
    omnitui(*db, "--agent", "alice", "priority", "--to", "77", str(case_id))
    omnitui(*db, "--agent", "alice", "reply", str(case_id), "Looking into it now.")
    told = omnitui(*db, "history", "--case", f"#{case_id}").stdout
    assert f"a new case on #{case_id}" in told and "a routing decision" in told
    assert "alice  an assignment" in told and "changed: owner - → alice" in told
    assert "why: nobody → alice" in told and "->" not in told  # one arrow (its why said
    # "nobody -> alice" above "owner - → alice")
    assert re.search(r"\d\d:\d\d CES?T  alice  an assignment", told)  # the time says its
    # zone: the demo team's, Berlin's
    assert "priority" in told and "→ 77" in told
    as_json = json.loads(omnitui(*db, "history", "--case", str(case_id), "--agent", "alice",
                                 "--format", "json").stdout)
    assert {e["actor"] for e in as_json} == {"alice"}
    claim = next(e for e in as_json if e["action"] == "case.assigned")
    assert {"what": "owner", "before": None, "after": "alice"} in claim["changes"]
    rows = list(csv.DictReader(io.StringIO(omnitui(*db, "history", "--agent", "alice",
                                                   "--format", "csv").stdout)))
    assert any("owner - → alice" in row["changes"] for row in rows)
    assert any("messages" in row["changes"] and "created" in row["changes"] for row in rows)
    assert omnitui(*db, "history", "--since", "2999-01-01").stdout.strip() == "no history"
    empty = omnitui(*db, "history", "--since", "2999-01-01", "--format", "csv").stdout
    assert empty.startswith('"id","at","actor","action"')  # a header, to read no rows from


@pytest.mark.parametrize(("args", "said"), [
    (("--since", "yesterday"), "is not a date such as"),
    (("--since", "0001-01-01"), "is out of range"),  # (was a traceback)
    (("--limit", "0"), "0 is not in the range"),
    (("--case", "x"), "'x' is not a case id (12 or #12)"),
])
def test_wrong_input_is_one_line(omnitui: Run, tmp_path: Path, args: tuple[str, ...],
                                 said: str) -> None:
    result = omnitui("--db", str(tmp_path / "any.db"), "history", *args, check=False)
    assert result.returncode == 2 and said in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_case_or_agent_that_is_nobody_says_so_not_no_history(omnitui: Run,
                                                               store: Path) -> None:
    """`--by erni` and `--case 99999` printed "no history", as if nothing had happened."""
    db = ["--db", str(store), "history"]
    typo = omnitui(*db, "--by", "erni", check=False)
    assert typo.returncode == 2
    assert typo.stderr.strip() == ("usage error: --agent 'erni': nobody of that name has acted;"
                                   " did you mean erin?")
    missing = omnitui(*db, "--case", "99999", check=False)
    assert (missing.returncode, missing.stderr.strip()) == (1, "error: there is no case 99999")
    assert "omnitui-router" in omnitui(*db, "--by", "omnitui-router").stdout
    with Store(store) as opened:  # an agent who has done nothing yet: no history, no error
        opened.conn.execute("INSERT INTO agents (name, created_at)"
                            " VALUES ('newcomer', '2026-12-05')")
    assert omnitui(*db, "--by", "newcomer").stdout.strip() == "no history"


def test_since_is_a_day_of_the_zone_history_shows_times_in(omnitui: Run, store: Path) -> None:
    """`--since 2026-12-07` began at UTC's midnight: a Berlin team's history, shown in CET,
    started at 01:00 and left out the day's first hour (which `report` counts)."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    berlin = ZoneInfo("Europe/Berlin")  # the demo team's zone
    day = datetime.now(berlin).date() - timedelta(days=1)
    midnight = datetime.combine(day, datetime.min.time(), berlin)
    with Store(store) as opened, opened.write() as conn:  # a change at 00:30 Berlin time
        conn.execute("UPDATE audit SET at = ? WHERE id = (SELECT min(id) FROM audit)",
                     ((midnight + timedelta(minutes=30)).astimezone(UTC)
                      .strftime("%Y-%m-%d %H:%M:%S"),))
    entries = json.loads(omnitui("--db", str(store), "history", "--since", day.isoformat(),
                                 "--format", "json", "--limit", "100000").stdout)
    assert min(entry["at"] for entry in entries) == (midnight + timedelta(minutes=30)
                                                     ).astimezone(UTC).strftime(
        "%Y-%m-%d %H:%M:%S")


def test_a_why_says_its_times_as_the_history_does(omnitui: Run, store: Path) -> None:
    """A wake-up's why read "the snooze until 2026-12-09 08:00:00 UTC ended" under a line
    in Berlin's time, where the agent had snoozed it until 09:00."""
    db = ("--db", str(store))
    case_id = unowned(store)
    until = (datetime.now(BERLIN) + timedelta(days=2)).replace(hour=9, minute=0)
    omnitui(*db, "--agent", "alice", "snooze", "--until", f"{until:%Y-%m-%d %H:%M}",
            str(case_id))
    with Store(store) as opened:  # as the daemon does when the time comes
        assert wake_snoozed(opened, until + timedelta(days=1)) == [case_id]
    told = omnitui(*db, "history", "--case", str(case_id)).stdout
    assert f"why: the snooze until {until:%Y-%m-%d %H:%M %Z} ended" in told, told
    assert "UTC" not in told


def test_a_case_written_first_says_it_waited_on_them_and_why_it_is_open_again(
        omnitui: Run, store: Path, tmp_path: Path) -> None:
    """Written first, the case opened pending on their answer, and its history said only
    "outbound case to …"; their answer opened it again with no row at all, its clock
    running from nothing the history showed. The replay's clocks stay as they were."""
    from tests.conftest import make_email

    db = ("--db", str(store))
    omnitui(*db, "--agent", "alice", "new", "--email", "pat@example.org", "--subject",
            "Your renewal", "Shall we renew your plan?")
    with Store(store) as opened:
        case_id, key = opened.conn.execute("SELECT case_id, thread_key FROM messages"
                                           " ORDER BY id DESC LIMIT 1").fetchone()
    told = omnitui(*db, "history", "--case", str(case_id)).stdout
    assert ("why: outbound case to pat@example.org; opened pending on their answer to our"
            " mail") in told, told
    mail = tmp_path / "answer.eml"
    mail.write_bytes(make_email("pat@example.org", name="Pat", subject="Re: Your renewal",
                                body="Yes, for another year.", in_reply_to=key.strip("<>"),
                                date=datetime.now(BERLIN)))
    omnitui(*db, "import", str(mail))
    told = omnitui(*db, "history", "--case", str(case_id)).stdout
    assert f"ingest  a status change on #{case_id}\n      why: pending → open: the customer" \
           " answered" in told, told
    replayed = omnitui(*db, "sla", "recompute", "--dry-run").stdout
    assert "would change 0," in replayed, replayed
