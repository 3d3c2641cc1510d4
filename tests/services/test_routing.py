"""Routing as a team lives it: a case in a push queue goes to the present agent with the
skills and room, the one with the fewest open cases; nobody free, it waits and goes out the
moment someone has room; agents who leave hand their untouched cases back; a saturated queue
overflows to its fallback; a case handed on too often escalates, once. Real store, real
config file, the Desk every console and script acts through."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from omnitui.channels.email.parse import parse_email
from omnitui.config import AgentSettings, Settings
from omnitui.model import Status
from omnitui.services import routing
from omnitui.services.desk import Desk
from omnitui.services.intake import intake_pipeline
from omnitui.services.routing import Router, apply_agents, route_by_time
from omnitui.store import agents as agent_store
from omnitui.store.db import Store, db_time, utc_now
from omnitui.store.queries import case_detail
from omnitui.vocabulary import ROUTER, routing_story
from tests.conftest import chat_event, make_email, settings_from

CONFIG = """
[[intents]]
name = "billing"
queue = "billing"
keywords = ["invoice", "charged twice", "refund"]

[[intents]]
name = "outage"
queue = "technical"
keywords = ["down", "error"]

[[queues]]
name = "billing"
skills = ["billing"]
assign = "push"
fallback = "general"
saturated_minutes = 10
escalation = { raise_priority = 25, move_to = "billing-leads" }

[[queues]]
name = "technical"
skills = ["tech"]
assign = "pull"

[[queues]]
name = "billing-leads"
assign = "pull"

[[agents]]
name = "erin"
skills = ["billing", "tech"]
capacity = { chat = 2, email = 1 }

[[agents]]
name = "farid"
skills = ["billing"]
capacity = { chat = 2, email = 3 }

[[agents]]
name = "gus"
skills = ["tech"]

[[agents]]
name = "sam"
role = "supervisor"
"""


@pytest.fixture
def team(tmp_path: Path, store: Store) -> Settings:
    settings = settings_from(tmp_path, CONFIG)
    apply_agents(store, settings, utc_now())
    return settings


def desk(store: Store, settings: Settings, agent: str) -> Desk:
    return Desk(store, agent, settings)


def billing_email(store: Store, settings: Settings, sender: str, text: str = "my invoice "
                  "is wrong") -> int:
    event = parse_email(make_email(sender, subject="Question", body=text,
                                  date=utc_now()), source="test")
    result = intake_pipeline(store, settings).ingest(event)
    assert result.case_id is not None
    return result.case_id


def case(store: Store, case_id: int) -> dict:
    row = store.conn.execute("SELECT owner, queue, priority, status, escalations FROM cases"
                             " WHERE id = ?", (case_id,)).fetchone()
    return dict(zip(("owner", "queue", "priority", "status", "escalations"), row, strict=True))


def reasons(store: Store, case_id: int) -> list[tuple[str, str, str]]:
    return [tuple(r) for r in store.conn.execute(
        "SELECT actor, action, reason FROM audit WHERE case_id = ? AND action IN"
        " ('case.routed', 'case.waiting', 'case.assigned', 'case.queue', 'case.escalated')"
        " ORDER BY id", (case_id,))]


def test_a_new_case_goes_to_the_present_agent_with_the_skill_and_fewest_open(
        store: Store, team: Settings) -> None:
    for name in ("erin", "farid", "gus"):
        desk(store, team, name).present()
    first = billing_email(store, team, "ann@example.com")
    second = billing_email(store, team, "bo@example.com", "I was charged twice")
    owners = {case(store, first)["owner"], case(store, second)["owner"]}
    assert owners == {"erin", "farid"}  # gus lacks billing; the second goes to the other
    assert case(store, first)["queue"] == "billing"
    steps = reasons(store, second)
    assert steps[0] == ("ingest", "case.routed",
                        "billing: intent billing, says 'charged twice'")
    actor, action, why = steps[1]
    assert (actor, action) == (ROUTER, "case.assigned")
    assert why.startswith(f"to {case(store, second)['owner']}: skill billing, 0/")
    assert "email open" in why


def test_the_routing_story_ends_with_what_people_did_since(store: Store,
                                                           team: Settings) -> None:
    """Nobody was free; then root moved the case and alice took it: the case's "routed:"
    line says so, not "nobody free" under a header that reads "owner alice"."""
    case_id = billing_email(store, team, "ann@example.com")
    root = desk(store, team, "root")
    root.each([case_id], root.queue("orders"))
    alice = desk(store, team, "alice")
    alice.each([case_id], alice.claim())
    history = store.conn.execute("SELECT id, at, actor, action, reason FROM audit"
                                 " WHERE case_id = ? ORDER BY id", (case_id,)).fetchall()
    assert str(routing_story(history, utc_now())) == (
        "root moved it (queue orders) → alice assigned it (nobody → alice) · came in: billing:"
        " intent billing, says 'invoice'")  # one arrow (it read "(nobody -> alice)")


def test_nobody_present_the_case_waits_and_goes_out_when_an_agent_opens_a_console(
        store: Store, team: Settings) -> None:
    low = billing_email(store, team, "ann@example.com")
    high = billing_email(store, team, "vip@example.com")
    store.conn.execute("UPDATE cases SET priority = 90 WHERE id = ?", (high,))
    store.conn.commit()
    assert case(store, low)["owner"] is None
    assert reasons(store, low)[-1] == (ROUTER, "case.waiting",
                                       "billing: nobody free: no agent is present")
    later = utc_now() + timedelta(hours=2)  # as it was then: the story says when
    assert str(routing_story(case_detail(store.conn, low).history, later)).endswith(
        "billing: intent billing, says 'invoice' → nobody free: no agent is present (2h ago)")
    desk(store, team, "erin").present()  # email capacity 1: the higher priority comes first
    assert case(store, high)["owner"] == "erin"
    assert case(store, low)["owner"] is None


def test_an_agent_back_gets_all_they_have_room_for_a_few_to_a_transaction(
        store: Store, team: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """A team coming back (the daemon restarted, thirty consoles opening) is given the
    waiting cases a few to a transaction, so other writers get the lock between them."""
    monkeypatch.setattr(routing, "GIVE_AT_ONCE", 1)
    waiting = [billing_email(store, team, f"c{n}@example.com") for n in range(4)]
    desk(store, team, "farid").present()  # room for 3 emails
    owners = [case(store, case_id)["owner"] for case_id in waiting]
    assert owners.count("farid") == 3
    tokens = store.conn.execute("SELECT count(DISTINCT txn) FROM audit WHERE"
                                " action = 'case.assigned'").fetchone()[0]
    assert tokens == 3


def test_a_solved_case_makes_room_at_once_and_undo_leaves_the_new_assignment(
        store: Store, team: Settings) -> None:
    erin = desk(store, team, "erin")
    erin.present()
    first = billing_email(store, team, "ann@example.com")
    second = billing_email(store, team, "bo@example.com")
    assert case(store, first)["owner"] == "erin"
    assert case(store, second)["owner"] is None  # erin has room for one email
    erin.each([first], erin.status(Status.SOLVED))
    assert case(store, second)["owner"] == "erin"  # at once, not at a sweep
    erin.undo()  # her solve is taken back; the router's assignment is its own
    assert case(store, first)["status"] == "new"
    assert case(store, second)["owner"] == "erin"


def test_away_gets_nothing_and_available_gets_the_waiting_case(store: Store,
                                                               team: Settings) -> None:
    erin = desk(store, team, "erin")
    erin.present()
    erin.set_away(True)
    assert erin.away()
    waiting = billing_email(store, team, "ann@example.com")
    assert case(store, waiting)["owner"] is None
    erin.set_away(False)
    assert case(store, waiting)["owner"] == "erin"


def test_a_supervisor_present_is_given_nothing_but_takes_a_case_by_hand(
        store: Store, team: Settings) -> None:
    """Opening the supervisor's board handed them thirty cases."""
    apply_agents(store, replace(team, agents=[*team.agents, AgentSettings(
        "vera", skills=["billing"], capacity={"email": 10}, role="supervisor")]), utc_now())
    vera = desk(store, team, "vera")
    vera.present()
    waiting = billing_email(store, team, "ann@example.com")
    assert case(store, waiting)["owner"] is None
    [taken] = vera.each([waiting], vera.claim())
    assert taken.done and case(store, waiting)["owner"] == "vera"


def test_a_pull_queue_is_left_to_the_agents(store: Store, team: Settings) -> None:
    desk(store, team, "gus").present()
    result = intake_pipeline(store, team).ingest(chat_event("telegram", "t1", "site is down"))
    assert case(store, result.case_id)["queue"] == "technical"
    assert case(store, result.case_id)["owner"] is None
    assert [a for _, a, _ in reasons(store, result.case_id)] == ["case.routed"]


def test_an_agent_gone_hands_back_only_untouched_cases(store: Store, team: Settings) -> None:
    erin = desk(store, team, "erin")
    erin.present()
    untouched = billing_email(store, team, "ann@example.com")
    erin.each([untouched], erin.status(Status.OPEN))
    touched = billing_email(store, team, "bo@example.com")
    erin.each([touched], erin.assign("erin"))
    erin.write(touched, "note", "looking into it")
    desk(store, team, "farid").present()
    later = utc_now() + timedelta(minutes=31)
    store.conn.execute("UPDATE agents SET seen_at = ? WHERE name = 'farid'",
                       (db_time(later),))
    store.conn.commit()
    moved = route_by_time(store, Router(team), later)
    assert untouched in moved and touched not in moved
    assert case(store, untouched)["owner"] == "farid"
    assert case(store, touched)["owner"] == "erin"
    assert any(why.startswith("back to routing: erin gone for 31m")
               for _, _, why in reasons(store, untouched))


def test_a_case_given_by_hand_to_someone_never_here_goes_back_saying_so(
        store: Store, team: Settings) -> None:
    """Their leaving had no moment: the reason read "zed gone for 2026y"."""
    erin = desk(store, team, "erin")
    erin.present()
    given = billing_email(store, team, "ann@example.com")
    erin.each([given], erin.assign("gus"))  # on the team, never opened a console
    moved = route_by_time(store, Router(team), utc_now() + timedelta(minutes=31))
    assert given in moved
    assert [why for _, _, why in reasons(store, given) if why.startswith("back to")] == [
        "back to routing: gus never here, nothing written on it since they got it"]


def test_a_saturated_queue_overflows_to_its_fallback_except_cases_queued_by_hand(
        store: Store, team: Settings) -> None:
    desk(store, team, "erin").present()  # room for one email: the rest wait, saturated
    billing_email(store, team, "cy@example.com")
    first = billing_email(store, team, "ann@example.com")
    by_hand = billing_email(store, team, "bo@example.com")
    sam = desk(store, team, "sam")
    sam.each([by_hand], sam.queue("billing"))
    for minutes in (5, 11):  # erin's console keeps saying she is here
        store.conn.execute("UPDATE agents SET seen_at = ? WHERE name = 'erin'",
                           (db_time(utc_now() + timedelta(minutes=minutes)),))
        store.conn.commit()
        moved = route_by_time(store, Router(team), utc_now() + timedelta(minutes=minutes))
        assert moved == ([] if minutes == 5 else [first])
    assert moved == [first]
    assert case(store, first)["queue"] == "general"
    assert case(store, by_hand)["queue"] == "billing"
    assert "billing has had nobody free for 11m (its fallback)" in reasons(store, first)[-1][2]


def test_a_surge_overflows_the_cases_that_waited_saturated_minutes_though_cases_move(
        store: Store, team: Settings) -> None:
    """Erin solved a case every few minutes and the next waiting one went to her: each
    give-out restarted the queue's clock, and in a surge 108 cases waited in a full queue
    and never fell back. A case overflows once it has itself waited `saturated_minutes`
    while the queue was full; one handed back a moment ago waits its own time."""
    start = utc_now()

    def at(minutes: int) -> datetime:  # erin's console keeps saying she is here
        store.conn.execute("UPDATE agents SET seen_at = ? WHERE name = 'erin'",
                           (db_time(start + timedelta(minutes=minutes)),))
        store.conn.commit()
        return start + timedelta(minutes=minutes)

    def acting(name: str, minutes: int) -> Desk:
        moment = at(minutes)
        return Desk(store, name, team, clock=lambda: moment)

    desk(store, team, "erin").present()  # room for one email: the rest wait, saturated
    solved, next_in_line, left, handed_back = (
        billing_email(store, team, f"{name}@example.com") for name in ("ann", "bo", "cy", "di"))
    sam = acting("sam", 1)
    sam.each([handed_back], sam.assign("farid"))
    erin = acting("erin", 5)
    erin.each([solved], erin.status(Status.SOLVED))  # the next in line goes to erin: full
    assert case(store, next_in_line)["owner"] == "erin"
    sam = acting("sam", 8)
    sam.each([handed_back], sam.assign(None))
    assert route_by_time(store, Router(team), at(11)) == [left]
    assert "billing has had nobody free for 11m (its fallback)" in reasons(store, left)[-1][2]
    assert case(store, handed_back)["queue"] == "billing"  # waited 3 minutes of its own
    assert route_by_time(store, Router(team), at(19)) == [handed_back]
    assert "billing has had nobody free for 11m" in reasons(store, handed_back)[-1][2]


def test_the_night_is_no_saturation_though_the_queue_was_full_when_the_team_left(
        store: Store, team: Settings) -> None:
    """Erin full, a case waiting: saturated. She goes home; nobody here is the night, and
    the case waits for the morning rather than falling back at the scheduler's pass."""
    desk(store, team, "erin").present()
    billing_email(store, team, "ann@example.com")
    waiting = billing_email(store, team, "bo@example.com")
    later = utc_now() + timedelta(minutes=20)  # erin's console closed long since
    assert route_by_time(store, Router(team), later) == []
    assert case(store, waiting)["queue"] == "billing"


FALLBACK_FAST = CONFIG + """
[[sla_policies]]
name = "office"
first_response = { email = 240 }

[[sla_policies]]
name = "fast"
first_response = { email = 15 }

[[queues]]
name = "general"
sla_policy = "fast"
"""


FULL_FALLBACK = CONFIG + """
[[queues]]
name = "general"
skills = ["billing"]
assign = "push"
"""  # billing's fallback, erin's too: a surge fills both


def saturated_billing(store: Store, team: Settings,
                      *senders: str) -> tuple[list[int], datetime]:
    """erin, with room for one email, given cy's; the senders' cases waiting in billing;
    and a moment 11 minutes on, erin still here, when the queue has been full long
    enough to overflow."""
    apply_agents(store, team, utc_now())
    desk(store, team, "erin").present()
    billing_email(store, team, "cy@example.com")
    waiting = [billing_email(store, team, sender) for sender in senders]
    later = (utc_now() + timedelta(minutes=11)).replace(microsecond=0)  # as stored
    store.conn.execute("UPDATE agents SET seen_at = ? WHERE name = 'erin'", (db_time(later),))
    store.conn.commit()
    return waiting, later


def test_a_case_overflowing_into_a_full_fallback_says_why_it_waits_there(
        store: Store, tmp_path: Path) -> None:
    """In a surge the fallback is full too: the case moved there waited with no word of
    it, its story ending on the move, where a case handed back or just come in says
    "general: nobody free: erin 1/1 email open"."""
    team = settings_from(tmp_path, FULL_FALLBACK)
    [waiting], later = saturated_billing(store, team, "ann@example.com")
    assert route_by_time(store, Router(team), later) == [waiting]
    assert case(store, waiting)["queue"] == "general" and case(store, waiting)["owner"] is None
    assert reasons(store, waiting)[-1] == (ROUTER, "case.waiting",
                                           "general: nobody free: erin 1/1 email open")


def test_the_fallback_queues_prepared_macro_is_drafted_and_its_article_leads(
        store: Store, tmp_path: Path) -> None:
    from omnitui.services.kb import refresh, suggest_for
    from omnitui.store import drafts

    articles = tmp_path / "kb"
    articles.mkdir()
    (articles / "wait.md").write_text("# While you wait\nOur billing team is busy.\n")
    (articles / "refunds.md").write_text("# Refunds\nAn invoice refund takes 5 days.\n")
    team = settings_from(tmp_path, CONFIG + f"""
[[queues]]
name = "general"
macro = "Overflow apology"
article = "wait.md"

[[macros]]
name = "Overflow apology"
tags = ["overflow"]
reply = "Sorry {{customer_first_name}}, it takes longer today."

[kb]
path = "{articles}"
""")
    apply_agents(store, team, utc_now())
    refresh(store, team.kb)
    desk(store, team, "erin").present()
    billing_email(store, team, "cy@example.com")
    first = billing_email(store, team, "ann@example.com", "my invoice refund")
    store.conn.execute("UPDATE agents SET seen_at = ? WHERE name = 'erin'",
                       (db_time(utc_now() + timedelta(minutes=11)),))
    store.conn.commit()
    assert route_by_time(store, Router(team), utc_now() + timedelta(minutes=11)) == [first]
    kept = drafts.load(store.conn, "", first, "reply")
    assert kept is not None and kept[0].text == "Sorry Ann, it takes longer today."
    assert case(store, first)["queue"] == "general"  # the macro waits for an agent to send
    assert [a.title for a in suggest_for(store.conn, first, team.queues)] == [
        "While you wait", "Refunds"]
    assert [a.title for a in suggest_for(store.conn, first)] == ["Refunds"]


def test_a_case_handed_on_too_often_escalates_once(store: Store, team: Settings) -> None:
    case_id = billing_email(store, team, "ann@example.com")
    sam = desk(store, team, "sam")
    for owner in ("erin", "farid", "erin", "farid", "erin"):
        sam.each([case_id], sam.assign(owner))
    escalations = [r for r in reasons(store, case_id) if r[1] == "case.escalated"]
    assert escalations == [(ROUTER, "case.escalated",
                            "reassigned 3 times: priority +25, to billing-leads")]
    assert case(store, case_id)["queue"] == "billing-leads"


def test_a_reopened_case_goes_back_to_routing_when_its_owner_is_away(
        store: Store, team: Settings) -> None:
    erin, farid = desk(store, team, "erin"), desk(store, team, "farid")
    erin.present()
    case_id = billing_email(store, team, "ann@example.com")
    assert case(store, case_id)["owner"] == "erin"
    erin.each([case_id], erin.status(Status.SOLVED))
    erin.set_away(True)
    farid.present()
    event = parse_email(make_email("ann@example.com", subject="Re: Question",
                                   body="still wrong"), source="test")
    assert intake_pipeline(store, team).ingest(event).reopened
    assert case(store, case_id)["owner"] == "farid"
    assert any("reopened while erin is away" in why for _, _, why in reasons(store, case_id))


def test_outside_her_shift_an_agent_gets_nothing(store: Store, tmp_path: Path) -> None:
    settings = settings_from(tmp_path, CONFIG.replace(
        'name = "farid"', 'name = "farid"\nhours = { mon = ["09:00-10:00"] }\n'
                          'time_zone = "UTC"'))
    apply_agents(store, settings, utc_now())
    farid = Desk(store, "farid", settings)
    farid.present()
    router = Router(settings)
    monday_9 = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    me = agent_store.agent(store.conn, "farid")
    assert me is not None
    assert router.present(me, monday_9)  # his console runs, and it is his shift
    assert not router.present(me, monday_9 + timedelta(hours=1))
    rows = {r["agent"]: r["state"] for r in router.roster(store.conn,
                                                          monday_9 + timedelta(hours=1))}
    assert rows["farid"] == "off shift"


def test_a_split_routing_gave_out_is_undone_with_its_routing(store: Store,
                                                             team: Settings) -> None:
    """The split-off case went to an agent by routing, a change the agent cannot undo:
    the undo of the split was refused for good, and every older undo behind it."""
    erin = desk(store, team, "erin")
    erin.present()
    case_id = billing_email(store, team, "ann@example.com")
    second = billing_email(store, team, "ann@example.com", "and I was charged twice")
    assert second == case_id and case(store, case_id)["owner"] == "erin"
    desk(store, team, "farid").present()
    message = store.conn.execute("SELECT max(id) FROM messages").fetchone()[0]
    split_to, _ = erin.move_messages([message], None)
    assert case(store, split_to)["owner"] == "farid"  # routing gave it out
    erin.undo()
    assert store.conn.execute("SELECT case_id FROM messages WHERE id = ?",
                              (message,)).fetchone()[0] == case_id
    assert store.conn.execute("SELECT count(*) FROM cases WHERE id = ?",
                              (split_to,)).fetchone()[0] == 0


def test_a_teams_first_import_keeps_to_each_agents_capacity(store: Store,
                                                            team: Settings) -> None:
    """A first bulk load counts the board's tallies only at its end: routing read "0 open"
    at every case, and gave one agent every case of the team's old mailbox."""
    from collections import Counter

    from omnitui.channels.email.sources import MailFile
    from omnitui.importer import import_mail

    for name in ("erin", "farid"):
        desk(store, team, name).present()
    mail = [MailFile(f"m{n}", make_email(f"c{n}@example.com", subject="Question",
                                         date=utc_now(), body="my invoice is wrong"))
            for n in range(8)]
    import_mail(store, team, iter(mail), workers=0)
    owners = Counter(owner for owner, in store.conn.execute("SELECT owner FROM cases"))
    assert owners == {"erin": 1, "farid": 3, None: 4}  # email capacity 1 and 3


def test_a_message_dated_hours_ago_is_routed_by_who_is_here_now(store: Store,
                                                                 team: Settings) -> None:
    """A platform's backlog sent with its original times: an agent gone for half an hour
    counted as present as of the message, and was given the case ("last given 2h ago")."""
    desk(store, team, "farid").present()
    store.conn.execute("UPDATE agents SET seen_at = ? WHERE name = 'farid'",
                       (db_time(utc_now() - timedelta(minutes=30)),))
    store.conn.commit()
    event = parse_email(make_email("ann@example.com", subject="Question", body="my invoice",
                                   date=utc_now() - timedelta(hours=2)), source="test")
    case_id = intake_pipeline(store, team).ingest(event).case_id
    assert case(store, case_id)["owner"] is None
    assert reasons(store, case_id)[-1] == (ROUTER, "case.waiting",
                                           "billing: nobody free: no agent is present")
    routed_at, received_at = store.conn.execute(
        "SELECT max(a.at), max(m.received_at) FROM audit a, messages m WHERE a.case_id = ?"
        " AND m.case_id = a.case_id AND a.action = 'case.waiting'", (case_id,)).fetchone()
    assert routed_at >= received_at  # the history in the order it happened


def test_a_case_overflowing_to_its_fallback_runs_under_the_fallbacks_policy(
        store: Store, tmp_path: Path) -> None:
    """The scheduler's move kept the billing policy's due times and alarms until they
    fired, while the case's SLA line read the fallback's."""
    from omnitui.services.upkeep import Upkeep, finish_due

    team = settings_from(tmp_path, FALLBACK_FAST)
    [waiting], later = saturated_billing(store, team, "ann@example.com")
    assert route_by_time(store, Router(team), later) == [waiting]
    finish_due(store, Upkeep(team))  # the scheduler's next step, in the same pass
    assert store.conn.execute("SELECT queue, sla_policy FROM cases WHERE id = ?",
                              (waiting,)).fetchone() == ("general", "fast")
    assert Desk(store, "sam", team).recompute_sla(None, dry_run=True).changed == {}


def test_a_case_moved_to_another_queue_takes_its_policy_in_the_move_itself(
        store: Store, tmp_path: Path) -> None:
    """Routing's move to the fallback read "sla_policy office → -" in the case's history,
    the policy as if lost, and its clocks kept the old queue's due times until the
    scheduler's next upkeep pass; a move by hand and an escalation read the same. The move
    names the new queue's policy, its clocks replayed under it in the same transaction."""
    from omnitui.store.audit import history

    team = settings_from(tmp_path, FALLBACK_FAST)
    [waiting, by_hand], later = saturated_billing(store, team, "ann@example.com",
                                                  "bo@example.com")
    sam = desk(store, team, "sam")
    sam.each([by_hand], sam.queue("general"))
    assert route_by_time(store, Router(team), later) == [waiting]

    def moves(case_id: int) -> list[tuple[str, object, object]]:
        return [change for entry in history(store.conn, case_id=case_id)
                if entry.action == "case.queue" for change in entry.changes
                if change[0] == "sla_policy"]

    for case_id in (waiting, by_hand):
        assert moves(case_id) == [("sla_policy", "office", "fast")]
    assert Desk(store, "sam", team).recompute_sla(None, dry_run=True).changed == {}


def test_an_escalation_by_hand_goes_along_the_queues_path(store: Store,
                                                          tmp_path: Path) -> None:
    """`E` raised a fixed 20 and stayed put, whatever the queue's escalation said; a case
    escalated into a leads queue stayed with an agent who lacked its skill, snoozed."""
    team = settings_from(tmp_path, CONFIG.replace(
        'name = "billing-leads"\nassign = "pull"',
        'name = "billing-leads"\nskills = ["lead"]\nassign = "pull"'))
    apply_agents(store, team, utc_now())
    desk(store, team, "farid").present()
    case_id = billing_email(store, team, "ann@example.com")
    farid = desk(store, team, "farid")
    farid.each([case_id], farid.snooze(utc_now() + timedelta(days=1)))
    before = case(store, case_id)
    assert before["owner"] == "farid"
    farid.each([case_id], farid.escalate())
    after = case(store, case_id)
    assert (after["queue"], after["owner"]) == ("billing-leads", None)
    assert after["priority"] >= before["priority"] + 25  # billing's raise_priority
    assert store.conn.execute("SELECT snoozed_until FROM cases WHERE id = ?",
                              (case_id,)).fetchone() == (None,)
    assert [r for r in reasons(store, case_id) if r[0] == "farid"][-2:] == [
        ("farid", "case.escalated", "severity 0 -> 1, priority +25, to billing-leads"),
        ("farid", "case.assigned",
         "escalated to billing-leads, which asks for lead: farid has not")]


def test_the_routing_story_tells_the_queue_and_the_owner_first_escalations_in_one(
        store: Store, tmp_path: Path) -> None:
    """It kept the first step and the last two: two escalations pushed out the move to the
    fallback, and a case waiting in "general" read "…risk: 1m left: priority +20 → first
    response breached: priority +20", saying neither why it was there nor why nobody had
    it."""
    team = settings_from(tmp_path, FULL_FALLBACK)
    [waiting], later = saturated_billing(store, team, "ann@example.com")
    route_by_time(store, Router(team), later)
    with store.write() as conn:
        for trigger, why in (("first_response:risk", "first response at risk: 1m left"),
                             ("first_response:breached", "first response breached")):
            Router(team).escalate(conn, waiting, trigger, why, later)
    assert str(routing_story(case_detail(store.conn, waiting).history, later)) == (
        "general: billing has had nobody free for 11m (its fallback) → nobody free: erin 1/1"
        " email open (0s ago) · escalated 2 times (first response breached) · came in:"
        " billing: intent billing, says 'invoice'")


def test_the_routing_story_leaves_out_what_was_undone(store: Store, team: Settings) -> None:
    """Handed on and the handover undone, the case still read "alice assigned it (alice ->
    bob)" under "owner alice"; a redo puts it back."""
    from omnitui.store.queries import case_detail
    case_id = billing_email(store, team, "ann@example.com")
    sam = desk(store, team, "sam")
    sam.each([case_id], sam.assign("erin"))
    sam.each([case_id], sam.assign("farid"))
    assert str(routing_story(case_detail(store.conn, case_id).history, utc_now())).endswith(
        "sam assigned it (erin → farid)")
    undo = sam.undo()
    assert str(routing_story(case_detail(store.conn, case_id).history, utc_now())).endswith(
        "sam assigned it (nobody → erin)")
    assert store.conn.execute("SELECT action, reason FROM audit WHERE id = ?", (undo,)
                              ).fetchone() == ("undo case.assigned",  # shown "the undo of an
                                               f"takes back audit event {undo - 1}")  # assign-
    # ment: takes back audit event 5064", not "undo of audit event 5064"
    sam.undo(undo)  # the redo
    assert str(routing_story(case_detail(store.conn, case_id).history, utc_now())).endswith(
        "sam assigned it (erin → farid)")


SPEAKERS = CONFIG.replace('name = "farid"\n', 'name = "farid"\nlanguages = ["de", "en"]\n')
GERMAN = ("Guten Tag, Sie haben mir die Rechnung doppelt abgebucht. Ich möchte bitte einen "
          "refund, vielen Dank.")
FRENCH = "Bonjour, vous m'avez facturé deux fois. Je voudrais un refund, merci beaucoup."


def speakers(tmp_path: Path, store: Store, extra: str = "") -> Settings:
    """The team with farid speaking German (erin comes first on a tie: her name)."""
    settings = settings_from(tmp_path, extra + SPEAKERS)
    apply_agents(store, settings, utc_now())
    return settings


def routed_to(store: Store, case_id: int) -> tuple[str | None, str]:
    """The case's owner, and the router's last word on it."""
    last = [why for actor, _, why in reasons(store, case_id) if actor == ROUTER][-1]
    return case(store, case_id)["owner"], last


def test_a_case_goes_to_a_free_agent_who_speaks_its_language_first(
        tmp_path: Path, store: Store) -> None:
    team = speakers(tmp_path, store)
    for name in ("erin", "farid"):
        desk(store, team, name).present()
    german = billing_email(store, team, "jonas@example.de", GERMAN)
    assert store.conn.execute("SELECT language FROM cases WHERE id = ?",
                              (german,)).fetchone()[0] == "de"
    assert routed_to(store, german) == (
        "farid", "to farid: skill billing, speaks de, 0/3 email open, not given a case yet")
    # nobody on the team speaks French: routed as before, the language unsaid
    french = billing_email(store, team, "anne@example.fr", FRENCH)
    assert routed_to(store, french) == (
        "erin", "to erin: skill billing, 0/1 email open, not given a case yet")


def test_with_no_speaker_free_the_case_goes_to_another_saying_so(
        tmp_path: Path, store: Store) -> None:
    team = speakers(tmp_path, store)
    desk(store, team, "erin").present()  # farid is not here
    german = billing_email(store, team, "jonas@example.de", GERMAN)
    assert routed_to(store, german) == (
        "erin", "to erin: skill billing, nobody free speaks de, 0/1 email open, "
                "not given a case yet")


def test_require_lets_a_case_wait_for_a_speaker_who_gets_it_on_coming_in(
        tmp_path: Path, store: Store) -> None:
    team = speakers(tmp_path, store, '[routing]\nlanguage = "require"\n\n')
    desk(store, team, "erin").present()
    german = billing_email(store, team, "jonas@example.de", GERMAN)
    assert routed_to(store, german) == (
        None, "billing: nobody free: no agent present has skill billing and speaks de")
    french = billing_email(store, team, "anne@example.fr", FRENCH)  # nobody speaks it:
    assert case(store, french)["owner"] == "erin"  # routed as ever
    desk(store, team, "farid").present()  # waiting cases are not forgotten: his
    assert routed_to(store, german) == (
        "farid", "to farid: skill billing, speaks de, 0/3 email open, not given a case yet")


def test_waiting_cases_given_out_go_to_the_speaker_of_their_language(
        tmp_path: Path, store: Store) -> None:
    """The daemon's pass, with erin and farid both here and free: the German case that
    waited the night goes to farid, not to erin, whom a tie would give it."""
    team = speakers(tmp_path, store)
    german = billing_email(store, team, "jonas@example.de", GERMAN)
    assert case(store, german)["owner"] is None  # nobody here yet
    with store.write() as conn:
        for name in ("erin", "farid"):
            agent_store.mark_seen(conn, name, db_time(utc_now()))
    assert route_by_time(store, Router(team), utc_now()) == [german]
    assert routed_to(store, german) == (
        "farid", "to farid: skill billing, speaks de, 0/3 email open, not given a case yet")


def test_require_with_every_speaker_full_is_saturation_and_overflows_to_the_fallback(
        tmp_path: Path, store: Store) -> None:
    """erin has room but speaks no German: the German case waits for farid, who is full,
    and after `saturated_minutes` goes to the queue's fallback, as a case nobody is free
    for does."""
    team = speakers(tmp_path, store, '[routing]\nlanguage = "require"\n\n')
    for name in ("erin", "farid"):
        desk(store, team, name).present()
    taken = [billing_email(store, team, f"kunde{n}@example.de", GERMAN) for n in range(3)]
    assert {case(store, case_id)["owner"] for case_id in taken} == {"farid"}  # 3/3 email
    waiting = billing_email(store, team, "jonas@example.de", GERMAN)
    assert routed_to(store, waiting) == (
        None, "billing: nobody free who speaks de: farid 3/3 email open")
    later = utc_now() + timedelta(minutes=11)
    store.conn.execute("UPDATE agents SET seen_at = ?", (db_time(later),))
    store.conn.commit()
    assert waiting in route_by_time(store, Router(team), later)
    assert case(store, waiting)["queue"] == "general"
