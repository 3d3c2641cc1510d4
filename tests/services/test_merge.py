"""Merges, splits and moves are audited and undo restores the exact before state."""

from __future__ import annotations

import pytest

from omnitui.errors import Refused
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Draft, Identifier, Status
from omnitui.services.desk import Desk
from omnitui.store.db import Store, StoreError
from tests.conftest import chat_event

TABLES = ("customers", "identities", "cases", "messages", "customer_facts", "suggestions")


def snapshot(store: Store) -> dict[str, list[tuple]]:
    """Every row of the tables a merge touches. Case versions are left out: undo bumps them
    (so stale editors fail); everything else must come back identical."""
    snap = {}
    for table in TABLES:
        cols = [c[1] for c in store.conn.execute(f"PRAGMA table_info({table})")
                if c[1] != "version"]
        snap[table] = store.conn.execute(f"SELECT {', '.join(cols)} FROM {table}"
                                         " ORDER BY rowid").fetchall()
    return snap


@pytest.fixture
def two_customers(store: Store, pipeline: Pipeline) -> tuple[int, int]:
    a = pipeline.ingest(chat_event("telegram", "1", "order A123456 missing", name="Ann Lee"))
    pipeline.ingest(chat_event("telegram", "1", "hello?", name="Ann Lee"))
    b = pipeline.ingest(chat_event("sms", "", "order A123456 ??", name="Ann Lee",
                                   identifiers=[Identifier("phone", "+14155550100",
                                                           verified=True)]))
    return a.customer_id, b.customer_id


def test_merge_customers_then_undo(store: Store, two_customers: tuple[int, int]) -> None:
    a, b = two_customers
    before = snapshot(store)
    audit_id = Desk(store, "alice").merge_customers(b, a)
    assert store.conn.execute("SELECT count(DISTINCT customer_id) FROM identities"
                              ).fetchone()[0] == 1
    assert store.conn.execute("SELECT count(*) FROM cases WHERE customer_id = ?",
                              (a,)).fetchone()[0] == 2
    assert store.conn.execute("SELECT status FROM suggestions").fetchall() == [
        ("accepted",), ("accepted",)]
    actor, action = store.conn.execute("SELECT actor, action FROM audit WHERE id = ?",
                                       (audit_id,)).fetchone()
    assert (actor, action) == ("alice", "customers.merged")
    Desk(store, "alice").undo()
    assert snapshot(store) == before
    with pytest.raises(StoreError, match="already undone"):
        Desk(store, "bob").undo(audit_id)


def test_a_merge_a_message_came_through_since_is_split_not_undone(
        store: Store, two_customers: tuple[int, int], pipeline: Pipeline) -> None:
    """Undone after the phone wrote again, the merge gave the phone back to its customer
    and left the new text the other's: on their timeline, from a number not theirs."""
    a, b = two_customers
    desk = Desk(store, "alice")
    desk.merge_customers(b, a)
    texted = pipeline.ingest(chat_event("sms", "", "any news?", identifiers=[
        Identifier("phone", "+14155550100", verified=True)]))
    with pytest.raises(StoreError) as refused:
        desk.undo()
    assert str(refused.value) == (
        f"cannot undo: message #{texted.message_id} came from +14155550100 since the merge; "
        f"split it off with its messages instead: omnitui split-customer {a} --identity "
        "+14155550100")
    assert store.conn.execute("SELECT merged_into FROM customers WHERE id = ?", (b,)
                              ).fetchone()[0] == a  # nothing half undone
    phone = store.conn.execute("SELECT id FROM identities WHERE kind = 'phone'").fetchone()[0]
    back, _ = desk.split_customer(a, [phone])
    assert store.conn.execute("SELECT customer_id FROM messages WHERE id = ?",
                              (texted.message_id,)).fetchone()[0] == back


def test_split_customer_then_undo(store: Store, pipeline: Pipeline) -> None:
    first = pipeline.ingest(chat_event("telegram", "1", "hi", name="Ann Lee"))
    pipeline.ingest(chat_event("telegram", "", "my phone", identifiers=[
        Identifier("telegram", "1", verified=True),
        Identifier("phone", "+14155550100", verified=True)]))
    # a message sent from the phone alone turns out to be the customer's husband
    husband_msg = pipeline.ingest(chat_event("sms", "", "it's Bob, different issue",
                                             identifiers=[Identifier("phone", "+14155550100",
                                                                     verified=True)]))
    before = snapshot(store)
    phone_id = store.conn.execute("SELECT id FROM identities WHERE kind = 'phone'"
                                  ).fetchone()[0]
    new_customer, audit_id = Desk(store, "alice").split_customer(first.customer_id, [phone_id])
    assert store.conn.execute("SELECT reason FROM audit WHERE id = ?", (audit_id,)).fetchone(
        )[0] == f"phone +14155550100 and 1 message split off into customer #{new_customer}"
    assert store.conn.execute("SELECT customer_id FROM messages WHERE id = ?",
                              (husband_msg.message_id,)).fetchone()[0] == new_customer
    assert store.conn.execute("SELECT customer_id FROM identities WHERE id = ?",
                              (phone_id,)).fetchone()[0] == new_customer
    Desk(store, "alice").undo()
    assert snapshot(store) == before


def test_merge_cases_then_undo(store: Store, pipeline: Pipeline) -> None:
    a = pipeline.ingest(chat_event("telegram", "1", "hi")).case_id
    b = pipeline.ingest(chat_event("telegram", "2", "same problem")).case_id
    before = snapshot(store)
    Desk(store, "carol").merge_cases([b], a, other_customers=True)[0]
    assert store.conn.execute("SELECT status, merged_into FROM cases WHERE id = ?",
                              (b,)).fetchone() == ("closed", a)
    assert store.conn.execute("SELECT count(*) FROM messages WHERE case_id = ?",
                              (a,)).fetchone()[0] == 2
    # the timeline's "joined:" says why it is in #a, not only why it joined #b
    assert store.conn.execute("SELECT thread_reason FROM messages WHERE case_id = ?"
                              " ORDER BY id DESC", (a,)).fetchone()[0] == (
        f"the customer's first conversation; case #{b} merged into #{a} by carol")
    # a reply to the merged case lands in the surviving one
    Desk(store, "carol").undo()
    assert snapshot(store) == before


def test_a_merges_history_says_which_case_each_change_is_on(store: Store,
                                                          pipeline: Pipeline) -> None:
    """H on #a said "status new → closed · merged_into - → a": as if #a were closed."""
    from omnitui.store.audit import history

    a = pipeline.ingest(chat_event("telegram", "1", "hi")).case_id
    second = pipeline.ingest(chat_event("telegram", "1", "and another thing")).message_id
    b = Desk(store, "carol").move_messages([second], None)[0]
    Desk(store, "carol").merge_cases([b], a)
    said = {what for what, _, _ in history(store.conn, case_id=a)[-1].changes}
    assert {f"cases {b} status", f"cases {b} merged_into"} <= said
    assert "status" not in said and "merged_into" not in said


def test_split_off_and_reattach_a_message(store: Store, pipeline: Pipeline) -> None:
    a = pipeline.ingest(chat_event("telegram", "1", "printer broken"))
    b = pipeline.ingest(chat_event("telegram", "1", "Also, I was charged twice on my invoice"
                                   " and would like the duplicate payment refunded"))
    assert a.case_id == b.case_id
    new_case, audit_id = Desk(store, "dave").move_messages([b.message_id], None)
    assert new_case != a.case_id
    assert store.conn.execute("SELECT reason FROM audit WHERE id = ?", (audit_id,)).fetchone(
        )[0] == f"1 message split off by dave from case #{a.case_id}"
    rule, reason = store.conn.execute("SELECT thread_rule, thread_reason FROM messages WHERE"
                                      " id = ?", (b.message_id,)).fetchone()
    assert (rule, reason) == ("split-off", f"split off by dave from case #{a.case_id}")
    read = store.conn.execute("SELECT language, intent FROM messages WHERE id = ?",
                              (b.message_id,)).fetchone()
    assert read[0] == "en"
    assert store.conn.execute("SELECT language, intent FROM cases WHERE id = ?",
                              (new_case,)).fetchone() == read  # as the queue shows and filters
    Desk(store, "dave").move_messages([b.message_id], a.case_id)
    assert store.conn.execute("SELECT case_id, thread_rule FROM messages WHERE id = ?",
                              (b.message_id,)).fetchone() == (a.case_id, "re-attached")


def test_two_customers_cases_merge_only_when_asked_and_a_merged_case_takes_no_action(
        store: Store, pipeline: Pipeline) -> None:
    """`merge-cases` made one customer's conversation a stranger's case without a word; and
    a note, a tag or a status on the merged case changed a case nobody sees."""
    a = pipeline.ingest(chat_event("telegram", "1", "hi", name="Ann Lee")).case_id
    b = pipeline.ingest(chat_event("telegram", "2", "hello", name="Ben Bo")).case_id
    desk = Desk(store, "carol")
    with pytest.raises(Refused, match=f"case #{b} is Ben Bo's and #{a} Ann Lee's"):
        desk.merge_cases([b], a)
    assert store.conn.execute("SELECT merged_into FROM cases WHERE id = ?", (b,)
                              ).fetchone()[0] is None
    desk.merge_cases([b], a, other_customers=True)
    for change in (desk.status(Status.OPEN), desk.tags("x"), desk.priority(90)):
        [result] = desk.each([b], change)
        assert not result.done
        assert result.refusal == f"case #{b} was merged into #{a}: act on #{a}"
    assert not desk.write(b, "note", "lost?").done
    assert store.conn.execute("SELECT status FROM cases WHERE id = ?", (b,)).fetchone()[0] \
        == "closed"


def test_undo_refuses_when_rows_changed_since(store: Store, pipeline: Pipeline) -> None:
    a = pipeline.ingest(chat_event("telegram", "1", "x")).case_id
    b = pipeline.ingest(chat_event("telegram", "2", "y")).case_id
    audit_id = Desk(store, "erin").merge_cases([b], a, other_customers=True)[0]
    message = store.conn.execute("SELECT id FROM messages WHERE text = 'y'").fetchone()[0]
    Desk(store, "frank").move_messages([message], None)
    with pytest.raises(StoreError, match="changed since") as refused:
        Desk(store, "erin").undo(audit_id)
    # What moved on, in words an agent reads: the row and its columns, never their values
    # (a customer's text, a dict of the row)
    assert str(refused.value) == (f"cannot undo: message #{message} changed since (case_id,"
                                  " thread_reason); undo the later change first")


def test_bad_requests_are_clear_errors(store: Store, pipeline: Pipeline) -> None:
    a = pipeline.ingest(chat_event("telegram", "1", "x"))
    with pytest.raises(StoreError, match="itself"):
        Desk(store, "x").merge_customers(a.customer_id, a.customer_id)
    with pytest.raises(StoreError, match="no customer 999"):
        Desk(store, "x").merge_customers(999, a.customer_id)
    with pytest.raises(StoreError, match="no case 999"):
        Desk(store, "x").merge_cases([999], a.case_id)[0]
    with pytest.raises(StoreError, match="no action left"):
        Desk(store, "nobody").undo()


def test_split_off_keeps_the_clock_and_accepts_the_suggestion(store: Store,
                                                              pipeline: Pipeline) -> None:
    from omnitui.channels.email.parse import parse_email
    from tests.conftest import make_email

    ann = pipeline.ingest(parse_email(make_email("ann@example.com", subject="Printer")))
    stranger = pipeline.ingest(parse_email(make_email(
        "bob@example.com", name="Bob", subject=f"Re: [#{ann.case_id}] Printer")))
    assert stranger.case_id != ann.case_id
    with pytest.raises(Refused, match=f"case #{ann.case_id} .*'s: replies there go to"):
        Desk(store, "alice").move_messages([stranger.message_id], ann.case_id)
    assert store.conn.execute("SELECT case_id FROM messages WHERE id = ?", (
        stranger.message_id,)).fetchone() == (stranger.case_id,)  # nothing moved
    case_id, _ = Desk(store, "alice").move_messages([stranger.message_id], ann.case_id,
                                                    other_customers=True)
    assert case_id == ann.case_id
    assert store.conn.execute("SELECT status FROM suggestions WHERE kind = 'attach_to_case'"
                              ).fetchone()[0] == "accepted"
    due = store.conn.execute("SELECT sla_due FROM cases WHERE id = ?",
                             (ann.case_id,)).fetchone()[0]
    new_case, _ = Desk(store, "alice").move_messages([stranger.message_id], None)
    assert store.conn.execute("SELECT sla_due, status FROM cases WHERE id = ?",
                              (new_case,)).fetchone() == (due, "open")
    assert store.conn.execute("SELECT count(*) FROM messages WHERE case_id = ?",
                              (new_case,)).fetchone()[0] == 1


def test_a_move_never_leaves_an_empty_case_in_the_queue(store: Store,
                                                        pipeline: Pipeline) -> None:
    """Moving a case's only message left the case open with nothing in it, and every
    split of all a case's messages made another: a split of all of it is refused; a case
    emptied into another is closed as merged there, and one undo opens it again."""
    a = pipeline.ingest(chat_event("telegram", "1", "printer broken"))
    b = pipeline.ingest(chat_event("telegram", "2", "and the scanner"))
    with pytest.raises(StoreError, match=f"every message of case #{b.case_id}: there is "
                                         "nothing to split it from"):
        Desk(store, "dave").move_messages([b.message_id], None)
    Desk(store, "dave").move_messages([b.message_id], a.case_id, other_customers=True)
    row = store.conn.execute("SELECT status, merged_into FROM cases WHERE id = ?",
                             (b.case_id,)).fetchone()
    assert tuple(row) == ("closed", a.case_id)
    assert f"#{b.case_id}, left empty, closed as merged into #{a.case_id}" in \
        store.conn.execute("SELECT reason FROM audit ORDER BY id DESC LIMIT 1").fetchone()[0]
    Desk(store, "dave").undo()
    row = store.conn.execute("SELECT status, merged_into FROM cases WHERE id = ?",
                             (b.case_id,)).fetchone()
    assert tuple(row) == ("new", None)


def test_an_id_an_undo_took_away_is_never_given_again(store: Store,
                                                      pipeline: Pipeline) -> None:
    """The case of a split undone came back as the next case made (and its customer as the
    next customer): `history --case` mixed two cases, and the split's redo was refused."""
    a = pipeline.ingest(chat_event("telegram", "1", "printer broken"))
    b = pipeline.ingest(chat_event("telegram", "1", "and the scanner"))
    split, _ = Desk(store, "dave").move_messages([b.message_id], None)
    undo = Desk(store, "dave").undo()
    assert store.conn.execute("SELECT count(*) FROM cases WHERE id = ?", (split,)
                              ).fetchone()[0] == 0
    other = pipeline.ingest(chat_event("telegram", "2", "my login fails"))
    assert other.new_case and other.case_id == split + 1
    assert other.customer_id != a.customer_id
    Desk(store, "dave").undo(undo)  # the split again, under its own number
    assert store.conn.execute("SELECT case_id FROM messages WHERE id = ?", (b.message_id,)
                              ).fetchone()[0] == split
    # a customer made by an action undone: its number is not given again either
    started = Desk(store, "dave").new_case(Draft("new", "email", to=("zoe@z.example",),
                                                  text="Hello", subject="Hi"))
    zoe = store.conn.execute("SELECT customer_id FROM cases WHERE id = ?", (started,)
                             ).fetchone()[0]
    Desk(store, "dave").undo()
    later = pipeline.ingest(chat_event("telegram", "3", "where is my order"))
    assert later.case_id == started + 1 and later.customer_id == zoe + 1


def test_a_suggestion_naming_a_merged_customer_names_who_they_became(
        store: Store, pipeline: Pipeline) -> None:
    ann = pipeline.ingest(chat_event("telegram", "1", "order A123456 missing", name="Ann Lee"))
    pipeline.ingest(chat_event("telegram", "2", "order A123456?", name="Ann Lee"))
    phone = pipeline.ingest(chat_event("sms", "", "order A123456 ??", name="Ann Lee",
                                       identifiers=[Identifier("phone", "+14155550100",
                                                               verified=True)]))
    before = snapshot(store)
    desk = Desk(store, "alice")
    desk.merge_customers(phone.customer_id, ann.customer_id)
    named = store.conn.execute("SELECT source_id, target_id, evidence FROM suggestions"
                               " WHERE status = 'open'").fetchall()
    assert named and phone.customer_id not in {c for row in named for c in row[:2]}
    shown = [(frozenset(row[:2]), row[2]) for row in named]  # the console's L lists them
    assert len(shown) == len(set(shown))  # not the same merge on the same evidence twice
    suggestion = store.conn.execute("SELECT id FROM suggestions WHERE status = 'open'"
                                    ).fetchone()[0]
    desk.accept_suggestion(suggestion)  # was refused: "there is no customer 3"
    assert store.conn.execute("SELECT count(DISTINCT customer_id) FROM identities"
                              ).fetchone()[0] == 1
    desk.undo()
    desk.undo()
    assert snapshot(store) == before
