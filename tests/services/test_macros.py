"""Macros change a case through the audited actions and draft text with plain values."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from omnitui.config import AgentSettings, Macro, Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.services.actions import retag
from omnitui.services.desk import Desk
from omnitui.services.macros import apply_macro, fill_template, macro_reply
from omnitui.services.routing import apply_agents
from omnitui.services.sla import SlaKeeper
from omnitui.store.agents import AgentProfile, apply_profiles
from omnitui.store.audit import last_undoable
from omnitui.store.db import Store, StoreError
from tests.conftest import chat_event

AT = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
SLA = SlaKeeper(Settings())

REFUND = Macro("Refund issued", status="solved", tags=["refund", "-needs-info"],
               priority=50.0, queue="billing", assign="me",
               reply="Hello {customer_first_name},\n\nyour refund for case #{case_id} "
                     "({subject}, {queue}) is on its way, {customer_name}.\n\n{agent}")


def new_case(pipeline: Pipeline, name: str = "Ann Lee") -> int:
    return pipeline.ingest(chat_event("telegram", "1", "where is my refund", name=name)).case_id


def case_row(store: Store, case_id: int) -> dict[str, object]:
    cur = store.conn.execute("SELECT status, pause_reason, owner, tags, priority, queue,"
                             " subject, version FROM cases WHERE id = ?", (case_id,))
    row = dict(zip([d[0] for d in cur.description], cur.fetchone(), strict=True))
    row["tags"] = json.loads(row["tags"])
    return row


def audit_rows(store: Store, case_id: int) -> list[tuple[str, str, str]]:
    return store.conn.execute("SELECT actor, action, reason FROM audit WHERE case_id = ?"
                              " AND actor = 'alice' ORDER BY id", (case_id,)).fetchall()


def test_apply_sets_every_field_audited_and_renders_the_draft(
        store: Store, pipeline: Pipeline) -> None:
    case_id = new_case(pipeline)
    with store.write() as conn:
        retag(conn, case_id, "needs-info vip", actor="bob", at=AT)
    subject = case_row(store, case_id)["subject"]
    draft = macro_reply(store.conn, case_id, REFUND, "alice")  # before: as it will be
    with store.write() as conn:
        apply_macro(conn, case_id, REFUND, agent="alice", at=AT, sla=SLA)
    row = case_row(store, case_id)
    assert (row["status"], row["owner"], row["tags"], row["priority"], row["queue"]) == (
        "solved", "alice", ["vip", "refund"], 50.0, "billing")
    assert audit_rows(store, case_id) == [
        ("alice", "case.status", "new -> solved"),
        ("alice", "case.assigned", "nobody -> alice"),
        ("alice", "case.tags", "tags: vip refund"),
        ("alice", "case.priority", "priority set to 50"),
        ("alice", "case.queue", "queue billing")]
    assert draft is not None and draft.macro == "Refund issued"  # sending applies it
    assert draft.text == (f"Hello Ann,\n\nyour refund for case #{case_id} ({subject}, "
                          "billing) is on its way, Ann Lee.\n\nalice")
    # one undo targets every event of the macro's transaction
    with store.write() as conn:
        assert len(last_undoable(conn, "alice")) == 5


def test_values_are_plain_text_never_templates(store: Store, pipeline: Pipeline) -> None:
    case_id = new_case(pipeline, name="{case_id} {{agent}} {0} {agent.__class__}")
    draft = macro_reply(store.conn, case_id, Macro(
        "hi", reply="Hi {customer_first_name} / {customer_name} / {{literal}}"), "alice")
    assert draft is not None
    assert draft.text == "Hi {case_id} / {case_id} {{agent}} {0} {agent.__class__} / {literal}"


def test_fill_template_without_a_store() -> None:
    assert fill_template("{agent}: {{x}} {queue}", {"agent": "bob", "queue": "{q}"}) == (
        "bob: {x} {q}")


def test_pending_with_reason_nobody_and_no_reply(store: Store, pipeline: Pipeline) -> None:
    case_id = new_case(pipeline)
    with store.write() as conn:
        apply_macro(conn, case_id, Macro("take", assign="bob"), agent="alice", at=AT,
                    sla=SLA)
        wait = Macro("wait", status="pending", assign="nobody", pause_reason="order number")
        apply_macro(conn, case_id, wait, agent="alice", at=AT, sla=SLA)
    assert macro_reply(store.conn, case_id, wait, "alice") is None
    row = case_row(store, case_id)
    assert (row["status"], row["pause_reason"], row["owner"]) == ("pending", "order number",
                                                                  None)
    assert [a[1:] for a in audit_rows(store, case_id)] == [
        ("case.assigned", "nobody -> bob"), ("case.status", "new -> pending (order number)"),
        ("case.assigned", "bob -> nobody")]


def test_a_macro_that_assigns_to_a_name_not_on_the_team_changes_nothing(
        store: Store, pipeline: Pipeline) -> None:
    """assign = "bbo" in the config gave the case to nobody who works (a team lead's typo,
    never said: the case left the queue, owned by a name no console has)."""
    case_id = new_case(pipeline)
    with store.write() as conn:
        apply_profiles(conn, [AgentProfile("bob", "", "", (), {}, "agent")], "2030-01-01")
    before = case_row(store, case_id)
    typo = Macro("take", status="open", assign="bbo")
    with pytest.raises(StoreError, match=r"macro 'take' assigns to 'bbo', who is not on the "
                       r"team \(did you mean bob\?\); the macro was not applied"), \
            store.write() as conn:
        apply_macro(conn, case_id, typo, agent="alice", at=AT, sla=SLA)
    assert case_row(store, case_id) == before


def test_fields_already_set_are_not_touched(store: Store, pipeline: Pipeline) -> None:
    case_id = new_case(pipeline)
    macro = Macro("solve", status="solved", assign="me", queue="billing", priority=5.0)
    with store.write() as conn:
        apply_macro(conn, case_id, macro, agent="alice", at=AT, sla=SLA)
    version = case_row(store, case_id)["version"]
    with store.write() as conn:
        apply_macro(conn, case_id, macro, agent="alice", at=AT, sla=SLA)
    assert case_row(store, case_id)["version"] == version
    assert len(audit_rows(store, case_id)) == 4


def test_a_one_change_macro_is_undone(store: Store, pipeline: Pipeline) -> None:
    case_id = new_case(pipeline)
    before = case_row(store, case_id)
    with store.write() as conn:
        apply_macro(conn, case_id, Macro("solve", status="solved"), agent="alice", at=AT,
                    sla=SLA)
    Desk(store, "alice").undo()
    after = case_row(store, case_id)
    assert {**after, "version": None} == {**before, "version": None}


def test_a_several_change_macro_is_undone_in_one_step(store: Store,
                                                      pipeline: Pipeline) -> None:
    case_id = new_case(pipeline)
    before = case_row(store, case_id)
    with store.write() as conn:
        apply_macro(conn, case_id, REFUND, agent="alice", at=AT, sla=SLA)
    Desk(store, "alice").undo()
    assert {**case_row(store, case_id), "version": None} == {**before, "version": None}


def test_an_unknown_case_changes_nothing(store: Store) -> None:
    with pytest.raises(StoreError, match="there is no case 99"), store.write() as conn:
        apply_macro(conn, 99, REFUND, agent="alice", at=AT, sla=SLA)


def test_a_macro_that_assigns_to_someone_off_the_team_is_refused(store: Store,
                                                                 pipeline: Pipeline) -> None:
    """`assign = "bobb"` gave the case to nobody on the team: it left every agent's queue,
    and only a supervisor could hand it on ("#3 is bobb's: ... ask one, or bobb")."""
    apply_agents(store, Settings(agents=[AgentSettings("alice"), AgentSettings("bob")]), AT)
    case_id = new_case(pipeline)
    desk = Desk(store, "alice")
    [typo] = desk.each([case_id], desk.macro(Macro("To Bob", assign="bobb", tags=["x"])))
    assert not typo.done and typo.refusal == (
        "macro 'To Bob' assigns to 'bobb', who is not on the team (did you mean bob?); "
        "the macro was not applied: correct its assign in the config")
    assert (case_row(store, case_id)["owner"], case_row(store, case_id)["tags"]) == (None, [])
    [right] = desk.each([case_id], desk.macro(Macro("To Bob", assign="bob")))
    assert right.done and case_row(store, case_id)["owner"] == "bob"


def test_tags_typed_with_commas_or_quotes_are_words(store: Store, pipeline: Pipeline) -> None:
    """"refund,urgent" made one tag of both, and '"vip"' a tag with its quotes."""
    case_id = new_case(pipeline)
    with store.write() as conn:
        retag(conn, case_id, 'refund,urgent "vip" ', actor="bob", at=AT)
    assert case_row(store, case_id)["tags"] == ["refund", "urgent", "vip"]
    with store.write() as conn:
        retag(conn, case_id, "-urgent, -'vip'", actor="bob", at=AT)
    assert case_row(store, case_id)["tags"] == ["refund"]


def test_a_macro_run_twice_queues_its_reply_once(store: Store, pipeline: Pipeline) -> None:
    """Run twice (a key pressed again, a script re-run), it queued the same reply twice to
    the customer: the second run is refused while the first reply has not left."""
    case_id = new_case(pipeline)
    holding = Macro("On it", reply="We are on it, {customer_first_name}.", tags=["seen"])
    desk = Desk(store, "alice")
    [first] = desk.each([case_id], desk.macro(holding))
    [again] = desk.each([case_id], desk.macro(holding))
    assert first.done and not again.done
    assert "already queued this reply" in again.refusal
    assert store.conn.execute("SELECT count(*) FROM messages WHERE case_id = ? AND"
                              " direction = 'out'", (case_id,)).fetchone() == (1,)
    with store.write() as conn:  # once it has left, running it again writes again
        conn.execute("UPDATE outbox SET status = 'sent' WHERE case_id = ?", (case_id,))
    [later] = desk.each([case_id], desk.macro(holding))
    assert later.done
