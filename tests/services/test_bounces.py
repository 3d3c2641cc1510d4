"""A bounce of our reply: filed on the reply's case, the reply failed, the case waiting on
us again; a bounce for a copy only, a delay, a repeat or a bare quote change nothing more."""

from __future__ import annotations

import pytest

from omnitui.channels.email.parse import parse_email
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Draft, Status
from omnitui.services.desk import Desk
from omnitui.services.intake import intake_pipeline
from omnitui.services.outbound import queue_draft, start_draft
from omnitui.services.sla import SlaKeeper
from omnitui.store import outbox
from omnitui.store.db import Store, db_time, utc_now
from omnitui.store.queries import case_detail
from tests.conftest import make_email

SENT_ID = "reply-1@helpdesk.example"


def report(*recipients: tuple[str, str], returned: str = SENT_ID) -> bytes:
    """A bounce as Postfix writes it: `recipients` are (address, Action)."""
    blocks = "\n".join(f"Final-Recipient: rfc822; {address}\nAction: {action}\n"
                       f"Status: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 no such user\n"
                       for address, action in recipients)
    return (f"From: Mail Delivery System <MAILER-DAEMON@mx.cust.example>\n"
            f"To: support@example.com\nSubject: Undelivered Mail Returned to Sender\n"
            f"Message-ID: <bounce-{len(recipients)}-{recipients[0][1]}@mx.cust.example>\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\n\n'
            "--b\nContent-Type: text/plain\n\nYour message could not be delivered.\n"
            f"--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.cust.example"
            f"\n\n{blocks}\n--b\nContent-Type: text/rfc822-headers\n\n"
            f"Message-ID: <{returned}>\nSubject: Re: Help\n\n--b--\n").encode()


@pytest.fixture
def answered(store: Store, pipeline: Pipeline) -> int:
    """A case whose reply (to ann, copied to bob) the server took, then solved."""
    case_id = pipeline.ingest(parse_email(make_email())).case_id
    draft = start_draft(store.conn, case_id, "reply")
    with store.write() as conn:
        message_id = queue_draft(conn, case_id, Draft(**{**draft.__dict__, "text": "Fixed.",
                                                        "cc": ("bob@cust.example",)}),
                                 author="alice", at=utc_now())
        conn.execute("UPDATE messages SET thread_key = ? WHERE id = ?", (SENT_ID, message_id))
        outbox.mark_sent(conn, outbox.row_of_message(conn, message_id)["id"],
                         at=db_time(utc_now()))
    Desk(store, "alice").each([case_id], Desk(store, "alice").status(Status.SOLVED))
    return case_id


def reply_state(store: Store) -> tuple[str, str]:
    return store.conn.execute("SELECT status, last_error FROM outbox").fetchone()


def case_status(store: Store, case_id: int) -> str:
    return store.conn.execute("SELECT status FROM cases WHERE id = ?", (case_id,)).fetchone()[0]


def test_a_bounce_fails_the_reply_it_returns_and_the_case_waits_on_us_again(
        store: Store, pipeline: Pipeline, answered: int) -> None:
    bounce = pipeline.ingest(parse_email(report(("ann@example.com", "failed"))))
    assert bounce.case_id == answered  # no In-Reply-To: the returned Message-ID placed it
    assert reply_state(store) == ("failed", "bounced by mx.cust.example: ann@example.com: "
                                            "550 5.1.1 no such user")
    assert case_status(store, answered) == Status.OPEN
    shown = case_detail(store.conn, answered)
    [reply] = [m for m in shown.messages if m.direction == "out"]
    assert reply.delivery == "failed" and "no such user" in reply.delivery_note
    assert "the bounce's returned Message-ID" in shown.messages[-1].thread_reason
    audit = store.conn.execute("SELECT actor, action FROM audit WHERE action IN"
                               " ('reply.bounced', 'case.status') ORDER BY id DESC LIMIT 2"
                               ).fetchall()
    assert audit == [("omnitui-mail", "case.status"), ("omnitui-mail", "reply.bounced")]
    clocks = SlaKeeper(pipeline.settings).state(store.conn, answered, utc_now())
    assert clocks is not None
    [first] = [t for t in clocks["targets"] if t["target"] == "first_response"]
    assert first["met"] is None  # a reply nobody got answered nobody
    assert first["state"] in ("running", "at risk")  # they still wait for a first answer
    assert "next_response" not in {t["target"] for t in clocks["targets"]}
    assert store.conn.execute("SELECT first_response_at, last_answered_at FROM cases WHERE"
                              " id = ?", (answered,)).fetchone() == (None, None)  # the report
    again = pipeline.ingest(parse_email(report(("ann@example.com", "failed"))
                                        .replace(b"<bounce-1", b"<bounce-again")))
    assert again.case_id == answered and reply_state(store)[0] == "failed"


def test_a_bounce_dated_before_the_pause_it_ends_runs_the_clocks_again(
        store: Store, pipeline: Pipeline) -> None:
    """Set pending after the reply, then its bounce (Date: before the pause) came: the case
    read open while its clocks stood paused for ever (the reopen logged as of the Date)."""
    from datetime import timedelta
    from email.utils import format_datetime

    case_id = pipeline.ingest(parse_email(make_email())).case_id
    draft = start_draft(store.conn, case_id, "reply")
    with store.write() as conn:
        message_id = queue_draft(conn, case_id, Draft(**{**draft.__dict__, "text": "Photo?"}),
                                 author="alice", at=utc_now())
        conn.execute("UPDATE messages SET thread_key = ? WHERE id = ?", (SENT_ID, message_id))
        outbox.mark_sent(conn, outbox.row_of_message(conn, message_id)["id"],
                         at=db_time(utc_now()))
    start = utc_now()
    alice = Desk(store, "alice", clock=lambda: start + timedelta(hours=1))
    alice.each([case_id], alice.status(Status.PENDING, "the photo"))
    dated = format_datetime(start + timedelta(minutes=30))  # its server's Date
    later = intake_pipeline(store, pipeline.settings,
                            clock=lambda: start + timedelta(hours=2))  # filed then
    later.ingest(parse_email(report(("ann@example.com", "failed")).replace(
        b"To: support@example.com\n", f"To: support@example.com\nDate: {dated}\n".encode())))
    assert case_status(store, case_id) == Status.OPEN
    clocks = SlaKeeper(pipeline.settings).state(store.conn, case_id,
                                                start + timedelta(hours=3))
    assert clocks is not None and clocks["paused"] is False


@pytest.mark.parametrize(("recipients", "state"), [
    ((("bob@cust.example", "failed"),), "sent"),  # only the copy: ann has it
    ((("ann@example.com", "delayed"),), "sent"),  # it may yet arrive
])
def test_what_leaves_the_reply_sent(store: Store, pipeline: Pipeline, answered: int,
                                    recipients: tuple[tuple[str, str], ...],
                                    state: str) -> None:
    assert pipeline.ingest(parse_email(report(*recipients))).case_id == answered
    assert reply_state(store)[0] == state
    assert case_status(store, answered) == Status.SOLVED
    if recipients[0][1] == "failed":
        assert "bob@cust.example: 550 5.1.1" in reply_state(store)[1]


def customers(store: Store) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT name FROM customers ORDER BY id")]


def test_a_bounce_makes_no_customer_of_its_mail_server_and_is_never_answered(
        store: Store, pipeline: Pipeline, answered: int) -> None:
    """Its MAILER-DAEMON was a customer "Mail Delivery System" for every server that ever
    bounced; filed under the case's customer instead, it must not stand for their words."""
    bounce = pipeline.ingest(parse_email(report(("ann@example.com", "failed"))))
    assert customers(store) == ["Ann Lee"]
    [(author, identity)] = store.conn.execute(
        "SELECT author, identity_id FROM messages WHERE id = ?", (bounce.message_id,))
    assert (author, identity) == ("Mail Delivery System", None)  # it still says who wrote
    assert start_draft(store.conn, answered, "reply").to == ("ann@example.com",)
    forward = start_draft(store.conn, answered, "forward")
    assert "Hello" in forward.quoted and "could not be delivered" not in forward.quoted
    assert outbox.last_inbound_source(store.conn, answered)[0] != bounce.message_id
    [why] = store.conn.execute("SELECT reason FROM audit WHERE action = 'message.received'"
                               " AND message_id = ?", (bounce.message_id,)).fetchone()
    assert why.startswith("a delivery report on our message #")


def test_a_reply_answers_the_customers_words_not_their_out_of_office(
        store: Store, pipeline: Pipeline) -> None:
    case_id = pipeline.ingest(parse_email(make_email(
        message_id="asked@example.com", body="Where is my order?"))).case_id
    pipeline.ingest(parse_email(make_email(
        subject="Out of office", body="I am away until Monday.", message_id="away@example.com",
        headers={"Auto-Submitted": "auto-replied", "Reply-To": "deputy@example.com"})))
    assert start_draft(store.conn, case_id, "reply").to == ("ann@example.com",)
    assert "Where is my order?" in start_draft(store.conn, case_id, "forward").quoted


def test_a_bounce_of_our_mail_sent_from_a_mail_client_fails_it_too(
        store: Store, pipeline: Pipeline) -> None:
    """Our own mail (from support@, the desk in Bcc) to a mistyped address opened a case
    waiting on the person's answer; its bounce left it waiting there for ever, and the mail
    read "sent outside omnitui"."""
    ours = make_email("support@example.com", name="Erin at Support", subject="Your voucher",
                      body="Here is your code.", message_id=SENT_ID,
                      headers={"Cc": "boss@shop.example"})
    ours = ours.replace(b"To: support@example.com", b"To: Kathy <kathy@exmaple.com>")
    sent = pipeline.ingest(parse_email(ours, own=("support@example.com",)))
    assert case_status(store, sent.case_id) == Status.PENDING
    copy = pipeline.ingest(parse_email(report(("boss@shop.example", "failed"))))
    assert copy.case_id == sent.case_id and case_status(store, sent.case_id) == Status.PENDING
    bounce = pipeline.ingest(parse_email(report(("kathy@exmaple.com", "failed"))
                                         .replace(b"<bounce-1", b"<bounce-kathy")))
    assert bounce.case_id == sent.case_id and case_status(store, sent.case_id) == Status.OPEN
    [mail] = [m for m in case_detail(store.conn, sent.case_id).messages if m.id ==
              sent.message_id]
    assert mail.delivery == "failed" and "kathy@exmaple.com: 550 5.1.1" in mail.delivery_note
    assert "to kathy@exmaple.com · cc boss@shop.example" in mail.delivery_note


def test_a_bounce_of_mail_we_never_sent_is_a_case_of_its_own_solved_as_it_opens(
        store: Store, pipeline: Pipeline, answered: int) -> None:
    """Backscatter (spam sent in our name) sat in the queue as a new case with a
    first-response clock, and push routing gave it to an agent."""
    other = pipeline.ingest(parse_email(report(("x@y.example", "failed"),
                                               returned="someone-else@example.com")))
    assert other.case_id != answered and reply_state(store)[0] == "sent"
    case = store.conn.execute("SELECT status, owner, sla_due FROM cases WHERE id = ?",
                              (other.case_id,)).fetchone()
    assert tuple(case) == (Status.SOLVED, None, None)
    assert store.conn.execute("SELECT reason FROM audit WHERE case_id = ? AND action ="
                              " 'case.status'", (other.case_id,)).fetchone()[0] == (
        "new -> solved: a bounce of mail the store has no record of (backscatter, or mail "
        "sent elsewhere): nothing to answer")
    again = pipeline.ingest(parse_email(report(("x@y.example", "delayed"),
                                               returned="someone-else@example.com")))
    assert again.case_id == other.case_id and case_status(store, other.case_id) == "solved"


def test_an_old_style_bounce_quoting_the_reply_joins_its_case_and_changes_nothing(
        store: Store, pipeline: Pipeline, answered: int) -> None:
    quoted = make_email("MAILER-DAEMON@old.example", name="", subject="failure notice",
                        body=f"Sorry, I couldn't deliver it.\n\n--- Below this line is a copy"
                             f" of the message.\n\nMessage-ID: <{SENT_ID}>\nSubject: Re: Help")
    assert pipeline.ingest(parse_email(quoted)).case_id == answered
    assert reply_state(store)[0] == "sent" and case_status(store, answered) == Status.SOLVED


def test_a_bounced_survey_or_forward_leaves_the_case_as_it_is(
        store: Store, pipeline: Pipeline, answered: int) -> None:
    """The answer arrived; a survey after it that bounced put the case back in the queue."""
    with store.write() as conn:
        conn.execute("UPDATE messages SET auto_submitted = 'csat' WHERE direction = 'out'")
    pipeline.ingest(parse_email(report(("ann@example.com", "failed"))))
    assert reply_state(store)[0] == "failed"
    assert case_status(store, answered) == Status.SOLVED


EXIM = ("This message was created automatically by mail delivery software.\n\n"
        "A message that you sent could not be delivered to one or more of its\n"
        "recipients. This is a permanent error. The following address(es) failed:\n\n"
        "  {address}\n    host mx.example.com [192.0.2.1]\n"
        "    SMTP error from remote mail server after RCPT TO:<{address}>:\n"
        "    550 5.1.1 User unknown\n\n"
        "------ This is a copy of the message, including all the headers. ------\n\n"
        "Return-path: <support@example.com>\nMessage-ID: <{sent}>\nSubject: Re: Help\n")
QMAIL = ("Hi. This is the qmail-send program at mx.example.com.\n"
         "I'm afraid I wasn't able to deliver your message to the following addresses.\n"
         "This is a permanent error; I've given up. Sorry it didn't work out.\n\n"
         "<{address}>:\n192.0.2.1 does not like recipient.\n"
         "Remote host said: 550 5.1.1 User unknown\nGiving up on 192.0.2.1.\n\n"
         "--- Below this line is a copy of the message.\n\n"
         "Message-ID: <{sent}>\nSubject: Re: Help\n")


@pytest.mark.parametrize("words", [EXIM, QMAIL], ids=["exim", "qmail"])
def test_the_text_bounces_of_exim_and_qmail_fail_the_reply_too(
        store: Store, pipeline: Pipeline, answered: int, words: str) -> None:
    """Exim (most shared hosting) and qmail write no report, only text: the reply still
    read "sent" and the case stayed solved while the customer never got the answer."""
    bounce = make_email("Mailer-Daemon@mx.example.com", name="Mail Delivery System",
                        subject="Mail delivery failed: returning message to sender",
                        body=words.format(address="ann@example.com", sent=SENT_ID))
    assert pipeline.ingest(parse_email(bounce)).case_id == answered
    status, error = reply_state(store)
    assert status == "failed" and error.startswith("bounced: ann@example.com: ")
    assert "550 5.1.1 User unknown" in error
    assert case_status(store, answered) == Status.OPEN


def test_a_text_bounce_for_the_copy_alone_or_a_delay_leaves_the_reply_sent(
        store: Store, pipeline: Pipeline, answered: int) -> None:
    copy = make_email("MAILER-DAEMON@mx.example.com", name="", subject="failure notice",
                      body=QMAIL.format(address="bob@cust.example", sent=SENT_ID))
    delay = make_email("Mailer-Daemon@mx.example.com", name="Mail Delivery System",
                       subject="Warning: message delayed 24 hours",
                       body=EXIM.format(address="ann@example.com", sent=SENT_ID).replace(
                           "could not be delivered to one or more of its\nrecipients. This is"
                           " a permanent error. The following address(es) failed:",
                           "has not yet been delivered to one or more of its recipients\n"
                           "after more than 24 hours on the queue."))
    for bounce in (copy, delay):
        assert pipeline.ingest(parse_email(bounce)).case_id == answered
        assert reply_state(store)[0] == "sent" and case_status(store, answered) == Status.SOLVED
    assert "bob@cust.example: 192.0.2.1 does not like recipient" in reply_state(store)[1]
