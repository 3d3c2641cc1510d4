"""Replies into the outbox: addressing, email threading, undo until sent, new cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from omnitui.channels.email.parse import parse_email
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Draft
from omnitui.services.desk import Desk
from omnitui.services.files import save_attachments
from omnitui.services.merge import resolve_link
from omnitui.services.outbound import queue_draft, reachable_channels, start_case, start_draft
from omnitui.store import outbox
from omnitui.store.db import Store, StoreError, db_time, utc_now
from omnitui.store.queries import case_detail
from tests.conftest import as_of_schema, make_email


def ingest_email(pipeline: Pipeline, **kwargs: object) -> int:
    result = pipeline.ingest(parse_email(make_email(**kwargs)))  # type: ignore[arg-type]
    assert result.case_id is not None
    return result.case_id


def queued(store: Store, case_id: int, draft: Draft) -> int:
    with store.write() as conn:
        return queue_draft(conn, case_id, draft, author="alice", at=utc_now())


def outbox_row(store: Store, message_id: int) -> dict:
    row = outbox.row_of_message(store.conn, message_id)
    assert row is not None
    return row


def test_a_reply_goes_to_the_sender_threaded_under_their_message(store: Store,
                                                                 pipeline: Pipeline) -> None:
    case_id = ingest_email(pipeline, subject="Broken invoice", message_id="first@example.com",
                           references="<older@example.com>")
    draft = start_draft(store.conn, case_id, "reply")
    assert (draft.to, draft.cc, draft.subject) == (("ann@example.com",), (),
                                                  "Re: Broken invoice")
    message_id = queued(store, case_id, Draft(**{**draft.__dict__, "text": "Fixed it."}))
    row = outbox_row(store, message_id)
    assert row["status"] == "queued"
    assert json.loads(row["recipients"]) == {"to": ["ann@example.com"], "cc": []}
    sent = store.conn.execute("SELECT thread_key, parent_keys, direction FROM messages"
                              " WHERE id = ?", (message_id,)).fetchone()
    assert sent[0] and "@" in sent[0]  # the Message-ID, fixed at queue time
    assert json.loads(sent[1]) == ["older@example.com", "first@example.com"]
    assert sent[2] == "out"
    # the customer's answer to our reply threads into the same case by In-Reply-To
    answer = ingest_email(pipeline, subject="Re: Broken invoice", in_reply_to=sent[0],
                          sender="ann.other@example.net", name="Ann")
    assert answer == case_id


def test_a_reply_goes_where_the_mail_asks_unless_a_list_asks_it(store: Store,
                                                                 pipeline: Pipeline) -> None:
    """A web form sends from its no-reply address with the person's in Reply-To: replies
    went to the form. A mailing list's Reply-To is the list: not there."""
    form = ingest_email(pipeline, sender="noreply@site.example", name="Website Form",
                        headers={"Reply-To": "Paula Page <paula@cust.example>"})
    assert start_draft(store.conn, form, "reply").to == ("paula@cust.example",)
    two = ingest_email(pipeline, sender="noreply@site.example", name="Website Form",
                       headers={"Reply-To": "Hank <hank@cust.example>, ivy@cust.example"})
    assert start_draft(store.conn, two, "reply").to == ("hank@cust.example",
                                                        "ivy@cust.example")  # as clients do
    ours = ingest_email(pipeline, sender="noreply@site.example", name="Website Form",
                        headers={"Reply-To": "Support <support@example.com>"})
    with pytest.raises(StoreError, match=r"support@example\.com is our own mailbox"):
        start_draft(store.conn, ours, "reply", own_addresses=frozenset({"SUPPORT@example.com"}))
    claims = store.conn.execute("SELECT value FROM claims ORDER BY id").fetchall()
    assert [c[0] for c in claims][-3:-1] == ["hank@cust.example", "ivy@cust.example"]
    listed = ingest_email(pipeline, sender="zed@example.net", name="Zed",
                          headers={"Reply-To": "users@lists.example",
                                   "List-Id": "<users.lists.example>"})
    assert start_draft(store.conn, listed, "reply").to == ("zed@example.net",)


def test_reply_all_copies_everyone_else_but_not_us(store: Store, pipeline: Pipeline) -> None:
    case_id = ingest_email(pipeline, headers={"Cc": "Bob <bob@example.com>, support@example.com"})
    draft = start_draft(store.conn, case_id, "reply_all",
                        own_addresses=frozenset({"SUPPORT@example.com"}))
    assert draft.to == ("ann@example.com",) and draft.cc == ("bob@example.com",)


def test_reply_all_copies_a_colleague_who_answered_in_the_thread(store: Store,
                                                                 pipeline: Pipeline) -> None:
    """Ann copied Pedro; Ann wrote again, then Pedro answered in the thread ("send the
    credit note to me"): a reply to all goes to Ann, with Pedro and those they copied."""
    case_id = ingest_email(pipeline, message_id="ann-1@example.com",
                           headers={"Cc": "Pedro <pedro@example.com>, finance@example.com"})
    assert ingest_email(pipeline, message_id="ann-2@example.com",
                        in_reply_to="ann-1@example.com") == case_id
    assert ingest_email(pipeline, sender="pedro@example.com", name="Pedro",
                        in_reply_to="ann-1@example.com",
                        headers={"Cc": "Ann <ann@example.com>, Ops <ops@example.com>"}
                        ) == case_id
    draft = start_draft(store.conn, case_id, "reply_all",
                        own_addresses=frozenset({"support@example.com"}))
    assert draft.to == ("ann@example.com",)
    assert draft.cc == ("pedro@example.com", "ops@example.com")
    assert start_draft(store.conn, case_id, "reply").cc == ()


def test_undo_takes_a_queued_reply_back_but_not_a_sent_one(store: Store,
                                                           pipeline: Pipeline) -> None:
    case_id = ingest_email(pipeline)
    draft = start_draft(store.conn, case_id, "reply")
    first = queued(store, case_id, Draft(**{**draft.__dict__, "text": "Oops, wrong case"}))
    Desk(store, "alice").undo()
    assert outbox.row_of_message(store.conn, first) is None
    assert all(m.id != first for m in case_detail(store.conn, case_id).messages)

    second = queued(store, case_id, Draft(**{**draft.__dict__, "text": "Right answer"}))
    with store.write() as conn:
        outbox.mark_sent(conn, outbox_row(store, second)["id"], at=db_time(utc_now()))
    with pytest.raises(StoreError, match="cannot undo"):
        Desk(store, "alice").undo()
    shown = next(m for m in case_detail(store.conn, case_id).messages if m.id == second)
    assert shown.delivery == "sent" and "ann@example.com" in shown.delivery_note


def test_a_failure_shows_on_the_timeline(store: Store, pipeline: Pipeline) -> None:
    case_id = ingest_email(pipeline)
    draft = start_draft(store.conn, case_id, "reply")
    message_id = queued(store, case_id, Draft(**{**draft.__dict__, "text": "Hi"}))
    with store.write() as conn:
        outbox.mark_failed(conn, outbox_row(store, message_id)["id"],
                           "550 mailbox unavailable", at=db_time(utc_now()), retry_at=None)
    shown = next(m for m in case_detail(store.conn, case_id).messages if m.id == message_id)
    assert shown.delivery == "failed" and "550 mailbox unavailable" in shown.delivery_note


def test_forward_quotes_the_message_and_carries_its_attachments(store: Store,
                                                               pipeline: Pipeline) -> None:
    case_id = ingest_email(pipeline, body="The PDF is attached",
                           attachment=("invoice.pdf", b"%PDF-1.4 test"))
    draft = start_draft(store.conn, case_id, "forward")
    assert draft.to == () and draft.subject.startswith("Fwd:")
    assert "Forwarded message" in draft.quoted and "The PDF is attached" in draft.quoted
    assert "From: Ann Lee <ann@example.com>" in draft.quoted  # one can write back to them
    assert len(draft.attachment_ids) == 1
    with pytest.raises(StoreError, match="no recipient"):
        queued(store, case_id, Draft(**{**draft.__dict__, "text": "FYI"}))
    message_id = queued(store, case_id, Draft(**{**draft.__dict__, "text": "FYI",
                                                 "to": ("billing@example.org",)}))
    row = outbox_row(store, message_id)
    assert json.loads(row["attachment_ids"]) == list(draft.attachment_ids)
    [source] = store.conn.execute("SELECT id FROM messages WHERE case_id = ? AND direction"
                                  " = 'in'", (case_id,)).fetchone()
    assert draft.about == f"#{source} from Ann Lee"  # the composer's title names it
    Desk(store, "alice").write(case_id, "note", "Bank says Tuesday. @bob fyi")
    [note] = store.conn.execute("SELECT max(id) FROM messages WHERE direction = 'note'"
                                ).fetchone()
    with pytest.raises(StoreError, match=r"is an internal note: notes are never forwarded"):
        start_draft(store.conn, case_id, "forward", message_id=note)  # it went to a supplier
    # a forward answers nobody: the customer still waits for a first response
    assert store.conn.execute("SELECT first_response_at, last_answered_at, agent_replies"
                              " FROM cases WHERE id = ?", (case_id,)).fetchone() == (
        None, None, 0)  # nor an agent's reply: forwarded once and solved, it read as
    # resolved at first contact
    # billing answers the forward: it joins the case, and the next reply still goes to the
    # customer, threaded under the customer's message, not to billing
    [forwarded] = store.conn.execute("SELECT thread_key FROM messages WHERE id = ?",
                                     (message_id,)).fetchone()
    assert ingest_email(pipeline, sender="billing@example.org", name="Billing",
                        subject="Re: Fwd", in_reply_to=forwarded, body="Refund done") == case_id
    reply = start_draft(store.conn, case_id, "reply")
    assert reply.to == ("ann@example.com",)


def test_an_internal_note_never_reaches_the_outbox(store: Store, pipeline: Pipeline) -> None:
    case_id = ingest_email(pipeline)
    note = start_draft(store.conn, case_id, "note")
    message_id = queued(store, case_id, Draft(**{**note.__dict__, "text": "VIP, be nice"}))
    assert outbox.row_of_message(store.conn, message_id) is None
    with pytest.raises(StoreError, match="empty"):
        queued(store, case_id, note)


def test_a_new_outbound_case_finds_or_creates_the_customer(store: Store,
                                                           pipeline: Pipeline) -> None:
    known_case = ingest_email(pipeline)
    with store.write() as conn:
        case_id, message_id = start_case(
            conn, Draft("new", "email", "Your order shipped", to=("ANN@example.com",),
                        subject="Shipping"), author="alice", at=utc_now(),
            default_queue="general", phone_region="US")
        other_case, texted = start_case(
            conn, Draft("new", "sms", "Call us back", to=("(415) 555-0100",)),
            author="alice", at=utc_now(), default_queue="general", phone_region="US")
    detail = case_detail(store.conn, case_id)  # it waits on their answer, as our own mail
    assert (detail.case.owner, detail.case.status, detail.case.pause_reason) == (
        "alice", "pending", "their answer to our mail")
    assert case_detail(store.conn, other_case).case.pause_reason == "their answer to our message"
    assert case_detail(store.conn, other_case).case.subject == "Call us back"  # the queue
    # showed "(no subject)": a text message's case takes its first line
    assert detail.customer.id == case_detail(store.conn, known_case).customer.id
    assert ("phone", "+14155550100") in case_detail(store.conn, other_case).customer.identities
    assert outbox_row(store, message_id)["status"] == "queued"
    # Twilio is given the number, not "(415) 555-0100" as typed (it sent that as To)
    assert json.loads(outbox_row(store, texted)["recipients"]) == {"to": ["+14155550100"]}
    with pytest.raises(StoreError, match="not a usable"), store.write() as conn:
        start_case(conn, Draft("new", "email", "x", to=("not-an-address",)), author="alice",
                   at=utc_now(), default_queue="general", phone_region="US")


def test_linking_an_address_lets_replies_use_another_channel(store: Store,
                                                             pipeline: Pipeline) -> None:
    case_id = ingest_email(pipeline)
    customer_id = case_detail(store.conn, case_id).customer.id
    assert reachable_channels(store.conn, customer_id) == ["email"]
    verb, key = resolve_link(store.conn, customer_id, "+1 415 555 0100", "US")
    assert verb == "link"
    Desk(store, "alice").link(customer_id, key)  # type: ignore[arg-type]
    assert reachable_channels(store.conn, customer_id) == ["email", "sms", "whatsapp"]
    assert start_draft(store.conn, case_id, "reply", channel="whatsapp").to == ("+14155550100",)
    # the number as Twilio writes a WhatsApp sender is that phone number, not a handle that
    # nobody writes from (their next WhatsApp message opened a new customer)
    with pytest.raises(StoreError, match="already this customer's"):
        resolve_link(store.conn, customer_id, "whatsapp:+14155550100", "US")
    with pytest.raises(StoreError, match="already this customer's"):
        resolve_link(store.conn, customer_id, "ann@example.com", "US")
    with pytest.raises(StoreError, match=f"#{customer_id} is this customer"):
        resolve_link(store.conn, customer_id, f"#{customer_id}", "US")  # said as it is typed
    other = ingest_email(pipeline, sender="zed@example.com", name="Zed")
    other_customer = case_detail(store.conn, other).customer.id
    assert resolve_link(store.conn, customer_id, "zed@example.com", "US") == (
        "merge", other_customer)
    assert resolve_link(store.conn, customer_id, f"#{other_customer}", "US") == (
        "merge", other_customer)
    Desk(store, "alice").undo()
    assert reachable_channels(store.conn, customer_id) == ["email"]


def test_saving_attachments_never_escapes_the_folder(store: Store, pipeline: Pipeline,
                                                     tmp_path: Path) -> None:
    case_id = ingest_email(pipeline, attachment=("../../evil.sh", b"#!/bin/sh\n"))
    message = next(m for m in case_detail(store.conn, case_id).messages if m.attachments)
    folder = tmp_path / "out"
    folder.mkdir()
    first = save_attachments(store, message.id, folder)
    second = save_attachments(store, message.id, folder)
    assert [p.parent for p in first + second] == [folder, folder]
    assert first[0].read_bytes() == b"#!/bin/sh\n" and second[0] != first[0]
    with pytest.raises(StoreError, match="not a folder"):
        save_attachments(store, message.id, tmp_path / "missing")


def test_undoing_an_undo_never_overwrites_a_newer_row(store: Store, pipeline: Pipeline) -> None:
    case_id = ingest_email(pipeline)
    draft = start_draft(store.conn, case_id, "reply")
    mine = queued(store, case_id, Draft(**{**draft.__dict__, "text": "Mine"}))
    undone = Desk(store, "alice").undo()
    with store.write() as conn:  # bob's reply gets the freed message id
        theirs = queue_draft(conn, case_id, Draft(**{**draft.__dict__, "text": "Bob's"}),
                             author="bob", at=utc_now())
    assert theirs == mine
    with pytest.raises(StoreError, match="taken by something newer"):
        Desk(store, "alice").undo(undone)  # alice's redo (`omnitui undo ID`)
    assert outbox_row(store, theirs)["status"] == "queued"


def test_a_reply_in_a_long_thread_names_its_references_oldest_first(
        store: Store, pipeline: Pipeline) -> None:
    """They went out newest first ("<o3> <r27> <c1> <o2> <r41>"), and a long thread's root,
    which the header keeps when it trims, was not the root."""
    case_id = ingest_email(pipeline, message_id="r41@example.com", in_reply_to="o3@example.com",
                           references="<c1@example.com> <o2@example.com> <r27@example.com> "
                                      "<o3@example.com>")
    draft = start_draft(store.conn, case_id, "reply")
    message_id = queued(store, case_id, Draft(**{**draft.__dict__, "text": "Done."}))
    [sent] = store.conn.execute("SELECT parent_keys FROM messages WHERE id = ?",
                                (message_id,)).fetchone()
    assert json.loads(sent) == ["c1@example.com", "o2@example.com", "r27@example.com",
                                "o3@example.com", "r41@example.com"]


def test_each_undo_steps_further_back_and_never_sends_again(store: Store,
                                                            pipeline: Pipeline) -> None:
    """A second `u` undid the first undo: the reply it had taken back was queued again."""
    case_id = ingest_email(pipeline)
    draft = start_draft(store.conn, case_id, "reply")
    first = queued(store, case_id, Draft(**{**draft.__dict__, "text": "First"}))
    second = queued(store, case_id, Draft(**{**draft.__dict__, "text": "Second"}))
    Desk(store, "alice").undo()
    Desk(store, "alice").undo()
    assert outbox.row_of_message(store.conn, second) is None
    assert outbox.row_of_message(store.conn, first) is None
    with pytest.raises(StoreError, match="no action left to undo"):
        Desk(store, "alice").undo()


def test_a_reply_another_agent_takes_back_comes_back_to_its_writer(
        store: Store, pipeline: Pipeline) -> None:
    """A supervisor's undo of alice's reply gave the words to nobody."""
    from omnitui.services import drafts

    case_id = ingest_email(pipeline)
    with store.write() as conn:  # alice is on the team
        conn.execute("INSERT INTO agents (name, created_at) VALUES ('alice', '2026-12-01')")
    draft = start_draft(store.conn, case_id, "reply")
    queued(store, case_id, Draft(**{**draft.__dict__, "text": "Wrong case, sorry"}))
    [(event,)] = store.conn.execute("SELECT id FROM audit WHERE actor = 'alice'").fetchall()
    Desk(store, "root").undo(event)
    kept = drafts.kept(store, "alice", case_id, "reply")
    assert kept is not None and kept[0].text == "Wrong case, sorry"


def test_a_queued_reply_follows_its_case_into_a_merge(store: Store,
                                                      pipeline: Pipeline) -> None:
    first = ingest_email(pipeline)
    second = ingest_email(pipeline, sender="zed@example.com", name="Zed")
    draft = start_draft(store.conn, second, "reply")
    message_id = queued(store, second, Draft(**{**draft.__dict__, "text": "Hi Zed"}))
    Desk(store, "alice").merge_cases([second], first, other_customers=True)
    assert outbox_row(store, message_id)["case_id"] == first
    third = ingest_email(pipeline, sender="ive@example.com", name="Ive")
    with pytest.raises(StoreError, match="there is no case 999999"):
        Desk(store, "alice").merge_cases([third, 999_999], first, other_customers=True)
    assert case_detail(store.conn, third).merged_into is None  # all or nothing
    Desk(store, "alice").undo()
    assert outbox_row(store, message_id)["case_id"] == second


@pytest.mark.parametrize(("to", "refusal"), [
    ("ZZZ", "'ZZZ' is not a usable email address; nothing was sent"),
    ("ann@example.com, bad@@address", "is not a usable email address"),
    ("Shop <noreply@shop.example>", "noreply@shop.example is a no-reply address"),
    # read by the parser as ops@example.complease: queued to a domain nobody typed
    ("ops@example.com please", "'ops@example.com please' is not a usable email address"),
    (" , ", "the reply has no recipient"),
    # the envelope took a@x.org alone, the timeline showed both
    ("a@x.org; b@y.org", "'a@x.org; b@y.org' is not a usable email address"),
    # the parser read three addresses in it, and the refusal named 'not'
    ("not an address", "'not an address' is not a usable email address"),
])
def test_a_reply_to_nowhere_is_refused_as_a_forward_is(store: Store, pipeline: Pipeline,
                                                       to: str, refusal: str) -> None:
    """A reply typed to "ZZZ" was queued, its case read answered."""
    case_id = ingest_email(pipeline)
    draft = start_draft(store.conn, case_id, "reply")
    with pytest.raises(StoreError, match=refusal):
        queued(store, case_id, Draft(**{**draft.__dict__, "to": (to,), "text": "Hi"}))
    assert store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


def test_an_address_typed_with_a_trailing_comma_is_sent(store: Store,
                                                        pipeline: Pipeline) -> None:
    case_id = ingest_email(pipeline)
    draft = start_draft(store.conn, case_id, "reply")
    queued(store, case_id, Draft(**{**draft.__dict__, "to": ("ann@example.com, ",),
                                    "text": "Hi"}))
    assert store.conn.execute("SELECT recipients FROM outbox").fetchone()[0] == (
        '{"to": ["ann@example.com"], "cc": []}')


def test_schema_32_counts_a_forward_as_no_reply_in_an_older_store(store: Store,
                                                                  pipeline: Pipeline) -> None:
    case_id = ingest_email(pipeline)
    draft = start_draft(store.conn, case_id, "forward")
    queued(store, case_id, Draft(**{**draft.__dict__, "text": "FYI", "to": ("it@x.org",)}))
    with store.write() as conn:  # as schema 31 counted it
        conn.execute("UPDATE cases SET agent_replies = 1 WHERE id = ?", (case_id,))
        as_of_schema(conn, 31)
    store.close()
    with Store(store.path) as again:
        assert again.conn.execute("SELECT agent_replies FROM cases WHERE id = ?",
                                  (case_id,)).fetchone() == (0,)
