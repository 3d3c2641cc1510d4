"""The pipeline end to end: dedupe, raw bytes kept, attachments, one transaction per event."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pytest

from omnitui.config import Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Identifier, InboundEvent
from omnitui.store.blobs import read_blob
from omnitui.store.db import Store
from omnitui.store.messages import raw_body
from omnitui.store.queries import case_detail
from tests.conftest import chat_event, make_email


def counts(store: Store) -> tuple[int, ...]:
    return tuple(store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                 for t in ("customers", "cases", "messages", "raw_payloads", "attachments"))


def test_duplicate_delivery_changes_nothing(store: Store, pipeline: Pipeline,
                                            email_event: Callable[..., InboundEvent]) -> None:
    event = email_event(message_id="dup@x")
    first = pipeline.ingest(event)
    before = counts(store)
    again = pipeline.ingest(email_event(message_id="dup@x"))
    assert again.duplicate and again.message_id == first.message_id
    assert counts(store) == before


def test_another_mail_under_a_message_id_already_held_is_filed_not_dropped(
        store: Store, pipeline: Pipeline) -> None:
    """A careless mailer gave a new mail ("call me at 555-9999") an old one's Message-ID:
    it was dropped as a duplicate, without a trace."""
    from omnitui.channels.email.parse import parse_email

    first = pipeline.ingest(parse_email(make_email(body="My order is late", message_id="x@y")))
    relayed = make_email(body="My order is late", message_id="x@y",
                         headers={"Received": "from relay.example by mx"})
    assert pipeline.ingest(parse_email(relayed)).duplicate  # the same mail, delivered twice
    other = make_email(body="NEW: call me at 555-9999", message_id="x@y")
    second = pipeline.ingest(parse_email(other))
    assert not second.duplicate and second.message_id != first.message_id
    assert second.case_id == first.case_id  # the same customer's open case
    [notes] = store.conn.execute("SELECT parse_errors FROM messages WHERE id = ?",
                                 (second.message_id,)).fetchone()
    assert "is message" in notes and "filed as a message of its own" in notes
    again = pipeline.ingest(parse_email(other))  # and it, delivered again, adds nothing
    assert again.duplicate and again.message_id == second.message_id


def test_raw_bytes_and_attachments_are_kept_exactly(store: Store, pipeline: Pipeline) -> None:
    from omnitui.channels.email.parse import parse_email

    raw = make_email(attachment=("invoice.pdf", b"%PDF-1.4 fake\x00\xff"))
    result = pipeline.ingest(parse_email(raw))
    assert raw_body(store.conn, result.message_id) == raw
    sha, size, name = store.conn.execute(
        "SELECT sha256, size, filename FROM attachments").fetchone()
    assert name == "invoice.pdf" and size == 15
    assert read_blob(store.attachments_dir, sha) == b"%PDF-1.4 fake\x00\xff"
    assert sha == hashlib.sha256(b"%PDF-1.4 fake\x00\xff").hexdigest()


def test_a_failing_stage_leaves_nothing_behind(store: Store, settings: Settings) -> None:
    def broken_automation(*_: object) -> None:
        raise RuntimeError("automation crashed")

    pipeline = Pipeline(store, settings, automations=[broken_automation])
    with pytest.raises(RuntimeError):
        pipeline.ingest(chat_event("sms", "+14155550100", "hello"))
    assert counts(store) == (0, 0, 0, 0, 0)
    assert store.conn.execute("SELECT count(*) FROM audit").fetchone()[0] == 0


def test_email_sms_and_chat_from_one_person_end_in_one_case(store: Store,
                                                            pipeline: Pipeline) -> None:
    from omnitui.channels.email.parse import parse_email

    mail = pipeline.ingest(parse_email(make_email("dana@example.com", name="Dana Scully",
                                                  subject="Refund please")))
    # a chat widget for signed-in customers vouches for her email and phone: all three link
    chat = pipeline.ingest(chat_event("chat", "visitor-7", "following up on my refund",
                                      identifiers=[
                                          Identifier("chat", "visitor-7", verified=True),
                                          Identifier("email", "Dana@Example.com", verified=True),
                                          Identifier("phone", "+1 202 555 0147", verified=True)]))
    sms = pipeline.ingest(chat_event("sms", "", "any news?", identifiers=[
        Identifier("phone", "2025550147", verified=True)]))
    assert mail.case_id == chat.case_id == sms.case_id
    detail = case_detail(store.conn, mail.case_id)
    assert [m.channel for m in detail.messages] == ["email", "chat", "sms"]
    assert {k for k, _ in detail.customer.identities} == {"email", "handle", "phone"}
    assert [m.thread_rule for m in detail.messages] == [
        "new-case", "customer-open-case", "customer-open-case"]


def test_new_case_is_routed_scored_and_timed(store: Store, pipeline: Pipeline) -> None:
    pipeline.ingest(chat_event("chat", "v1", "URGENT: checkout is down"))
    status, queue, priority, first_due, created = store.conn.execute(
        "SELECT status, queue, priority, sla_first_response_due, created_at FROM cases"
    ).fetchone()
    assert (status, queue) == ("new", "general")
    assert priority == 25.0  # urgent 15 + synchronous channel 10
    assert first_due > created


def test_unparseable_input_is_stored_with_its_error(store: Store, pipeline: Pipeline) -> None:
    from omnitui.channels.email.parse import parse_email

    raw = b"\x00\xff\xfe garbage that is not mail \x80\x81"
    result = pipeline.ingest(parse_email(raw, source="broken.eml"))
    assert raw_body(store.conn, result.message_id) == raw
    errors = store.conn.execute("SELECT parse_errors FROM messages").fetchone()[0]
    assert errors != "[]"


def test_a_message_is_read_for_its_language_and_tone_and_the_case_shows_why(
        pipeline: Pipeline, store: Store) -> None:
    """An irritated German customer and a calm English one: each message keeps what the
    classify stage read, `omnitui case --format json` carries it, and an English angry
    message weighs on the priority through its sentiment."""
    from omnitui.store.queries import case_detail

    angry = pipeline.ingest(chat_event(
        "chat", "kl-1", "Das ist jetzt zum dritten Mal, dass ich schreibe. Inakzeptabel!"))
    calm = pipeline.ingest(chat_event("chat", "jo-2", "Thanks a lot, the new invoice arrived."))
    furious = pipeline.ingest(chat_event(
        "chat", "mo-3", "Hate it. Hate the app, hate the support, hate the billing."))
    detail = case_detail(store.conn, angry.case_id)
    [message] = [m for m in detail.messages if m.id == angry.message_id]
    assert (message.language, message.sentiment, message.irritation) == (
        "de", None, "says 'zum dritten mal'")
    [message] = case_detail(store.conn, calm.case_id).messages
    assert message.language == "en" and message.sentiment > 0 and message.irritation is None
    [message] = case_detail(store.conn, furious.case_id).messages
    assert message.sentiment <= -0.8 and message.irritation.startswith("sentiment")
    priority = dict(store.conn.execute("SELECT id, priority FROM cases").fetchall())
    assert priority[furious.case_id] > priority[calm.case_id]


def test_the_case_carries_its_customers_latest_mood_and_language(
        pipeline: Pipeline, store: Store) -> None:
    """The queue filters on what the customer's latest message read as: an irritated one
    flags the case, a calm one clears it, and a message too short to tell keeps the language
    the case had."""
    from omnitui.store.queries import CaseQuery, list_cases

    angry = pipeline.ingest(chat_event("chat", "kl-1", "C'est la troisième fois que j'écris !"))
    pipeline.ingest(chat_event("chat", "jo-2", "Thanks, the invoice arrived."))

    def flagged() -> list[int]:
        return [c.id for c in list_cases(store.conn, CaseQuery(irritated=True))]

    assert flagged() == [angry.case_id]
    [case] = list_cases(store.conn, CaseQuery(language="fr"))
    assert (case.id, case.irritation) == (angry.case_id, "says 'troisième fois'")
    again = pipeline.ingest(chat_event("chat", "kl-1", "ok merci"))
    assert again.case_id == angry.case_id
    assert flagged() == []
    [case] = list_cases(store.conn, CaseQuery(language="fr"))
    assert case.id == angry.case_id  # "ok merci" is too short to tell: still French
    short = pipeline.ingest(chat_event("chat", "zz-3", "thx!"))  # nothing to tell by: `und`,
    [case] = list_cases(store.conn, CaseQuery(language="und"))  # which the filter finds
    assert case.id == short.case_id


def test_the_intent_routes_a_new_case_and_the_case_says_what_is_wanted(
        store: Store, settings: Settings) -> None:
    """Intent -> queue for a new case; the case keeps the intent of the first message that
    told one (a follow-up telling another does not change it), and the queue filters on
    it."""
    from omnitui.config import Intent
    from omnitui.store.queries import CaseQuery, case_detail, list_cases

    settings.intents = [Intent("billing", queue="billing", keywords=["charged twice"]),
                        Intent("technical", keywords=["error"])]
    pipeline = Pipeline(store, settings)
    first = pipeline.ingest(chat_event("chat", "kl-1", "I was charged twice for my order"))
    pipeline.ingest(chat_event("chat", "kl-1", "and now the app shows an error"))
    [case] = list_cases(store.conn, CaseQuery(intent="billing"))
    assert (case.id, case.queue, case.intent) == (first.case_id, "billing", "billing")
    [message, _] = case_detail(store.conn, first.case_id).messages
    assert (message.intent, message.intent_rule) == ("billing", "says 'charged twice'")


@pytest.mark.timeout(30)  # with `re`, the message held intake for hours
def test_a_message_a_pattern_cannot_finish_on_is_filed_and_the_case_names_the_rule(
        store: Store, settings: Settings) -> None:
    """A webhook's or a mailbox's message, a team's careless patterns: the message is filed
    in seconds, read as the rules after them say, and shows which rule was skipped (its
    text stays out of the note)."""
    from omnitui.config import Intent

    settings.intents = [Intent("billing", queue="billing", patterns=[r"(a+)+$", r"(a|aa)+$"]),
                        Intent("technical", keywords=["app"])]
    result = Pipeline(store, settings).ingest(chat_event("chat", "dos-1", "The app: " + "a" * 40
                                                         + "!"))
    assert result.case_id is not None and not result.duplicate
    [message] = case_detail(store.conn, result.case_id).messages
    assert (message.intent, message.intent_rule) == ("technical", "says 'app'")
    assert message.parse_errors == ["intent 'billing' pattern #2 took over 0.1 s and was "
                                    "skipped (counted as no match)"]


def test_an_older_message_filed_later_does_not_move_the_case_back_in_time(
        pipeline: Pipeline, store: Store, email_event: Callable[..., InboundEvent]) -> None:
    """An mbox out of time order, or a mail delayed for days: the case's latest message is
    still the newest (the queue's "updated" order and threading read it)."""
    from datetime import timedelta

    from omnitui.store.db import db_time
    from tests.conftest import ago

    when = ago(hours=1).replace(microsecond=0)
    newer = pipeline.ingest(email_event("ann@example.com", subject="Re: Help",
                                        message_id="b@x", in_reply_to="a@x", date=when))
    older = pipeline.ingest(email_event("ann@example.com", subject="Help", message_id="a@x",
                                        date=when - timedelta(days=2)))
    assert older.case_id == newer.case_id
    inbound, latest = store.conn.execute(
        "SELECT last_inbound_at, last_message_at FROM cases WHERE id = ?",
        (newer.case_id,)).fetchone()
    assert inbound == latest == db_time(when)


def test_a_message_without_a_senders_name_is_shown_as_the_customers(
        store: Store, pipeline: Pipeline) -> None:
    """Twilio sends an SMS without a name: the timeline said "(unknown sender)" on every
    message of a customer it knew, by name even."""
    def sms(text: str) -> InboundEvent:
        return chat_event("sms", "", text, identifiers=[
            Identifier("phone", "+14155550100", verified=True)])

    first = pipeline.ingest(sms("my parcel never came"))
    detail = case_detail(store.conn, first.case_id)
    assert [m.author for m in detail.messages] == ["+14155550100"]  # all it knows of them
    with store.write() as conn:
        conn.execute("UPDATE customers SET name = 'Kim Park' WHERE id = ?",
                     (detail.case.customer_id,))
    pipeline.ingest(sms("any news?"))
    assert [m.author for m in case_detail(store.conn, first.case_id).messages] == \
        ["Kim Park", "Kim Park"]
