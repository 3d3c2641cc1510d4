"""The priority score as an agent reads it: a sum of named parts (tier, severity, urgency,
revenue risk, waiting, tone, channel, escalations) stored on the case with its breakdown;
waiting points rise per business hour up to a cap, re-scored by the scheduler only where a
step came, with one summary audit row and no version bump; a priority set by hand holds
until cleared; a score at `escalate_at` escalates once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from omnitui.config import Settings, load_settings
from omnitui.model import Identifier
from omnitui.services.desk import Desk
from omnitui.services.intake import intake_pipeline
from omnitui.services.upkeep import Upkeep, rescore_due
from omnitui.store.db import Store
from tests.conftest import chat_event, settings_from

CONFIG = """
[priority]
waiting_points_per_hour = 5
waiting_points_max = 12
escalate_at = 60
revenue_attribute = "mrr"
revenue_steps = [[100, 5], [1000, 15]]
renewal_attribute = "renewal"
renewal_within_days = 30
renewal_weight = 8

[[queues]]
name = "general"
escalation = { raise_priority = 25 }
"""
START = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def scored(tmp_path: Path) -> Settings:
    return settings_from(tmp_path, CONFIG)


def case_row(store: Store, case_id: int) -> dict:
    cur = store.conn.execute("SELECT priority, priority_parts, version, rescore_at,"
                             " escalations FROM cases WHERE id = ?", (case_id,))
    return dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))


def parts(store: Store, case_id: int) -> dict[str, float]:
    return {label: points for label, points in json.loads(case_row(store, case_id)[
        "priority_parts"]) if points}


def write_in(store: Store, settings: Settings, text: str, at: datetime,
             handle: str = "1") -> int:
    """A text from the customer's phone, received at `at`."""
    phone = [Identifier("phone", "+14155550100", verified=True)]
    event = chat_event("sms", handle, text, at=at, identifiers=phone)
    result = intake_pipeline(store, settings, clock=lambda: at).ingest(event)
    assert result.case_id is not None
    return result.case_id


def test_the_score_is_its_parts_and_waiting_rises_per_hour_to_a_cap(
        store: Store, scored: Settings) -> None:
    case_id = write_in(store, scored, "This is the third time, the invoice is wrong", START)
    store.conn.execute("UPDATE customers SET tier = 'premium', attributes = ? WHERE id = 1",
                       (json.dumps({"mrr": 1200, "renewal": "2026-12-10"}),))
    store.conn.commit()
    upkeep = Upkeep(scored)
    with store.write() as conn:
        upkeep.refresh(conn, case_id, START + timedelta(minutes=30))
    found = parts(store, case_id)
    assert {k: found[k] for k in ("mrr 1200", "renewal in 10d", "irritated")} == {
        "mrr 1200": 15, "renewal in 10d": 8, "irritated": 10}
    assert found["sentiment"] > 0  # "wrong", "third time": a negative tone adds points
    # (the case's tier was set when it opened: standard; the customer's is read each time)
    version = case_row(store, case_id)["version"]
    assert case_row(store, case_id)["rescore_at"] == "2026-11-30 10:00:00"
    # the scheduler re-scores at each step, and only then
    assert rescore_due(store, upkeep, START + timedelta(minutes=59)) == 0
    assert rescore_due(store, upkeep, START + timedelta(hours=2, minutes=1)) == 1
    assert parts(store, case_id)["waiting 2h"] == 10
    assert rescore_due(store, upkeep, START + timedelta(hours=9)) == 1
    assert parts(store, case_id)["waiting 3h+"] == 12  # capped: 12 points at 5 an hour
    assert case_row(store, case_id)["rescore_at"] is None  # nothing more to rise
    assert case_row(store, case_id)["version"] == version  # not an agent's edit
    summary = store.conn.execute("SELECT count(*), min(case_id) FROM audit WHERE action ="
                                 " 'cases.rescored'").fetchone()
    assert summary == (2, None)  # one row per pass, naming no case


def test_an_answer_stops_the_waiting_points(store: Store, scored: Settings) -> None:
    case_id = write_in(store, scored, "hello?", START)
    erin = Desk(store, "erin", scored, clock=lambda: START + timedelta(hours=3))
    with store.write() as conn:
        erin.upkeep.refresh(conn, case_id, START + timedelta(hours=3))
    assert parts(store, case_id)["waiting 3h+"] == 12
    erin.write(case_id, "reply", "Here to help.")
    assert not any(label.startswith("waiting") for label in parts(store, case_id))


def test_a_priority_set_by_hand_holds_until_cleared(store: Store, scored: Settings,
                                                    tmp_path: Path) -> None:
    case_id = write_in(store, scored, "hello", START)
    erin = Desk(store, "erin", scored)
    erin.each([case_id], erin.priority(99))
    write_in(store, scored, "URGENT, the site is down", START + timedelta(minutes=5))
    assert case_row(store, case_id)["priority"] == 99
    assert parts(store, case_id) == {"set by erin": 99}
    erin.each([case_id], erin.escalate())  # an escalation (the queue's +25) raises a held
    assert case_row(store, case_id)["priority"] == 124  # number too, and says so ("set
    assert parts(store, case_id) == {"set by erin": 99, "escalated": 25}  # by erin 124")
    with store.write() as conn:  # re-scored: kept
        erin.upkeep.refresh(conn, case_id, START + timedelta(hours=3))
    assert parts(store, case_id) == {"set by erin": 99, "escalated": 25}
    erin.each([case_id], erin.priority(None))
    assert "set by erin" not in parts(store, case_id)
    assert parts(store, case_id)["urgent"] == 15
    # the escalation outlives the hold, and the score it makes reaches escalate_at (60)
    assert parts(store, case_id)["escalated"] == 25 + 25
    erin.each([case_id], erin.priority(50))  # set again: her number, nothing on top
    assert parts(store, case_id) == {"set by erin": 50}


def test_an_agents_escalation_records_what_the_case_shows(store: Store,
                                                          scored: Settings) -> None:
    """Escalating raises severity (and its points) and adds the queue's raise (25 here;
    20 where a queue sets none): the history says so, and names no priority the case never
    had (it read "priority 0 -> 20" of a case at 30)."""
    from omnitui.store.audit import history

    case_id = write_in(store, scored, "hello", START)
    before = parts(store, case_id)
    erin = Desk(store, "erin", scored)
    erin.each([case_id], erin.escalate())
    after = parts(store, case_id)
    assert after["escalated"] == 25 and after["severity"] > before.get("severity", 0)
    assert sum(after.values()) == case_row(store, case_id)["priority"]
    [entry] = [e for e in history(store.conn, case_id=case_id)
               if e.action == "case.escalated"]
    assert entry.reason.endswith("priority +25")
    assert [what for what, _, _ in entry.changes] == ["severity", "priority_boost", "tags"]


def test_a_score_at_the_threshold_escalates_once(store: Store, scored: Settings) -> None:
    case_id = write_in(store, scored, "hello", START)
    store.conn.execute("UPDATE cases SET severity = 5 WHERE id = ?", (case_id,))
    store.conn.commit()
    upkeep = Upkeep(scored)
    for minutes in (120, 121):  # severity 50 + waiting 2h 10
        with store.write() as conn:
            upkeep.refresh(conn, case_id, START + timedelta(minutes=minutes))
    assert json.loads(case_row(store, case_id)["escalations"]) == ["priority"]
    assert parts(store, case_id)["escalated"] == 25
    reasons = [r[0] for r in store.conn.execute(
        "SELECT reason FROM audit WHERE action = 'case.escalated'")]
    assert reasons == ["priority 60 reached 60: priority +25"]


def test_an_escalation_shows_in_the_breakdown_at_once(store: Store, scored: Settings) -> None:
    """The breakdown is what the stored score is: an escalation's points are in it the
    moment the priority rises, not at the next re-score."""
    case_id = write_in(store, scored, "hello", START)
    before = case_row(store, case_id)["priority"]
    with store.write() as conn:  # as the scheduler escalates a breach: no re-score after
        Upkeep(scored).router.escalate(conn, case_id, "sla.first_response.breached",
                                       "first response breached", START)
    assert case_row(store, case_id)["priority"] == before + 25
    assert parts(store, case_id)["escalated"] == 25
    assert sum(parts(store, case_id).values()) == before + 25
    erin = Desk(store, "erin", scored)
    erin.each([case_id], erin.escalate())  # by hand: the queue's +25, then 60 reached:
    assert parts(store, case_id)["escalated"] == 25 + 25 + 25  # +25 more
    assert sum(parts(store, case_id).values()) == case_row(store, case_id)["priority"]


def test_the_case_shows_and_exports_its_breakdown(store: Store, scored: Settings,
                                                  tmp_path: Path) -> None:
    import subprocess
    import sys

    case_id = write_in(store, scored, "where is my refund?", START)
    rescore_due(store, Upkeep(scored), START + timedelta(hours=3))
    config = tmp_path / "omnitui.toml"
    run = [sys.executable, "-m", "omnitui", "--config", str(config), "--db",
           str(store.path), "case", str(case_id)]
    shown = subprocess.run(run, capture_output=True, text=True, check=True).stdout
    assert "priority 12 = waiting 3h+ 12" in shown
    data = json.loads(subprocess.run([*run, "--format", "json"], capture_output=True,
                                     text=True, check=True).stdout)
    assert data["priority_breakdown"]["parts"][-1]["part"].startswith("waiting")
    assert "priority_parts" not in data  # the breakdown once, not again as a JSON string
    assert data["sla"]["targets"][0]["target"] == "first_response"


def test_an_intents_severity_and_an_irritated_customer(store: Store, tmp_path: Path) -> None:
    config = tmp_path / "omnitui.toml"
    config.write_text(CONFIG + '''
[triage]
escalate_irritated = true

[[intents]]
name = "outage"
keywords = ["is down"]
severity = 3
''')
    settings = load_settings(config)
    case_id = write_in(store, settings, "The site is down", START)
    assert parts(store, case_id)["severity"] == 30
    assert json.loads(case_row(store, case_id)["escalations"]) == []
    write_in(store, settings, "Third time I write, this is unacceptable", START)
    assert json.loads(case_row(store, case_id)["escalations"]) == ["irritated"]
    write_in(store, settings, "STILL NOTHING, unacceptable", START + timedelta(minutes=1))
    assert store.conn.execute("SELECT count(*) FROM audit WHERE action = 'case.escalated'"
                              " AND reason LIKE 'the customer is irritated%'").fetchone() == (1,)


def test_a_refresh_that_changes_nothing_writes_nothing(store: Store) -> None:
    """The score and the clocks are written only where they moved: an UPDATE rewrites every
    index over the columns it sets (the priority is in nine), even to the same value."""
    now = datetime.now(UTC)
    case_id = intake_pipeline(store, Settings()).ingest(chat_event("telegram", "1", "hi")).case_id
    upkeep = Upkeep(Settings())
    with store.write() as conn:
        upkeep.refresh(conn, case_id, now)
    updates: list[str] = []
    store.conn.set_trace_callback(lambda sql: updates.append(sql)
                                  if sql.startswith("UPDATE cases") else None)
    try:
        with store.write() as conn:
            upkeep.refresh(conn, case_id, now)
            assert updates == []
            upkeep.refresh(conn, case_id, now + timedelta(days=3))  # waiting points rose
            assert updates[0].startswith("UPDATE cases SET priority = ")
            assert "sla_first_response_due" not in updates[0]
    finally:
        store.conn.set_trace_callback(None)


def test_waiting_counts_from_when_we_received_the_message(store: Store,
                                                           scored: Settings) -> None:
    """A message written three days ago that reaches us now (an import, a delayed mail)
    has waited for us since now, as its SLA clocks count: an hour later, one hour's points
    (5), not three days' (the cap, 12)."""
    written = START - timedelta(days=3)
    event = chat_event("sms", "1", "where is my refund?", at=written,
                       identifiers=[Identifier("phone", "+14155550100", verified=True)])
    case_id = intake_pipeline(store, scored, clock=lambda: START).ingest(event).case_id
    assert case_id is not None
    rescore_due(store, Upkeep(scored), START + timedelta(hours=1))
    assert [points for name, points in parts(store, case_id).items()
            if name.startswith("waiting")] == [5]
