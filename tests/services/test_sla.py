"""SLA clocks as a support lead checks them: targets counted in business hours, pauses that
move the due time by the time paused, a snooze that does not, next and meaningful response
targets, a reopen that starts a new resolution clock; at risk and breached fire the queue's
escalation once each; `omnitui sla recompute` applies a changed policy. Real store, real
config file, the Desk and the pipeline every intake uses."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from omnitui.config import Macro, Settings
from omnitui.model import Status
from omnitui.services.desk import Desk
from omnitui.services.intake import intake_pipeline
from omnitui.services.routing import Router
from omnitui.services.scheduler import fire_sla_alarms
from omnitui.services.sla import SlaKeeper
from omnitui.services.upkeep import Upkeep
from omnitui.store.cases import score_facts
from omnitui.store.db import Store, StoreError, db_time, parse_db_time, savepoint
from omnitui.store.queries import awaiting_reply
from tests.conftest import chat_event, office_hours, settings_from

CONFIG = """
""" + office_hours() + """

[[sla_policies]]
name = "office"
first_response = { chat = 60, email = 120 }
meaningful_response = { chat = 120 }
next_response = { chat = 30 }
resolution = { chat = 480 }
at_risk = 0.25

[[sla_policies]]
name = "round the clock"
business_hours = false
first_response = { chat = 60 }
resolution = { chat = 600 }

[[queues]]
name = "general"
escalation = { raise_priority = 10 }

[[macros]]
name = "On it"
reply = "We got your message and are on it."
meaningful = false
"""

# Monday 30 Nov 2026, 16:00 in Berlin (15:00 UTC): one open hour left that day.
MONDAY_4PM = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


@pytest.fixture
def office(tmp_path: Path) -> Settings:
    return settings_from(tmp_path, CONFIG)


def open_case(store: Store, settings: Settings, at: datetime, text: str = "printer broken",
              handle: str = "1") -> int:
    pipeline = intake_pipeline(store, settings, clock=lambda: at)  # received then
    result = pipeline.ingest(chat_event("telegram", handle, text, at=at))
    assert result.case_id is not None
    return result.case_id


def sla(store: Store, settings: Settings, case_id: int, now: datetime) -> dict[str, dict]:
    state = SlaKeeper(settings).state(store.conn, case_id, now)
    assert state is not None
    return {t["target"]: t for t in state["targets"]}


def desk_at(store: Store, settings: Settings, at: datetime) -> Desk:
    return Desk(store, "erin", settings, clock=lambda: at)


def test_first_response_counts_business_hours_over_the_night(store: Store,
                                                              office: Settings) -> None:
    case_id = open_case(store, office, MONDAY_4PM)
    clocks = sla(store, office, case_id, MONDAY_4PM)
    # 60 min: 1 hour left on Monday -> due at 17:00 Berlin; 480 min resolution: Tuesday 16:00
    assert clocks["first_response"]["due"] == "2026-11-30 16:00:00"
    assert clocks["resolution"]["due"] == "2026-12-01 15:00:00"
    due = store.conn.execute("SELECT sla_due FROM cases WHERE id = ?", (case_id,)).fetchone()
    assert due == ("2026-11-30 16:00:00",)  # the nearest running target: the queue's order


def test_a_pause_moves_the_due_time_by_the_time_paused_and_a_snooze_does_not(
        store: Store, office: Settings) -> None:
    case_id = open_case(store, office, MONDAY_4PM - timedelta(hours=6))  # Monday 10:00
    erin = desk_at(store, office, MONDAY_4PM - timedelta(hours=5))
    erin.write(case_id, "reply", "Which printer is it?")
    erin.each([case_id], erin.status(Status.PENDING, "the printer model"))
    before = sla(store, office, case_id, MONDAY_4PM)["resolution"]
    assert before["state"] == "paused" and before["due"] is None
    assert before["left_seconds"] == 7 * 3600  # 8 h target, 1 h used before the pause
    assert before["paused_seconds"] == 5 * 3600  # so far (it read 0 during the pause)
    state = SlaKeeper(office).state(store.conn, case_id, MONDAY_4PM)
    assert state is not None and state["paused_seconds"] == 5 * 3600
    # the customer answers on Tuesday 10:00 Berlin: the clock runs again with 7 h left
    open_case(store, office, MONDAY_4PM + timedelta(hours=18), "HP 4050")
    after = sla(store, office, case_id, MONDAY_4PM + timedelta(hours=18))["resolution"]
    assert after["due"] == "2026-12-01 16:00:00"  # Tuesday 17:00 Berlin: 7 open hours on
    assert after["paused_seconds"] == 7 * 3600  # Monday 11:00-17:00, then Tuesday 9-10
    snoozer = desk_at(store, office, MONDAY_4PM + timedelta(hours=19))
    snoozer.each([case_id], snoozer.snooze(MONDAY_4PM + timedelta(days=3)))
    assert sla(store, office, case_id, MONDAY_4PM + timedelta(hours=19))["resolution"][
        "due"] == "2026-12-01 16:00:00"  # the customer still waits: the clock runs


def test_a_question_asked_while_on_hold_counts_only_its_own_wait_as_paused(
        store: Store, office: Settings) -> None:
    """On hold from Monday 10:00 Berlin, the customer asks for news at 13:00: their
    question's clock stood still from 13:00, not from 10:00 (each target's paused time in
    `omnitui case --format json` read the whole pause, during it and after it)."""
    case_id = open_case(store, office, MONDAY_4PM - timedelta(hours=7))  # Monday 09:00
    erin = desk_at(store, office, MONDAY_4PM - timedelta(hours=6))
    erin.write(case_id, "reply", "Which printer is it?")
    erin.each([case_id], erin.status(Status.ON_HOLD, "engineering"))  # 10:00
    open_case(store, office, MONDAY_4PM - timedelta(hours=3), "any news?")  # 13:00
    during = sla(store, office, case_id, MONDAY_4PM)  # 16:00
    assert during["next_response"]["paused_seconds"] == 3 * 3600
    assert during["resolution"]["paused_seconds"] == 6 * 3600
    back = desk_at(store, office, MONDAY_4PM + timedelta(hours=18))  # Tuesday 10:00
    back.each([case_id], back.status(Status.OPEN))
    after = sla(store, office, case_id, MONDAY_4PM + timedelta(hours=18))
    assert after["next_response"]["paused_seconds"] == 5 * 3600  # 13:00-17:00, 09:00-10:00
    assert after["next_response"]["due"] == "2026-12-01 09:30:00"  # 30 min from the resume
    assert after["resolution"]["paused_seconds"] == 8 * 3600


def test_a_case_late_before_its_pause_stays_in_the_breach_views(store: Store,
                                                                 office: Settings) -> None:
    """Put on hold after its first response was due, it read "paused" in the queue and
    left the board's breached list: its due time went with the pause."""
    case_id = open_case(store, office, MONDAY_4PM)  # first response due 17:00 Berlin
    erin = desk_at(store, office, MONDAY_4PM + timedelta(hours=2))
    erin.each([case_id], erin.status(Status.ON_HOLD, "waiting on the courier"))
    due, status = store.conn.execute("SELECT sla_due, status FROM cases WHERE id = ?",
                                     (case_id,)).fetchone()
    assert (due, status) == ("2026-11-30 16:00:00", Status.ON_HOLD)
    clocks = sla(store, office, case_id, MONDAY_4PM + timedelta(hours=2))
    assert clocks["first_response"]["state"] == "breached"
    assert clocks["resolution"]["state"] == "paused"  # not late yet: it stands


def test_lateness_in_business_hours_is_counted_in_business_days(store: Store,
                                                                 office: Settings) -> None:
    """18 open hours late (Tuesday, Wednesday and two hours of Thursday) read "late 1d",
    in days of 24 hours: two and a quarter business days."""
    from omnitui.wording import countdown_words, sla_words

    case_id = open_case(store, office, MONDAY_4PM)  # first response due Monday 17:00
    thursday = MONDAY_4PM + timedelta(days=2, hours=19)  # 11:00 Berlin
    [due] = store.conn.execute("SELECT sla_due FROM cases WHERE id = ?", (case_id,)
                               ).fetchone()
    left = SlaKeeper(office).countdown("general", parse_db_time(due), thursday)
    assert left.left == -18 * 3600 and countdown_words(left, "new", thursday) == "late 2d"
    state = SlaKeeper(office).state(store.conn, case_id, thursday)
    assert sla_words(state, thursday).startswith("first response breached 2d ago")


def test_a_due_time_ahead_in_a_holiday_added_since_is_not_late(store: Store, office: Settings,
                                                                tmp_path: Path) -> None:
    """A holiday written into the config after a case's due time was stored (before `omnitui
    sla recompute`): the queue keeps the old due time, as docs/routing.md says, and it lies
    ahead. No open hour stands between now and it, and the queue read "late"."""
    from omnitui.wording import countdown_words

    case_id = open_case(store, office, MONDAY_4PM + timedelta(minutes=30))  # due Tu 09:30
    [due] = store.conn.execute("SELECT sla_due FROM cases WHERE id = ?", (case_id,)
                               ).fetchone()
    holiday = settings_from(tmp_path, CONFIG.replace(
        'time_zone = "Europe/Berlin"', 'time_zone = "Europe/Berlin"\nholidays = ["2026-12-01"]'))
    evening = MONDAY_4PM + timedelta(hours=2)  # 18:00 Berlin: closed until Wednesday
    left = SlaKeeper(holiday).countdown("general", parse_db_time(due), evening)
    assert countdown_words(left, "new", evening) == "Tu 09:30"


def test_a_holding_reply_is_a_first_response_not_a_meaningful_one(store: Store,
                                                                   office: Settings) -> None:
    case_id = open_case(store, office, MONDAY_4PM - timedelta(hours=2))
    erin = desk_at(store, office, MONDAY_4PM - timedelta(hours=1))
    [macro] = [m for m in office.macros if m.name == "On it"]
    assert isinstance(macro, Macro)
    erin.each([case_id], erin.macro(macro))
    clocks = sla(store, office, case_id, MONDAY_4PM - timedelta(minutes=20))
    assert clocks["first_response"]["state"] == "met"
    assert clocks["meaningful_response"]["state"] == "at risk"  # 20 of 120 minutes left
    erin.write(case_id, "reply", "Fixed: the driver was old.")
    assert sla(store, office, case_id, MONDAY_4PM)["meaningful_response"]["state"] == "met"


def test_next_response_and_a_reopen(store: Store, office: Settings) -> None:
    case_id = open_case(store, office, MONDAY_4PM - timedelta(hours=3))
    erin = desk_at(store, office, MONDAY_4PM - timedelta(hours=2))
    erin.write(case_id, "reply", "Try turning it off and on.")
    open_case(store, office, MONDAY_4PM - timedelta(minutes=90), "did not help")
    clocks = sla(store, office, case_id, MONDAY_4PM - timedelta(minutes=80))
    assert clocks["next_response"]["state"] == "running"
    assert clocks["next_response"]["due"] == "2026-11-30 14:00:00"  # 30 min after 13:30 UTC
    solver = desk_at(store, office, MONDAY_4PM - timedelta(hours=1))
    solver.write(case_id, "reply", "New driver attached.")
    solver.each([case_id], solver.status(Status.SOLVED))
    assert sla(store, office, case_id, MONDAY_4PM)["resolution"]["state"] == "met"
    open_case(store, office, MONDAY_4PM, "it broke again")  # reopens the solved case
    clocks = sla(store, office, case_id, MONDAY_4PM)
    assert clocks["resolution"]["state"] == "running"
    assert clocks["resolution"]["started"] == "2026-11-30 15:00:00"  # a new clock
    assert clocks["first_response"]["met"] is not None  # kept on record
    again = desk_at(store, office, MONDAY_4PM + timedelta(minutes=30))
    again.each([case_id], again.status(Status.SOLVED))  # solving the reopened case meets it
    resolution = sla(store, office, case_id, MONDAY_4PM + timedelta(hours=5))["resolution"]
    assert (resolution["state"], resolution["met"]) == ("met", "2026-11-30 15:30:00")


def test_at_risk_and_breach_escalate_once_each(store: Store, office: Settings) -> None:
    case_id = open_case(store, office, MONDAY_4PM - timedelta(hours=1))  # 15:00 Berlin
    router, keeper = Router(office), SlaKeeper(office)

    def fire(at: datetime) -> list[int]:
        return fire_sla_alarms(store, router, keeper, at)

    assert fire(MONDAY_4PM - timedelta(minutes=50)) == []
    assert fire(MONDAY_4PM - timedelta(minutes=10)) == [case_id]  # 15 of 60 min left
    assert fire(MONDAY_4PM - timedelta(minutes=5)) == []  # once
    assert fire(MONDAY_4PM + timedelta(minutes=1)) == [case_id]  # breached at 16:00 Berlin
    assert fire(MONDAY_4PM + timedelta(minutes=2)) == []
    rows = store.conn.execute("SELECT actor, reason FROM audit WHERE case_id = ? AND action ="
                              " 'case.escalated' ORDER BY id", (case_id,)).fetchall()
    assert [r[1] for r in rows] == ["first response at risk: 10m left: priority +10",
                                    "first response breached: priority +10"]
    fired = json.loads(store.conn.execute("SELECT escalations FROM cases WHERE id = ?",
                                          (case_id,)).fetchone()[0])
    assert fired == ["sla.first_response.0.at_risk", "sla.first_response.0.breached"]


def test_recompute_applies_a_changed_policy_with_a_dry_run_first(
        store: Store, office: Settings) -> None:
    case_id = open_case(store, office, MONDAY_4PM)
    changed = Settings(**{**office.__dict__, "sla_policies": office.sla_policies[1:]})
    desk = Desk(store, "sam", changed)
    dry = desk.recompute_sla(None, dry_run=True)
    assert dry.checked == 1
    assert dry.changed[case_id]["sla_policy"] == ("office", "round the clock")
    assert store.conn.execute("SELECT sla_policy FROM cases WHERE id = ?",
                              (case_id,)).fetchone() == ("office",)  # nothing written
    desk.recompute_sla(None, dry_run=False)
    assert store.conn.execute("SELECT sla_policy, sla_resolution_due FROM cases WHERE id = ?",
                              (case_id,)).fetchone() == ("round the clock",
                                                         "2026-12-01 01:00:00")
    [repair] = store.conn.execute("SELECT id FROM audit WHERE action ="
                                  " 'case.sla_recomputed'").fetchone()
    # undone, the clocks' replay did it again at once while the audit said undone
    with pytest.raises(StoreError, match="put the old policy back"):
        desk.undo(repair)
    with pytest.raises(StoreError, match="no action left"):
        desk.undo()  # nothing of sam's to step back to


def test_a_case_moved_to_another_queue_takes_its_policy_as_recompute_would(
        store: Store, tmp_path: Path) -> None:
    """Moved by hand, it kept its old policy, and a recompute with the config unchanged
    changed its due times long after."""
    night = settings_from(tmp_path, CONFIG + '[[queues]]\nname = "night"\n'
                                             'sla_policy = "round the clock"\n')
    case_id = open_case(store, night, MONDAY_4PM)
    erin = desk_at(store, night, MONDAY_4PM + timedelta(minutes=5))
    erin.each([case_id], erin.queue("night"))
    assert store.conn.execute("SELECT sla_policy, sla_resolution_due FROM cases WHERE id = ?",
                              (case_id,)).fetchone() == ("round the clock",
                                                         "2026-12-01 01:00:00")
    assert erin.recompute_sla(None, dry_run=True).changed == {}
    erin.undo()
    assert store.conn.execute("SELECT sla_policy FROM cases WHERE id = ?",
                              (case_id,)).fetchone() == ("office",)


def test_a_case_an_escalation_moves_takes_the_new_queues_policy_at_once(
        store: Store, tmp_path: Path) -> None:
    """Moved by an escalation after its clocks were written, it kept the old queue's due
    times until something else happened to it."""
    night = settings_from(tmp_path, CONFIG.replace(
        'escalation = { raise_priority = 10 }',
        'escalation = { raise_priority = 10, move_to = "night" }')
        + '[[queues]]\nname = "night"\nsla_policy = "round the clock"\n\n'
          '[triage]\nescalate_irritated = true\n')
    case_id = open_case(store, night, MONDAY_4PM, "Third time I write, this is unacceptable")
    assert store.conn.execute("SELECT queue, sla_policy, sla_resolution_due FROM cases"
                              " WHERE id = ?", (case_id,)).fetchone() == (
        "night", "round the clock", "2026-12-01 01:00:00")


def test_no_policies_read_the_short_form_sla_section(store: Store,
                                                     settings: Settings) -> None:
    case_id = open_case(store, settings, MONDAY_4PM)
    clocks = sla(store, settings, case_id, MONDAY_4PM)
    assert clocks["first_response"]["due"] == "2026-11-30 15:10:00"  # [sla] chat: 10 min
    assert SlaKeeper(settings).state(store.conn, case_id, MONDAY_4PM)["time"] == "24x7"


def test_a_batch_skips_a_case_its_savepoint_took_back(store: Store, settings: Settings) -> None:
    """A bulk load (the daemon's filing, an import) brings cases up to date when its batch
    ends; a message whose filing failed and was rolled back leaves nothing to update."""
    upkeep = Upkeep(settings)
    pipeline = intake_pipeline(store, settings, upkeep=upkeep)
    with store.write() as conn, upkeep.batched(conn):
        kept = pipeline.ingest_in(conn, chat_event("telegram", "8", "hello")).case_id
        with pytest.raises(RuntimeError), savepoint(conn):
            pipeline.ingest_in(conn, chat_event("telegram", "9", "hi"))
            raise RuntimeError("a later stage failed")
    rows = store.conn.execute("SELECT id, sla_due FROM cases").fetchall()
    assert [case_id for case_id, _ in rows] == [kept] and rows[0][1] is not None


def test_a_scheduler_back_after_the_due_time_fires_the_breach_only(
        store: Store, office: Settings) -> None:
    case_id = open_case(store, office, MONDAY_4PM - timedelta(hours=1))
    router, keeper = Router(office), SlaKeeper(office)
    for hours in (1, 2, 3):  # down through the due time, then its ticks come back
        fire_sla_alarms(store, router, keeper, MONDAY_4PM + timedelta(hours=hours))
    reasons = [r[0] for r in store.conn.execute(
        "SELECT reason FROM audit WHERE case_id = ? AND action = 'case.escalated'"
        " AND reason LIKE 'first response%'", (case_id,))]
    assert reasons == ["first response breached: priority +10"]  # no at-risk after it


def test_recompute_with_solved_fills_the_durations_of_history(store: Store,
                                                              office: Settings) -> None:
    """A case solved before schema 19 has no stored durations, so the report cannot count
    it; `sla recompute --solved` replays it (plain `recompute` leaves solved cases be)."""
    case_id = open_case(store, office, MONDAY_4PM - timedelta(hours=6))  # Monday 10:00
    erin = desk_at(store, office, MONDAY_4PM - timedelta(hours=5))
    erin.write(case_id, "reply", "Restart it, please.")
    erin.each([case_id], erin.status(Status.SOLVED))
    columns = "first_response_seconds, resolution_seconds"
    stored = store.conn.execute(f"SELECT {columns} FROM cases WHERE id = ?",
                                (case_id,)).fetchone()
    assert stored == (3600, 3600)  # an hour of business time to answer and to solve
    with store.write() as conn:  # as a store from before schema 19 has them
        conn.execute("UPDATE cases SET first_response_seconds = NULL,"
                     " resolution_seconds = NULL")
    assert Desk(store, "sam", office).recompute_sla(None, dry_run=False).checked == 0
    repair = Desk(store, "sam", office).recompute_sla(None, dry_run=False, solved=True)
    assert repair.checked == 1 and case_id in repair.changed
    assert store.conn.execute(f"SELECT {columns} FROM cases WHERE id = ?",
                              (case_id,)).fetchone() == stored


def test_a_case_we_opened_waits_for_the_customer_before_a_first_response_is_due(
        store: Store, office: Settings) -> None:
    """A new case we write first (`n`, `omnitui new`) answers nobody: it read "first reply
    in 0 min" on the board and in the report, and the acknowledgement promised an answer
    within minutes from such cases. The customer's first message starts the first
    response's clock; our answer to it meets it and counts as the case's first reply."""
    from omnitui.channels.email.parse import parse_email
    from omnitui.model import Draft
    from tests.conftest import make_email

    case_id = desk_at(store, office, MONDAY_4PM).new_case(Draft(
        mode="new", channel="email", to=("ann@example.com",), subject="Your order",
        text="Your order is delayed by a day."))
    columns = "first_response_at, first_replier, sla_first_response_due, first_response_seconds"
    row = store.conn.execute(f"SELECT {columns} FROM cases WHERE id = ?", (case_id,))
    assert row.fetchone() == (None, None, None, None)
    assert "first_response" not in sla(store, office, case_id, MONDAY_4PM)
    desk_at(store, office, MONDAY_4PM + timedelta(minutes=5)).write(
        case_id, "reply", "PS: the courier calls before he comes.")  # still nobody's answer
    subject, key = store.conn.execute("SELECT subject, thread_key FROM messages WHERE"
                                      " case_id = ? ORDER BY id LIMIT 1", (case_id,)).fetchone()
    answer = MONDAY_4PM + timedelta(minutes=30)
    pipeline = intake_pipeline(store, office, clock=lambda: answer)
    result = pipeline.ingest(parse_email(make_email(
        "ann@example.com", subject=f"Re: {subject}", in_reply_to=key.strip("<>"),
        date=answer), source="test"))
    assert result.case_id == case_id
    targets = sla(store, office, case_id, answer)
    assert targets["first_response"]["state"] == "running"
    assert targets["first_response"]["started"] == db_time(answer)
    assert "next_response" not in targets
    desk_at(store, office, answer + timedelta(minutes=20)).write(case_id, "reply", "Sure.")
    assert sla(store, office, case_id, answer)["first_response"]["state"] == "met"
    row = store.conn.execute(f"SELECT {columns} FROM cases WHERE id = ?", (case_id,))
    assert row.fetchone()[::3] == (db_time(answer + timedelta(minutes=20)), 1200)
    assert store.conn.execute("SELECT first_replier FROM cases WHERE id = ?",
                              (case_id,)).fetchone() == ("erin",)


def test_a_case_we_opened_waits_on_the_customer_until_they_write(store: Store,
                                                                 tmp_path: Path) -> None:
    """It opened open, owned by its author: in their open work, its resolution clock
    running, while our own mail filed by the intake opened pending on "their answer to our
    mail". Now both wait on the customer, the clock stopped; their first message resumes
    it, and an agent opening it by hand first resumes it from then (the replay agrees)."""
    from omnitui.channels.email.parse import parse_email
    from omnitui.model import Draft
    from tests.conftest import make_email

    office = settings_from(tmp_path, CONFIG.replace("resolution = { chat = 480 }",
                                                    "resolution = { chat = 480, email = 480 }"))

    def written_first(to: str) -> int:
        return desk_at(store, office, MONDAY_4PM).new_case(Draft(
            mode="new", channel="email", to=(to,), subject="Your order",
            text="Your order is delayed by a day."))

    case_id = written_first("ann@example.com")
    assert store.conn.execute("SELECT status, pause_reason, owner FROM cases WHERE id = ?",
                              (case_id,)).fetchone() == ("pending", "their answer to our mail",
                                                         "erin")
    assert sla(store, office, case_id, MONDAY_4PM + timedelta(minutes=30))["resolution"][
        "state"] == "paused"
    answer = MONDAY_4PM + timedelta(hours=18)  # Tuesday 10:00 in Berlin
    intake_pipeline(store, office, clock=lambda: answer).ingest(parse_email(make_email(
        "ann@example.com", subject="Re: Your order", date=answer), source="t"))
    resolution = sla(store, office, case_id, answer)["resolution"]
    assert store.conn.execute("SELECT status FROM cases WHERE id = ?",
                              (case_id,)).fetchone() == ("open",)
    assert (resolution["state"], resolution["paused_seconds"]) == ("running", 2 * 3600)

    by_hand = written_first("bo@example.com")
    half_past = MONDAY_4PM + timedelta(minutes=30)
    desk_at(store, office, half_past).each([by_hand], desk_at(store, office, half_past).status(
        Status.OPEN))
    resolution = sla(store, office, by_hand, half_past)["resolution"]
    assert (resolution["state"], resolution["paused_seconds"]) == ("running", 30 * 60)


def test_pending_again_after_the_customer_answered_pauses_again(store: Store,
                                                                  tmp_path: Path) -> None:
    """The intake resumes a pending case when the customer answers, unaudited: the replay
    took the case for pending still, and an agent's next pending paused nothing, a day's
    wait on the customer counted as ours (the case breached). On hold after pending waits
    on a supplier: the customer's message no longer resumed its clocks."""
    from omnitui.channels.email.parse import parse_email
    from omnitui.model import Draft
    from tests.conftest import make_email

    office = settings_from(tmp_path, CONFIG.replace("resolution = { chat = 480 }",
                                                    "resolution = { chat = 480, email = 480 }"))

    def answer(at: datetime, who: str) -> None:
        intake_pipeline(store, office, clock=lambda: at).ingest(parse_email(make_email(
            who, subject="Re: Your order", date=at), source=f"t{at}"))

    def status(case_id: int, at: datetime, to: Status, why: str | None = None) -> None:
        desk_at(store, office, at).each([case_id], desk_at(store, office, at).status(to, why))

    ann, bo = (desk_at(store, office, MONDAY_4PM).new_case(Draft(
        mode="new", channel="email", to=(who,), subject="Your order",
        text="Your order is delayed by a day.")) for who in ("ann@x.example", "bo@x.example"))
    tuesday_10 = MONDAY_4PM + timedelta(hours=18)
    answer(tuesday_10, "ann@x.example")  # 2 h paused (Monday 16-17, Tuesday 9-10)
    status(ann, tuesday_10 + timedelta(minutes=30), Status.PENDING, "their photo")
    answer(tuesday_10 + timedelta(days=1), "ann@x.example")  # 7.5 h paused more
    resolution = sla(store, office, ann, tuesday_10 + timedelta(days=1))["resolution"]
    assert (resolution["state"], resolution["paused_seconds"]) == ("running", 9.5 * 3600)

    status(bo, MONDAY_4PM + timedelta(minutes=10), Status.ON_HOLD, "the supplier")
    answer(tuesday_10, "bo@x.example")  # still on hold: the clocks stand still
    assert store.conn.execute("SELECT status FROM cases WHERE id = ?",
                              (bo,)).fetchone() == ("on_hold",)
    assert sla(store, office, bo, tuesday_10 + timedelta(hours=2))["resolution"][
        "state"] == "paused"
    status(bo, tuesday_10 + timedelta(days=1), Status.OPEN)
    assert sla(store, office, bo, tuesday_10 + timedelta(days=1))["resolution"][
        "state"] == "running"


def test_the_customers_answer_says_why_the_case_is_open_again_and_counts_once(
        store: Store, tmp_path: Path) -> None:
    """The intake opened a pending case on the customer's answer unaudited: the history
    ended at "pending", and nothing said why the case was open, its clock running again.
    One row says so, at that change only (a follow-up while it is open writes none: the
    import runs it for every message); the replay reads the resume from their message as
    before, so a recompute finds the clocks as they were, each pause counted once."""
    from omnitui.channels.email.parse import parse_email
    from omnitui.model import Draft
    from tests.conftest import make_email

    office = settings_from(tmp_path, CONFIG.replace("resolution = { chat = 480 }",
                                                    "resolution = { chat = 480, email = 480 }"))

    def answer(at: datetime, text: str) -> None:
        intake_pipeline(store, office, clock=lambda: at).ingest(parse_email(make_email(
            "ann@x.example", subject="Re: Your order", body=text, date=at), source=f"t{at}"))

    ann = desk_at(store, office, MONDAY_4PM).new_case(Draft(
        mode="new", channel="email", to=("ann@x.example",), subject="Your order",
        text="Your order is delayed by a day."))
    tuesday_10 = MONDAY_4PM + timedelta(hours=18)
    answer(tuesday_10, "Which day will it come?")  # 2 h paused (Monday 16-17, Tuesday 9-10)
    answer(tuesday_10 + timedelta(hours=1), "And the invoice?")  # open: nothing to say
    erin = desk_at(store, office, tuesday_10 + timedelta(hours=2))
    erin.each([ann], erin.status(Status.PENDING, "their photo"))
    answer(tuesday_10 + timedelta(days=1), "Here it is.")  # 6 h more (Tuesday 12-17, 9-10)
    assert store.conn.execute("SELECT actor, reason FROM audit WHERE case_id = ? AND action ="
                              " 'case.status' ORDER BY id", (ann,)).fetchall() == [
        ("ingest", "pending -> open: the customer answered"),
        ("erin", "open -> pending (their photo)"),
        ("ingest", "pending -> open: the customer answered")]
    resolution = sla(store, office, ann, tuesday_10 + timedelta(days=1))["resolution"]
    assert (resolution["state"], resolution["paused_seconds"]) == ("running", 8 * 3600)
    columns = ("status, sla_due, sla_first_response_due, sla_resolution_due,"
               " sla_paused_seconds")
    stored = store.conn.execute(f"SELECT {columns} FROM cases WHERE id = ?", (ann,)).fetchone()
    assert stored[0] == "open" and stored[-1] == 8 * 3600
    repair = Desk(store, "sam", office).recompute_sla(None, dry_run=False)
    assert repair.checked == 1 and repair.changed == {}
    assert store.conn.execute(f"SELECT {columns} FROM cases WHERE id = ?",
                              (ann,)).fetchone() == stored


def test_a_case_written_first_before_they_opened_pending_keeps_its_clock(
        store: Store, tmp_path: Path) -> None:
    """A store from before: written first, it opened open (its creation's row says so);
    replayed under the new rule it read "paused" under status open, its due time gone."""
    from omnitui.model import Draft

    office = settings_from(tmp_path, CONFIG.replace("resolution = { chat = 480 }",
                                                    "resolution = { chat = 480, email = 480 }"))

    case_id = desk_at(store, office, MONDAY_4PM).new_case(Draft(
        mode="new", channel="email", to=("ann@example.com",), subject="Your order",
        text="It is delayed by a day."))
    with store.write() as conn:  # as it opened then
        conn.execute("UPDATE cases SET status = 'open', pause_reason = NULL, paused_at = NULL"
                     " WHERE id = ?", (case_id,))
        conn.execute("UPDATE audit SET after = json_set(after, ?, 'open') WHERE case_id = ?"
                     " AND action = 'case.created'", (f'$."cases:{case_id}".status', case_id))
    SlaKeeper(office).refresh(store.conn, case_id)
    assert sla(store, office, case_id, MONDAY_4PM + timedelta(hours=1))["resolution"][
        "state"] == "running"


def test_a_case_we_opened_that_the_customer_reopens_waits_for_a_first_response_only(
        store: Store, tmp_path: Path) -> None:
    """Solved before the customer wrote, then reopened by their first message: it ran a
    next response's clock beside the first response's, due sooner."""
    from omnitui.channels.email.parse import parse_email
    from omnitui.model import Draft
    from tests.conftest import make_email

    office = settings_from(tmp_path, CONFIG.replace("next_response = { chat = 30 }",
                                                    "next_response = { chat = 30, email = 60 }"))
    erin = desk_at(store, office, MONDAY_4PM)
    case_id = erin.new_case(Draft(mode="new", channel="email", to=("ann@example.com",),
                                  subject="Your order", text="It is delayed by a day."))
    erin.each([case_id], erin.status(Status.SOLVED))
    answer = MONDAY_4PM + timedelta(minutes=30)
    result = intake_pipeline(store, office, clock=lambda: answer).ingest(parse_email(
        make_email("ann@example.com", subject="Re: Your order", date=answer), source="t"))
    assert result.case_id == case_id and result.reopened
    targets = sla(store, office, case_id, answer)
    assert targets["first_response"]["state"] == "running" and "next_response" not in targets
    due = store.conn.execute("SELECT sla_next_response_due FROM cases WHERE id = ?",
                             (case_id,)).fetchone()
    assert due == (None,)


def test_a_case_opened_by_our_message_that_failed_is_still_ours(store: Store,
                                                                 office: Settings) -> None:
    """Our opening message failed for good (a mailbox that cannot send): the replay left it
    out, took the case for the customer's, and ran a first response's clock to a breach."""
    from omnitui.model import Draft

    case_id = desk_at(store, office, MONDAY_4PM).new_case(Draft(
        mode="new", channel="email", to=("ann@example.com",), subject="Your order",
        text="It is delayed by a day."))
    with store.write() as conn:
        conn.execute("UPDATE outbox SET status = 'failed' WHERE case_id = ?", (case_id,))
    SlaKeeper(office).refresh(store.conn, case_id)
    assert "first_response" not in sla(store, office, case_id, MONDAY_4PM)


def test_a_case_opened_by_an_automatic_mail_records_its_first_reply(
        store: Store, office: Settings) -> None:
    """A form service's mail (Auto-Submitted) opens a case whose first response is due: the
    answer to it was not recorded as its first reply, nor credited to anyone."""
    from omnitui.channels.email.parse import parse_email
    from tests.conftest import make_email

    at = MONDAY_4PM
    result = intake_pipeline(store, office, clock=lambda: at).ingest(parse_email(make_email(
        "forms@example.com", subject="Contact form: Ann", date=at,
        headers={"Auto-Submitted": "auto-generated"}), source="t"))
    assert result.case_id is not None
    desk_at(store, office, at + timedelta(minutes=10)).write(result.case_id, "reply", "Hi Ann")
    row = store.conn.execute("SELECT first_response_at, first_replier FROM cases WHERE id = ?",
                             (result.case_id,)).fetchone()
    assert row == (db_time(at + timedelta(minutes=10)), "erin")


def test_schema_35_takes_the_first_reply_off_the_cases_we_opened(store: Store,
                                                                 office: Settings) -> None:
    """A store from before: our opening message was the case's first reply, in 0 s."""
    from omnitui.model import Draft
    from omnitui.store.schema import MIGRATION_35, MIGRATIONS
    from tests.conftest import as_of_schema

    case_id = desk_at(store, office, MONDAY_4PM).new_case(Draft(
        mode="new", channel="email", to=("ann@example.com",), subject="Your order",
        text="It is delayed by a day."))
    with store.write() as conn:  # as schema 34 had it
        conn.execute("UPDATE cases SET first_response_at = created_at, first_replier = 'erin',"
                     " first_response_seconds = 0 WHERE id = ?", (case_id,))
        as_of_schema(conn, MIGRATIONS.index(MIGRATION_35))
    store.close()
    with Store(store.path) as again:
        assert again.conn.execute("SELECT first_response_at, first_replier,"
                                  " first_response_seconds FROM cases WHERE id = ?",
                                  (case_id,)).fetchone() == (None, None, None)


def test_a_case_filed_as_history_has_no_clocks_until_the_customer_writes_again(
        store: Store, office: Settings) -> None:
    """An old conversation filed as history ran no clock of ours (no first response missed,
    no resolution met); the customer's next message makes it work, timed from then."""
    from omnitui.services.archive import solve_quiet

    now = datetime.now(UTC).replace(microsecond=0)
    case_id = open_case(store, office, now - timedelta(days=2))
    with store.write() as conn:
        assert solve_quiet(conn, [case_id], now - timedelta(days=1), "history")
    SlaKeeper(office).refresh(store.conn, case_id)
    assert sla(store, office, case_id, now) == {}
    due = store.conn.execute("SELECT sla_first_response_due, sla_resolution_due,"
                             " resolution_seconds FROM cases WHERE id = ?", (case_id,))
    assert due.fetchone() == (None, None, None)
    assert open_case(store, office, now, "Thanks, that worked!") == case_id  # late thanks:
    assert sla(store, office, case_id, now) == {}  # it stays solved, no clock of ours
    back = now + timedelta(minutes=1)
    assert open_case(store, office, back, "still broken") == case_id  # reopens it
    clocks = sla(store, office, case_id, back)
    assert {t: c["started"] for t, c in clocks.items()} == {
        "first_response": f"{back:%Y-%m-%d %H:%M:%S}",
        "meaningful_response": f"{back:%Y-%m-%d %H:%M:%S}",
        "resolution": f"{back:%Y-%m-%d %H:%M:%S}"}


def test_thanks_on_a_solved_case_start_no_clock(store: Store, office: Settings) -> None:
    case_id = open_case(store, office, MONDAY_4PM - timedelta(hours=3))
    erin = desk_at(store, office, MONDAY_4PM - timedelta(hours=2))
    erin.write(case_id, "reply", "New driver attached.")
    erin.each([case_id], erin.status(Status.SOLVED))
    open_case(store, office, MONDAY_4PM - timedelta(hours=1), "Thanks, that worked!")
    clocks = sla(store, office, case_id, MONDAY_4PM + timedelta(days=3))
    assert {t: c["state"] for t, c in clocks.items()} == {
        "first_response": "met", "meaningful_response": "met", "resolution": "met"}


def test_thanks_on_an_open_case_wait_for_no_answer(store: Store, office: Settings) -> None:
    """The customer thanks us before the agent solves: the case stays open for its agent to
    solve, but no next-response clock runs out on it (and escalates it); a real question
    after it starts one."""
    case_id = open_case(store, office, MONDAY_4PM - timedelta(hours=3))
    erin = desk_at(store, office, MONDAY_4PM - timedelta(hours=2))
    erin.write(case_id, "reply", "New driver attached.")
    open_case(store, office, MONDAY_4PM - timedelta(hours=1), "Thanks, that worked!")
    assert store.conn.execute("SELECT status FROM cases WHERE id = ?", (case_id,)
                              ).fetchone() == ("open",)
    assert "next_response" not in sla(store, office, case_id, MONDAY_4PM)
    # nor is it waiting for an answer: `]` passes it by, its priority gains no waiting points
    assert awaiting_reply(store.conn, [case_id]) == set()
    assert waiting_since(store, case_id) is None
    question = MONDAY_4PM - timedelta(minutes=2)
    open_case(store, office, question, "One more thing: where is the invoice?")
    open_case(store, office, MONDAY_4PM, "Thanks!")  # asks nothing, but the question waits
    assert sla(store, office, case_id, MONDAY_4PM)["next_response"]["state"] == "running"
    assert awaiting_reply(store.conn, [case_id]) == {case_id}
    assert waiting_since(store, case_id) == f"{question:%Y-%m-%d %H:%M:%S}"


def test_thanks_on_a_pending_case_open_it_with_no_answer_due(store: Store,
                                                             office: Settings) -> None:
    """The agent asked "does it work now?" and set the case pending; "Thanks, that
    worked!" started a next-response clock that breached by the morning. It opens the case
    for its agent to solve, with no answer due; the customer's next question starts one."""
    case_id = open_case(store, office, MONDAY_4PM - timedelta(hours=3))
    erin = desk_at(store, office, MONDAY_4PM - timedelta(hours=2))
    erin.write(case_id, "reply", "New driver attached: does it work now?")
    erin.each([case_id], erin.status(Status.PENDING, "waiting on customer"))
    open_case(store, office, MONDAY_4PM - timedelta(hours=1), "Thanks, that worked!")
    assert store.conn.execute("SELECT status FROM cases WHERE id = ?", (case_id,)
                              ).fetchone() == ("open",)
    assert "next_response" not in sla(store, office, case_id, MONDAY_4PM + timedelta(days=1))
    assert awaiting_reply(store.conn, [case_id]) == set()
    question = MONDAY_4PM + timedelta(days=1)
    open_case(store, office, question, "One more thing: where is the invoice?")
    assert sla(store, office, case_id, question)["next_response"]["started"] == \
        f"{question:%Y-%m-%d %H:%M:%S}"


def waiting_since(store: Store, case_id: int) -> str | None:
    customer = store.conn.execute("SELECT customer_id FROM cases WHERE id = ?", (case_id,)
                                  ).fetchone()[0]
    return score_facts(store.conn, case_id, customer).waiting_since


def test_a_case_solved_unanswered_after_its_due_time_missed_it(store: Store,
                                                                office: Settings) -> None:
    """The chat's first response was due at 16:00 and nobody answered; at 16:30 an agent
    solved it without a word: a miss on the case ("all met" before) and in the report."""
    from omnitui.metrics.funnel import report
    from omnitui.wording import sla_words

    case_id = open_case(store, office, MONDAY_4PM)
    late = desk_at(store, office, MONDAY_4PM + timedelta(hours=1, minutes=30))
    late.each([case_id], late.status(Status.SOLVED))
    state = SlaKeeper(office).state(store.conn, case_id, MONDAY_4PM + timedelta(hours=2))
    assert state is not None
    assert {t["target"]: t["state"] for t in state["targets"]}["first_response"] == "missed"
    assert sla_words(state, MONDAY_4PM).startswith("first response missed")
    total = report(store.conn, office, MONDAY_4PM - timedelta(days=1),
                   MONDAY_4PM + timedelta(days=1), MONDAY_4PM + timedelta(hours=2)).total
    assert total.sla["first_response"].part == 0 and total.sla["first_response"].whole == 1
    # solved before its due time without an answer (spam, a duplicate): no miss, and no
    # "all met" either (nothing was)
    early = open_case(store, office, MONDAY_4PM, handle="2")
    desk_at(store, office, MONDAY_4PM + timedelta(minutes=5)).each(
        [early], desk_at(store, office, MONDAY_4PM + timedelta(minutes=5)).status(
            Status.SOLVED))
    state = SlaKeeper(office).state(store.conn, early, MONDAY_4PM + timedelta(hours=2))
    assert state is not None and sla_words(state, MONDAY_4PM).startswith(
        "first response none, solved without one")


def test_the_case_says_when_a_standing_clock_falls_due(store: Store, office: Settings) -> None:
    """After closing the queue read "Tu 09:30" and the case "first response 30m left": the
    case says the moment too while the clock stands, as the queue does."""
    from omnitui.wording import sla_words

    case_id = open_case(store, office, MONDAY_4PM + timedelta(minutes=30))
    keeper = SlaKeeper(office)
    evening = MONDAY_4PM + timedelta(hours=2)  # 18:00 in Berlin: closed
    state = keeper.state(store.conn, case_id, evening)
    assert state is not None and not state["running_now"] and state["zone"] == "Europe/Berlin"
    words = sla_words(state, evening)
    assert words.startswith("first response due Tu 09:30 · ")
    assert words.endswith("(business hours, Europe/Berlin time)")  # the zone it is said in
    morning = MONDAY_4PM + timedelta(hours=17, minutes=15)  # Tuesday 09:15: open again
    state = keeper.state(store.conn, case_id, morning)
    assert state is not None and sla_words(state, morning).startswith(
        "first response 15m left (at risk)")


def test_a_reply_that_failed_for_good_answered_nobody(store: Store, office: Settings) -> None:
    """Refused by the server for good, a reply still met the first response (it was met
    when queued): the customer was never answered, and the case read on time."""
    from omnitui.daemon.sender import refresh_failed
    from omnitui.services.upkeep import Upkeep
    from omnitui.store import outbox

    case_id = open_case(store, office, MONDAY_4PM)
    desk = desk_at(store, office, MONDAY_4PM + timedelta(minutes=10))
    assert desk.write(case_id, "reply", "Try restarting it.").done
    assert sla(store, office, case_id, MONDAY_4PM + timedelta(minutes=20))[
        "first_response"]["state"] == "met"
    [(row_id,)] = store.conn.execute("SELECT id FROM outbox WHERE case_id = ?",
                                     (case_id,)).fetchall()
    failed_at = MONDAY_4PM + timedelta(minutes=15)
    with store.write() as conn:
        outbox.mark_failed(conn, row_id, "550 no such user", at=db_time(failed_at),
                           retry_at=None)
    refresh_failed(store, Upkeep(office), [row_id], failed_at)
    clocks = sla(store, office, case_id, MONDAY_4PM + timedelta(minutes=20))
    assert clocks["first_response"]["state"] in ("running", "at risk")


def test_an_undone_solve_leaves_the_clocks_as_they_were(store: Store, office: Settings) -> None:
    """Solved, then undone, every clock started again at the undo, a breach gone: an agent
    could clear a breach by solving and undoing. Redone, the solve counts as it was."""
    case_id = open_case(store, office, MONDAY_4PM)  # first response due 17:00 Berlin
    late = MONDAY_4PM + timedelta(hours=20)  # Tuesday 12:00 Berlin: breached
    before = sla(store, office, case_id, late)["first_response"]
    assert before["state"] == "breached"
    desk = desk_at(store, office, late)
    desk.each([case_id], desk.status(Status.SOLVED))
    assert sla(store, office, case_id, late)["first_response"]["state"] == "missed"
    undo = desk.undo()
    after = sla(store, office, case_id, late + timedelta(minutes=5))
    assert after["first_response"]["state"] == "breached"
    assert after["first_response"]["started"] == before["started"]
    assert after["resolution"]["started"] == before["started"]
    desk.undo(undo)  # the solve again
    assert sla(store, office, case_id, late)["first_response"]["state"] == "missed"


def test_an_agent_reopening_an_answered_case_starts_no_response_clock(
        store: Store, office: Settings) -> None:
    """Reopened by hand with nothing new from the customer, "next response in 30m" ran;
    their message reopening it does start one."""
    case_id = open_case(store, office, MONDAY_4PM)
    erin = desk_at(store, office, MONDAY_4PM + timedelta(minutes=10))
    erin.write(case_id, "reply", "Fixed: the driver was old.")
    erin.each([case_id], erin.status(Status.SOLVED))
    later = desk_at(store, office, MONDAY_4PM + timedelta(minutes=20))
    later.each([case_id], later.status(Status.OPEN))
    clocks = sla(store, office, case_id, MONDAY_4PM + timedelta(minutes=25))
    assert "next_response" not in clocks and clocks["resolution"]["state"] == "running"
    later.each([case_id], later.status(Status.SOLVED))
    at = MONDAY_4PM + timedelta(minutes=30)
    again = intake_pipeline(store, office, clock=lambda: at).ingest(
        chat_event("telegram", "1", "it broke again", at=at))
    assert sla(store, office, case_id, at)["next_response"]["state"] == "running"
    # solved with that message unanswered, then reopened by hand: they still wait on us
    last = desk_at(store, office, at + timedelta(minutes=5))
    last.each([case_id], last.status(Status.SOLVED))
    last.each([case_id], last.status(Status.OPEN))
    assert sla(store, office, case_id, at + timedelta(minutes=6)
               )["next_response"]["state"] == "running"
    # the message that reopened it moved to a case of its own: the reopening stands
    last.each([case_id], last.status(Status.SOLVED))
    back = MONDAY_4PM + timedelta(minutes=50)
    reopening = intake_pipeline(store, office, clock=lambda: back).ingest(
        chat_event("telegram", "1", "still broken", at=back))
    assert reopening.reopened and again.message_id is not None
    desk_at(store, office, back).move_messages([reopening.message_id], None)
    assert sla(store, office, case_id, back)["resolution"]["state"] == "running"


def _answered_case_and_a_message_to_move(store: Store, office: Settings, text: str
                                         ) -> tuple[int, int]:
    """Ann's case, answered at 16:05; Bob's, answered at 16:06, where Bob writes `text` at
    16:10 (after Ann's answer): (Ann's case, Bob's message)."""
    ann = open_case(store, office, MONDAY_4PM, "printer broken", handle="1")
    bob = open_case(store, office, MONDAY_4PM + timedelta(minutes=1), "scanner broken",
                    handle="2")
    desk_at(store, office, MONDAY_4PM + timedelta(minutes=5)).write(
        ann, "reply", "Fixed: the driver was old.")
    desk_at(store, office, MONDAY_4PM + timedelta(minutes=6)).write(
        bob, "reply", "Try turning it off and on.")
    at = MONDAY_4PM + timedelta(minutes=10)
    wrote = intake_pipeline(store, office, clock=lambda: at).ingest(
        chat_event("telegram", "2", text, at=at))
    assert wrote.case_id == bob and wrote.message_id is not None
    return ann, wrote.message_id


def test_a_thank_you_moved_to_an_answered_case_leaves_it_answered(
        store: Store, office: Settings) -> None:
    """Moved, a thank-you turned into a question: the case it went to waited for an answer
    again, its next-response clock running, as though the customer had asked something."""
    ann, thanks = _answered_case_and_a_message_to_move(store, office, "Thanks, that worked!")
    later = MONDAY_4PM + timedelta(minutes=20)
    desk_at(store, office, later).move_messages([thanks], ann, other_customers=True)
    assert "next_response" not in sla(store, office, ann, later)
    assert awaiting_reply(store.conn, [ann]) == set()
    assert store.conn.execute("SELECT sla_next_response_due FROM cases WHERE id = ?",
                              (ann,)).fetchone() == (None,)
    alone, _ = desk_at(store, office, later).move_messages([thanks], None)  # on its own
    assert awaiting_reply(store.conn, [alone]) == set()


def test_a_question_moved_to_an_answered_case_waits_for_an_answer(
        store: Store, office: Settings) -> None:
    """The question starts a next-response clock there, and the queue shows the case
    waiting for an answer (it read answered: the move left the case's latest question
    where it was)."""
    ann, question = _answered_case_and_a_message_to_move(store, office,
                                                         "and my printer too?")
    later = MONDAY_4PM + timedelta(minutes=20)
    desk_at(store, office, later).move_messages([question], ann, other_customers=True)
    assert sla(store, office, ann, later)["next_response"]["state"] == "running"
    assert awaiting_reply(store.conn, [ann]) == {ann}


def test_the_daemon_works_out_stored_clocks_again_once_after_the_rules_changed(
        store: Store, office: Settings) -> None:
    """A store from an older omnitui kept the old rules' due times (a case breached before
    its pause read "paused") until each case's next event or an `sla recompute` nobody knew
    to run."""
    from omnitui.daemon.service import Daemon
    from omnitui.services.sla_rules import KEY, RULES

    case_id = open_case(store, office, MONDAY_4PM)
    right = store.conn.execute("SELECT sla_due FROM cases WHERE id = ?", (case_id,)).fetchone()

    def older_version_wrote_it() -> None:
        with store.write() as conn:
            conn.execute("UPDATE cases SET sla_due = NULL WHERE id = ?", (case_id,))
            conn.execute("DELETE FROM store_info WHERE key = ?", (KEY,))

    def daemon_starts() -> tuple:
        daemon = Daemon(store.path, office)
        daemon.start()
        daemon.shutdown()
        return store.conn.execute("SELECT sla_due FROM cases WHERE id = ?",
                                  (case_id,)).fetchone()

    older_version_wrote_it()
    assert daemon_starts() == right
    assert store.conn.execute("SELECT actor FROM audit WHERE case_id = ? AND action ="
                              " 'case.sla_recomputed'", (case_id,)).fetchall() == [
        ("omnitui-sla",)]
    assert store.conn.execute("SELECT value FROM store_info WHERE key = ?", (KEY,)
                              ).fetchone() == (str(RULES),)
    with store.write() as conn:  # the rules are this version's now: once is enough
        conn.execute("UPDATE cases SET sla_due = NULL WHERE id = ?", (case_id,))
    assert daemon_starts() == (None,)


def test_a_thank_you_that_opens_a_pending_case_runs_its_resolution_clock_again(
        store: Store, tmp_path: Path) -> None:
    """"Thanks, that worked!" on a pending case opens it for its agent to solve, with no
    answer due; the replay did not count it as their answer, so the case stood open with
    its clocks "paused" and no due time until the next status change."""
    from omnitui.channels.email.parse import parse_email
    from omnitui.model import Draft
    from omnitui.vocabulary import THANKS_ONLY
    from tests.conftest import make_email

    office = settings_from(tmp_path, CONFIG.replace("resolution = { chat = 480 }",
                                                    "resolution = { chat = 480, email = 480 }"))

    def answer(at: datetime, text: str) -> None:
        intake_pipeline(store, office, clock=lambda: at).ingest(parse_email(make_email(
            "ann@x.example", name="Ann Smith", subject="Re: Your order", body=text,
            date=at), source=f"t{at}"))

    ann = desk_at(store, office, MONDAY_4PM).new_case(Draft(
        mode="new", channel="email", to=("ann@x.example",), subject="Your order",
        text="Your order is delayed by a day. Does the new date suit you?"))
    tuesday_10 = MONDAY_4PM + timedelta(hours=18)
    answer(tuesday_10, "Thanks, that worked!")
    assert store.conn.execute("SELECT thread_rule FROM messages WHERE case_id = ? AND"
                              " direction = 'in'", (ann,)).fetchone()[0] == THANKS_ONLY
    clocks = sla(store, office, ann, tuesday_10 + timedelta(hours=1))
    assert clocks["resolution"]["state"] == "running"  # 2 h paused: Monday 16-17, 9-10
    assert clocks["resolution"]["paused_seconds"] == 2 * 3600
    assert "next_response" not in clocks  # no answer is due on a thank-you
    status, due = store.conn.execute("SELECT status, sla_due FROM cases WHERE id = ?",
                                     (ann,)).fetchone()
    assert status == "open" and due is not None
