"""A reply that failed for good sent again, and a reply going where the customer last wrote:
the action layer the console, the CLI and automations share, on a real store."""

from __future__ import annotations

import json

import pytest

from omnitui.errors import Refused
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Identifier
from omnitui.services.desk import Desk
from omnitui.services.outbound import start_draft
from omnitui.store import outbox
from omnitui.store.db import Store, db_time, utc_now
from tests.conftest import ago, chat_event
from tests.services.test_outbound import ingest_email

REFUSED = "550 5.1.1 <ann@example.com>: mailbox full"
PHONE = "+14155550100"


def failed_reply(store: Store, case_id: int, text: str = "Your refund is on its way.") -> int:
    """Alice's reply on the case, which the server then refused for good."""
    desk = Desk(store, "alice")
    assert desk.write(case_id, "reply", text).done
    message_id = store.conn.execute("SELECT max(id) FROM messages").fetchone()[0]
    row = outbox.row_of_message(store.conn, message_id)
    with store.write() as conn:
        outbox.mark_failed(conn, row["id"], REFUSED, at=db_time(utc_now()), retry_at=None)
    return message_id


def test_a_failed_reply_goes_again_as_it_was_audited_and_undoable(
        store: Store, pipeline: Pipeline) -> None:
    case_id = ingest_email(pipeline, subject="Refund", message_id="first@example.com")
    failed = failed_reply(store, case_id)
    first = outbox.row_of_message(store.conn, failed)

    done = Desk(store, "bob").resend(failed)
    assert done.done, done.refusal
    assert [c.reason for c in done.changes if c.action == "reply.queued"] == [
        f"resent #{failed} after: {REFUSED}"]
    again = store.conn.execute("SELECT max(id) FROM messages").fetchone()[0]
    row = outbox.row_of_message(store.conn, again)
    assert row["status"] == "queued" and row["channel"] == "email"
    assert json.loads(row["recipients"]) == json.loads(first["recipients"])
    assert row["subject"] == first["subject"] == "Re: Refund"
    text, author, key, parents = store.conn.execute(
        "SELECT text, author, thread_key, parent_keys FROM messages WHERE id = ?",
        (again,)).fetchone()
    old_key = store.conn.execute("SELECT thread_key FROM messages WHERE id = ?",
                                 (failed,)).fetchone()[0]
    assert (text, author) == ("Your refund is on its way.", "bob")
    assert key and key != old_key  # a new attempt: a Message-ID of its own, same thread
    assert json.loads(parents) == ["first@example.com"]
    assert outbox.row_of_message(store.conn, failed)["status"] == "failed"  # history

    twice = Desk(store, "bob").resend(failed)  # it would reach the customer twice
    assert not twice.done and f"resent already: #{again} is queued" in twice.refusal

    Desk(store, "bob").undo()  # as any send, while it waits
    assert outbox.row_of_message(store.conn, again) is None
    assert store.conn.execute("SELECT 1 FROM messages WHERE id = ?", (again,)).fetchone() is None
    assert Desk(store, "bob").resend(failed).done  # taken back, it may go again


def test_only_a_failed_reply_of_ours_is_resent_and_anything_else_is_refused_in_words(
        store: Store, pipeline: Pipeline) -> None:
    case_id = ingest_email(pipeline)
    desk = Desk(store, "alice")
    customers = store.conn.execute("SELECT id FROM messages WHERE direction = 'in'"
                                   ).fetchone()[0]
    assert desk.write(case_id, "reply", "On it.").done
    queued = store.conn.execute("SELECT max(id) FROM messages").fetchone()[0]
    assert desk.write(case_id, "note", "checking with billing").done
    note = store.conn.execute("SELECT max(id) FROM messages").fetchone()[0]
    said = {message_id: desk.resend(message_id) for message_id in (customers, queued, note)}
    assert not any(result.done for result in said.values())
    assert f"message #{customers} is the customer's" in said[customers].refusal
    assert f"message #{queued} has not failed (it is queued)" in said[queued].refusal
    assert f"message #{note} is an internal note" in said[note].refusal
    with pytest.raises(Refused, match="there is no message #99999"):
        desk.resend(99999)
    assert store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1


def telegram_case_then_sms(store: Store, pipeline: Pipeline) -> int:
    """A Telegram case whose customer then wrote by SMS (their number linked to them)."""
    case_id = pipeline.ingest(chat_event("telegram", "ann_tg", "my order is late",
                                         name="Ann", at=ago(minutes=30))).case_id
    assert case_id is not None
    customer_id = store.conn.execute("SELECT customer_id FROM cases WHERE id = ?",
                                     (case_id,)).fetchone()[0]
    Desk(store, "alice").link(customer_id, ("phone", PHONE))
    texted = pipeline.ingest(chat_event("sms", PHONE, "still nothing, any news?",
                                        identifiers=[Identifier("phone", PHONE, verified=True)]))
    assert texted.case_id == case_id
    return case_id


def test_a_reply_goes_where_the_customer_last_wrote(store: Store, pipeline: Pipeline) -> None:
    case_id = telegram_case_then_sms(store, pipeline)
    draft = start_draft(store.conn, case_id, "reply")
    assert (draft.channel, draft.to, draft.last_wrote_on) == ("sms", (PHONE,), "sms")
    assert start_draft(store.conn, case_id, "reply", channel="telegram").last_wrote_on == ""
    assert Desk(store, "alice").write(case_id, "reply", "It ships today.").done
    assert store.conn.execute("SELECT channel, recipients FROM outbox").fetchone() == (
        "sms", json.dumps({"to": [PHONE]}))
    # then they called: nobody is answered on "phone", and they still last wrote by SMS
    called, _ = Desk(store, "alice").log_contact(PHONE, "phone", "called about the order")
    assert called == case_id
    assert start_draft(store.conn, case_id, "reply").channel == "sms"
