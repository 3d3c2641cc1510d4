"""The Desk: one actor's changes, per case or together, saying what changed and what was
refused; a contact logged by hand joins the customer's case like any inbound item."""

from __future__ import annotations

import sqlite3

import pytest

from omnitui.errors import Refused
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Status
from omnitui.services.desk import Desk
from omnitui.store.db import Store, set_busy_timeout
from omnitui.store.metrics import left_owner_because
from tests.conftest import chat_event


def row(store: Store, case_id: int, *columns: str) -> tuple:
    return store.conn.execute(f"SELECT {', '.join(columns)} FROM cases WHERE id = ?",
                              (case_id,)).fetchone()


@pytest.fixture
def three_cases(pipeline: Pipeline) -> list[int]:
    return [pipeline.ingest(chat_event("telegram", str(n), f"help {n}")).case_id
            for n in range(3)]


def test_each_case_on_its_own_a_refusal_stops_nothing(store: Store,
                                                       three_cases: list[int]) -> None:
    second = three_cases[1]
    Desk(store, "bob").each([second], Desk(store, "bob").claim())
    alice = Desk(store, "alice")
    results = alice.each(three_cases, alice.claim())
    assert [r.done for r in results] == [True, False, True]
    assert results[1].refusal == (f"#{second} is already bob's: bob or a supervisor can hand"
                                  " it on")
    assert [c.action for c in results[0].changes] == ["case.assigned"]
    assert [row(store, c, "owner")[0] for c in three_cases] == ["alice", "bob", "alice"]
    alice.undo()  # each its own transaction, but one command: one undo takes it all back
    assert [row(store, c, "owner")[0] for c in three_cases] == [None, "bob", None]


def test_a_claim_of_someone_elses_case_is_refused_without_waiting_for_the_lock(
        store: Store, three_cases: list[int]) -> None:
    """Ten agents claiming the same cases: the refusals need no write lock, so they neither
    wait for it nor keep the winners from it."""
    bob = Desk(store, "bob")
    bob.each(three_cases[:1], bob.claim())
    with Store(store.path) as alice_store:
        set_busy_timeout(alice_store.conn, 0.2)
        alice = Desk(alice_store, "alice")
        with store.write():  # another writer holds the lock throughout
            refused = alice.each(three_cases[:1], alice.claim())[0]
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                alice.each(three_cases[1:2], alice.claim())  # an unowned one must wait
    assert refused.refusal == (f"#{three_cases[0]} is already bob's: bob or a supervisor can"
                               " hand it on")


def test_together_is_one_undo_and_leaves_refused_cases_out(store: Store,
                                                          three_cases: list[int]) -> None:
    Desk(store, "bob").each([three_cases[1]], Desk(store, "bob").claim())
    alice = Desk(store, "alice")
    results = alice.together(three_cases, alice.claim())
    assert [r.done for r in results] == [True, False, True]
    alice.undo()  # all of it at once
    assert [row(store, c, "owner")[0] for c in three_cases] == [None, "bob", None]


def test_a_case_that_moved_on_is_refused_when_the_caller_says_what_it_read(
        store: Store, three_cases: list[int]) -> None:
    case_id = three_cases[0]
    version = row(store, case_id, "version")[0]
    desk = Desk(store, "alice")
    desk.each([case_id], desk.tags("vip"))  # someone else moved it on
    result = desk.each([case_id], desk.status(Status.SOLVED), expected_version=version)[0]
    assert not result.done and "moved on" in result.refusal
    assert row(store, case_id, "status")[0] != "solved"


def test_a_pause_needs_its_reason(store: Store, three_cases: list[int]) -> None:
    desk = Desk(store, "alice")
    result = desk.each(three_cases[:1], desk.status(Status.PENDING))[0]
    assert not result.done and "pause reason" in result.refusal


def test_a_logged_call_joins_the_customers_case_and_its_answer_is_the_first_response(
        store: Store, pipeline: Pipeline) -> None:
    """A customer who emailed, then phoned: one case; the call's answer counts as the
    first response, and the call is a synchronous item with its own raw record."""
    case_id = pipeline.ingest(chat_event("telegram", "7", "my order is late")).case_id
    store.conn.execute("INSERT INTO identities (customer_id, kind, value, created_at)"
                       " SELECT customer_id, 'phone', '+14155550123', '2026-01-01 00:00:00'"
                       " FROM cases WHERE id = ?", (case_id,))
    desk = Desk(store, "alice")
    logged, message = desk.log_contact("+1 415 555 0123", "phone",
                                       "called about the late order", minutes=6,
                                       answer="told them it ships tomorrow")
    assert logged == case_id
    channel, direction, raw = store.conn.execute(
        "SELECT m.channel, m.direction, r.body FROM messages m JOIN raw_payloads r"
        " ON r.id = m.raw_id WHERE m.id = ?", (message,)).fetchone()
    assert (channel, direction) == ("phone", "in") and b'"minutes": 6' in raw
    assert row(store, case_id, "first_response_at")[0] is not None
    answer = store.conn.execute("SELECT direction, channel FROM messages WHERE case_id = ?"
                                " ORDER BY id DESC LIMIT 1", (case_id,)).fetchone()
    assert answer == ("out", "phone")
    assert not store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0]  # already given


def test_a_contact_is_only_a_call_or_a_visit(store: Store) -> None:
    with pytest.raises(Refused, match="phone or a walk-up"):
        Desk(store, "alice").log_contact("+14155550123", "fax", "hi")
    with pytest.raises(Refused, match="not an email address or a phone number"):
        Desk(store, "alice").log_contact("my neighbour", "phone", "hi")


def test_a_case_that_went_back_to_the_queue_and_on_to_someone_else_bounced(
        store: Store, three_cases: list[int]) -> None:
    """alice -> nobody -> bob is a reassignment as alice -> bob is; alice -> nobody -> alice
    is not; the board and the report say why it left alice."""
    bounced, kept = three_cases[:2]
    alice = Desk(store, "alice")
    for case_id in (bounced, kept):
        alice.each([case_id], alice.claim())
        alice.each([case_id], alice.assign(None))
    Desk(store, "bob").each([bounced], Desk(store, "bob").claim())
    alice.each([kept], alice.claim())
    assert row(store, bounced, "reassignments")[0] == 1
    assert row(store, kept, "reassignments")[0] == 0
    assert left_owner_because(store.conn, "2000-01-01", "9999") == [("alice -> nobody", 2)]


def test_whoever_solves_a_case_nobody_had_takes_it(store: Store,
                                                   three_cases: list[int]) -> None:
    """The report counted alice's solve of an unowned case under "(none)"."""
    alice = Desk(store, "alice")
    alice.each(three_cases[:1], alice.status(Status.SOLVED))
    assert row(store, three_cases[0], "owner", "status") == ("alice", Status.SOLVED)
    undo = alice.undo()  # one undo, both
    assert row(store, three_cases[0], "owner", "status") == (None, Status.NEW)
    alice.undo(undo)  # and one redo
    assert row(store, three_cases[0], "owner", "status", "first_assigned_at") == (
        "alice", Status.SOLVED, None)  # no assignment time: it waited for nobody's claim
    root = Desk(store, "root")
    with store.write() as conn:  # solved before, by nobody: closing it takes nothing
        conn.execute("UPDATE cases SET status = 'solved' WHERE id = ?", (three_cases[2],))
    root.each(three_cases[2:], root.status(Status.CLOSED))
    assert row(store, three_cases[2], "owner") == (None,)
    bob = Desk(store, "bob")
    bob.each(three_cases[1:2], bob.assign("carol"))
    bob.each(three_cases[1:2], bob.status(Status.SOLVED))  # carol's stays carol's
    assert row(store, three_cases[1], "owner") == ("carol",)


def test_redoing_an_undo_of_several_cases_puts_them_all_back(
        store: Store, three_cases: list[int]) -> None:
    """`omnitui undo ID`, as the undo named it, put back one case of nine."""
    bob = Desk(store, "bob")
    bob.each(three_cases, bob.status(Status.SOLVED))
    undo = bob.undo()
    assert {row(store, c, "status")[0] for c in three_cases} == {Status.NEW}
    bob.undo(undo)
    assert {row(store, c, "status")[0] for c in three_cases} == {Status.SOLVED}


def test_handing_a_case_to_whoever_has_it_changes_nothing(store: Store,
                                                          three_cases: list[int]) -> None:
    """Picked from the assign picker's "erin · has it", it wrote "erin -> erin" into the
    audit log and counted a reassignment."""
    case_id = three_cases[0]
    sam = Desk(store, "sam")
    sam.each([case_id], sam.assign("erin"))
    audit = store.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    [again] = sam.each([case_id], sam.assign("erin"))
    assert again.done and again.changes == []  # "already so, nothing to change"
    assert store.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == audit
    assert row(store, case_id, "owner", "reassignments") == ("erin", 0)
