"""The outbox sender against a real SMTP server on loopback: replies queued through the real
code, sent, retried, failed, and resent after a crash with the same Message-ID."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from omnitui.channels.email import outgoing as email_outgoing
from omnitui.channels.email.parse import parse_email
from omnitui.config import MailboxSettings
from omnitui.daemon.sender import BACKOFF, STALE_AFTER, retry_at, send_due
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Draft
from omnitui.services.outbound import queue_draft, start_draft
from omnitui.store import channel_state, outbox
from omnitui.store.blobs import blob_path
from omnitui.store.db import Store, db_time, parse_db_time, utc_now
from omnitui.store.queries import case_detail
from tests.channels.test_smtp import (
    PASSWORD,
    Server,
    check_password,
    free_port,
    mailbox_for,
    smtp_server,
)
from tests.conftest import chat_event, make_email

pytestmark = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning")


@pytest.fixture
def server() -> Iterator[Server]:
    with smtp_server(authenticator=check_password, auth_required=True,
                     auth_require_tls=False) as running:
        yield running


@pytest.fixture
def mailbox(server: Server) -> MailboxSettings:
    return mailbox_for(server.port)


def ingest(pipeline: Pipeline, *, source: str = "support", **kwargs: Any) -> int:
    result = pipeline.ingest(parse_email(make_email(**kwargs), source=source))
    assert result.case_id is not None
    return result.case_id


def queue_reply(store: Store, case_id: int, *, mode: str = "reply",
                at: datetime | None = None, **changes: Any) -> int:
    draft = start_draft(store.conn, case_id, mode,
                        own_addresses=frozenset({"support@example.com"}))
    draft = Draft(**{**draft.__dict__, "text": "Fixed it, sorry.", **changes})
    with store.write() as conn:
        return queue_draft(conn, case_id, draft, author="alice", at=at or utc_now())


def row_of(store: Store, message_id: int) -> dict[str, Any]:
    row = outbox.row_of_message(store.conn, message_id)
    assert row is not None
    return row


def message_key(store: Store, message_id: int) -> str:
    key = outbox.reply_to_send(store.conn, row_of(store, message_id)["id"])["thread_key"]
    assert key
    return str(key)


def received(server: Server) -> list[EmailMessage]:
    return server.handler.messages()


def actions(store: Store, case_id: int) -> list[str]:
    detail = case_detail(store.conn, case_id)
    assert detail is not None
    return [entry[3] for entry in detail.history]


def test_a_queued_reply_reaches_the_server_threaded_and_complete(
        store: Store, pipeline: Pipeline, server: Server, mailbox: MailboxSettings) -> None:
    case_id = ingest(pipeline, message_id="first@example.com",
                     references="<older@example.com>", headers={"Cc": "Bob <bob@example.com>"},
                     attachment=("invoice.pdf", b"%PDF-1.4 the invoice"))
    files = start_draft(store.conn, case_id, "forward").attachment_ids
    message_id = queue_reply(store, case_id, mode="reply_all", attachment_ids=files,
                             text="Here is the corrected invoice.")
    now = utc_now()
    report = send_due(store, [mailbox], now=now)
    row = row_of(store, message_id)
    assert report.sent == [row["id"]] and not report.errors
    assert (row["status"], row["attempts"], row["sent_at"]) == ("sent", 1, db_time(now))
    (msg,) = received(server)
    assert server.handler.received[0].rcpt_tos == ["ann@example.com", "bob@example.com"]
    assert msg["From"] == "support@example.com" and msg["Reply-To"] == "support@example.com"
    assert (msg["To"], msg["Cc"]) == ("ann@example.com", "bob@example.com")
    assert msg["Subject"] == f"Re: Help [#{case_id}]"
    assert msg["Message-ID"] == f"<{message_key(store, message_id)}>"
    assert msg["In-Reply-To"] == "<first@example.com>"
    assert msg["References"] == "<older@example.com> <first@example.com>"
    assert msg["Auto-Submitted"] is None  # an agent wrote it
    body = msg.get_body(("plain",))
    assert body is not None and "Here is the corrected invoice." in body.get_content()
    (part,) = list(msg.iter_attachments())
    assert part.get_filename() == "invoice.pdf"
    assert part.get_content() == b"%PDF-1.4 the invoice"
    assert "reply.sent" in actions(store, case_id)
    (health,) = channel_state.channel_states(store.conn)
    assert (health.channel, health.account, health.last_error) == ("smtp", "support", "")
    # the customer's answer to what they received threads into the same case
    answer = ingest(pipeline, subject=f"Re: {msg['Subject']}",
                    in_reply_to=msg["Message-ID"].strip("<>"))
    assert answer == case_id


def test_a_wrong_password_fails_the_reply_without_showing_it(
        store: Store, pipeline: Pipeline, server: Server) -> None:
    case_id = ingest(pipeline)
    message_id = queue_reply(store, case_id)
    box = mailbox_for(server.port, password="Wrong-Horse-Battery")
    report = send_due(store, [box], now=utc_now())
    row = row_of(store, message_id)
    assert row["status"] == "failed" and report.failed == [row["id"]]
    assert "535" in row["last_error"] and "Wrong-Horse-Battery" not in row["last_error"]
    assert PASSWORD not in row["last_error"]
    (health,) = channel_state.channel_states(store.conn)
    assert "535" in health.last_error and "Wrong-Horse-Battery" not in health.last_error
    assert server.handler.received == []


def test_a_451_is_retried_later_and_then_sent(store: Store, pipeline: Pipeline,
                                              server: Server, mailbox: MailboxSettings) -> None:
    case_id = ingest(pipeline)
    message_id = queue_reply(store, case_id)
    server.handler.data_replies = ["451 4.7.1 greylisted, try again later"]
    now = utc_now()
    report = send_due(store, [mailbox], now=now)
    row = row_of(store, message_id)
    assert report.retrying == [row["id"]] and "451" in report.errors[row["id"]]
    assert (row["status"], row["attempts"]) == ("queued", 1)
    assert row["next_attempt_at"] == db_time(now + BACKOFF[0]) > db_time(now)
    assert "451" in row["last_error"]
    assert send_due(store, [mailbox], now=now + timedelta(seconds=30)).sent == []  # not yet
    report = send_due(store, [mailbox], now=now + BACKOFF[0])
    row = row_of(store, message_id)
    assert report.sent == [row["id"]]
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 2, "")
    assert len(server.handler.received) == 1
    assert actions(store, case_id)[-2:] == ["reply.retrying", "reply.sent"]


def test_550_for_every_recipient_fails_at_once_and_shows_on_the_case(
        store: Store, pipeline: Pipeline, server: Server, mailbox: MailboxSettings) -> None:
    case_id = ingest(pipeline)
    message_id = queue_reply(store, case_id)
    server.handler.refuse_all = "550 5.1.1 <ann@example.com>: no such user"
    send_due(store, [mailbox], now=utc_now())
    row = row_of(store, message_id)
    assert (row["status"], row["attempts"]) == ("failed", 1)
    assert "550 5.1.1" in row["last_error"]
    detail = case_detail(store.conn, case_id)
    assert detail is not None
    shown = next(m for m in detail.messages if m.id == message_id)
    assert shown.delivery == "failed" and "no such user" in shown.delivery_note
    assert channel_state.channel_states(store.conn)[0].last_error == ""  # not the mailbox's


def test_one_refused_cc_still_counts_as_sent_and_says_so(
        store: Store, pipeline: Pipeline, server: Server, mailbox: MailboxSettings) -> None:
    case_id = ingest(pipeline, headers={"Cc": "bob@example.com"})
    message_id = queue_reply(store, case_id, mode="reply_all")
    server.handler.refused = {"bob@example.com": "550 5.1.1 no such user"}
    send_due(store, [mailbox], now=utc_now())
    row = row_of(store, message_id)
    assert row["status"] == "sent" and "bob@example.com: 550" in row["last_error"]
    assert send_due(store, [mailbox], now=utc_now() + timedelta(hours=1)).sent == []


def test_no_server_is_a_temporary_failure(store: Store, pipeline: Pipeline) -> None:
    case_id = ingest(pipeline)
    message_id = queue_reply(store, case_id)
    now = utc_now()
    report = send_due(store, [mailbox_for(free_port())], now=now)
    row = row_of(store, message_id)
    assert report.retrying == [row["id"]]
    assert (row["status"], row["attempts"]) == ("queued", 1)
    assert row["next_attempt_at"] > db_time(now) and "cannot reach" in row["last_error"]
    (health,) = channel_state.channel_states(store.conn)
    assert "cannot reach" in health.last_error


def test_temporary_failures_give_up_after_a_day(store: Store, pipeline: Pipeline) -> None:
    case_id = ingest(pipeline)
    now = utc_now()
    message_id = queue_reply(store, case_id, at=now - timedelta(hours=23, minutes=59, seconds=30))
    report = send_due(store, [mailbox_for(free_port())], now=now)
    row = row_of(store, message_id)
    assert report.failed == [row["id"]] and row["status"] == "failed"
    assert "gave up after 24 h" in row["last_error"]


def test_the_backoff_schedule() -> None:
    start = parse_db_time("2025-01-01 00:00:00")
    delays = [retry_at(n, start, start) - start for n in range(1, 7)]  # type: ignore[operator]
    assert [d.total_seconds() / 60 for d in delays] == [1, 5, 15, 60, 60, 60]
    assert retry_at(30, start, start + timedelta(hours=23)) == start + timedelta(hours=24)
    assert retry_at(31, start, start + timedelta(hours=23, minutes=1)) is None


def test_a_reply_left_sending_by_a_crash_goes_again_with_the_same_message_id(
        store: Store, pipeline: Pipeline, server: Server, mailbox: MailboxSettings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    case_id = ingest(pipeline)
    message_id = queue_reply(store, case_id)
    real_send = email_outgoing.send

    def send_then_crash(*args: Any, **kwargs: Any) -> dict[str, str]:
        real_send(*args, **kwargs)  # the server has the message ...
        raise RuntimeError("power cut")  # ... and the store never hears of it

    monkeypatch.setattr(email_outgoing, "send", send_then_crash)
    now = utc_now()
    with pytest.raises(RuntimeError, match="power cut"):
        send_due(store, [mailbox], now=now)
    monkeypatch.setattr(email_outgoing, "send", real_send)
    assert row_of(store, message_id)["status"] == "sending"
    # a restart soon after leaves it alone: its sender may still be at work
    report = send_due(store, [mailbox], now=now + STALE_AFTER - timedelta(minutes=1))
    assert report.released == [] and report.sent == []
    report = send_due(store, [mailbox], now=now + STALE_AFTER + timedelta(seconds=1))
    row = row_of(store, message_id)
    assert report.released == [row["id"]] and report.sent == [row["id"]]
    assert row["status"] == "sent"
    first, second = received(server)
    key = f"<{message_key(store, message_id)}>"
    assert first["Message-ID"] == second["Message-ID"] == key
    detail = case_detail(store.conn, case_id)
    assert detail is not None
    assert any("same Message-ID" in entry[4] for entry in detail.history)


def test_a_row_is_claimed_once(store: Store, pipeline: Pipeline) -> None:
    case_id = ingest(pipeline)
    row = row_of(store, queue_reply(store, case_id))
    at = db_time(utc_now())
    with store.write() as conn:
        assert outbox.claim_for_sending(conn, row["id"], at=at)
        assert not outbox.claim_for_sending(conn, row["id"], at=at)
    assert outbox.due(store.conn, at) == []


def test_the_reply_leaves_from_the_mailbox_that_received_the_case(
        store: Store, pipeline: Pipeline, server: Server, mailbox: MailboxSettings) -> None:
    sales = replace(mailbox, name="sales", address="sales@example.com")
    by_source = ingest(pipeline, source="sales", sender="ann@example.com")
    queue_reply(store, by_source)
    # imported from a file: the mailbox is found by the address the customer wrote to
    by_address = ingest(pipeline, source="import/mail.eml", sender="carl@example.org",
                        name="Carl", subject="Other")
    queue_reply(store, by_address)
    send_due(store, [sales, mailbox], now=utc_now())
    senders = {m["To"]: m["From"] for m in received(server)}
    assert senders == {"ann@example.com": "sales@example.com",
                       "carl@example.org": "support@example.com"}


def test_a_mailbox_without_smtp_host_fails_the_reply_clearly(
        store: Store, pipeline: Pipeline, mailbox: MailboxSettings) -> None:
    case_id = ingest(pipeline)
    message_id = queue_reply(store, case_id)
    send_due(store, [replace(mailbox, smtp_host="")], now=utc_now())
    row = row_of(store, message_id)
    assert row["status"] == "failed" and "has no smtp_host" in row["last_error"]
    other = queue_reply(store, ingest(pipeline, sender="dan@example.org", name="Dan"))
    send_due(store, [], now=utc_now())
    assert "no mailbox can send" in row_of(store, other)["last_error"]


def test_a_missing_attachment_file_fails_the_reply(
        store: Store, pipeline: Pipeline, server: Server, mailbox: MailboxSettings) -> None:
    case_id = ingest(pipeline, attachment=("a.pdf", b"%PDF-1.4 gone"))
    files = start_draft(store.conn, case_id, "forward").attachment_ids
    message_id = queue_reply(store, case_id, attachment_ids=files)
    (_, _, _, sha256), = outbox.attachments_by_id(store.conn, list(files))
    blob_path(store.attachments_dir, sha256).unlink()
    send_due(store, [mailbox], now=utc_now())
    row = row_of(store, message_id)
    assert row["status"] == "failed" and "'a.pdf' is missing" in row["last_error"]
    assert server.handler.received == []


def test_a_chat_reply_without_a_channel_to_carry_it_fails_clearly(
        store: Store, pipeline: Pipeline, mailbox: MailboxSettings) -> None:
    result = pipeline.ingest(chat_event("telegram", "ann_tg", "hello"))
    assert result.case_id is not None
    message_id = queue_reply(store, result.case_id)
    row = row_of(store, message_id)
    assert row["channel"] == "telegram"
    assert json.loads(row["recipients"]) == {"to": ["ann_tg"]}  # no route: none was stored
    report = send_due(store, [mailbox], now=utc_now())
    after = row_of(store, message_id)
    assert report.failed == [row["id"]] and after["status"] == "failed"
    assert "no [[channels]] entry can send telegram replies" in after["last_error"]


def test_the_customer_refused_for_now_gets_it_later_alone_and_for_good_it_failed(
        store: Store, pipeline: Pipeline, server: Server, mailbox: MailboxSettings) -> None:
    """The server took the copy for bob and refused ann, the customer: recorded sent, the
    customer went unanswered while the case read answered."""
    case_id = ingest(pipeline, headers={"Cc": "bob@example.com"})
    message_id = queue_reply(store, case_id, mode="reply_all")
    server.handler.refused = {"ann@example.com": "451 4.2.0 mailbox busy, try later"}
    now = utc_now()
    report = send_due(store, [mailbox], now=now)
    row = row_of(store, message_id)
    assert report.retrying == [row["id"]] and report.sent == []
    assert (row["status"], json.loads(row["recipients"])) == (
        "queued", {"to": ["ann@example.com"], "cc": ["bob@example.com"],
                   "again": ["ann@example.com"]})
    assert "ann@example.com: 451" in row["last_error"]
    assert "goes again to ann@example.com only" in row["last_error"]
    server.handler.refused = {}
    report = send_due(store, [mailbox], now=now + BACKOFF[0])
    assert report.sent == [row["id"]] and row_of(store, message_id)["status"] == "sent"
    [first, again] = server.handler.messages()
    assert [e.rcpt_tos for e in server.handler.received] == [["bob@example.com"],
                                                              ["ann@example.com"]]
    for copy in (first, again):  # the same reply, all of it: a reply to all reaches bob
        assert (copy["To"], copy["Cc"]) == ("ann@example.com", "bob@example.com")
    assert again["Message-ID"] == first["Message-ID"]
    shown = next(m for m in case_detail(store.conn, case_id).messages if m.id == message_id)
    assert "bob@example.com" in shown.delivery_note  # the timeline still names everyone

    other = ingest(pipeline, sender="cy@example.com", headers={"Cc": "bob@example.com"})
    gone = queue_reply(store, other, mode="reply_all", to=("Cy Young <cy@example.com>",))
    server.handler.refused = {"cy@example.com": "550 5.1.1 no such user"}  # the server
    # names the bare address; the reply names it as typed, with a name
    report = send_due(store, [mailbox], now=now + BACKOFF[1])
    row = row_of(store, gone)
    assert report.failed == [row["id"]] and row["status"] == "failed"
    assert "cy@example.com: 550 5.1.1" in row["last_error"]


def test_a_copy_refused_for_now_goes_again_to_it_alone_and_a_lost_one_is_noted(
        store: Store, pipeline: Pipeline, server: Server, mailbox: MailboxSettings) -> None:
    """Greylisted, a Cc was never tried again: the reply read sent, the copy never came."""
    case_id = ingest(pipeline, headers={"Cc": "bob@example.com"})
    message_id = queue_reply(store, case_id, mode="reply_all")
    server.handler.refused = {"bob@example.com": "451 4.7.1 greylisted"}
    now = utc_now()
    assert send_due(store, [mailbox], now=now).retrying
    server.handler.refused = {}
    assert send_due(store, [mailbox], now=now + BACKOFF[0]).sent
    assert [e.rcpt_tos for e in server.handler.received] == [["ann@example.com"],
                                                              ["bob@example.com"]]
    assert row_of(store, message_id)["status"] == "sent"

    other = queue_reply(store, case_id, mode="reply_all")
    server.handler.refused = {"bob@example.com": "451 4.7.1 greylisted"}
    send_due(store, [mailbox], now=now + BACKOFF[1])
    server.handler.refused = {"bob@example.com": "550 5.1.1 gone"}  # then gone for good
    report = send_due(store, [mailbox], now=now + BACKOFF[1] + BACKOFF[0])
    row = row_of(store, other)
    assert report.sent == [row["id"]] and row["status"] == "sent"  # ann has it
    assert "bob@example.com: 550 5.1.1 gone" in row["last_error"]


def test_a_reply_refused_for_good_opens_the_case_it_left_solved(
        store: Store, pipeline: Pipeline, server: Server, mailbox: MailboxSettings) -> None:
    """As a bounce does: the customer is still waiting."""
    from omnitui.daemon.sender import refresh_failed
    from omnitui.model import Status
    from omnitui.services.desk import Desk
    from omnitui.services.upkeep import Upkeep

    case_id = ingest(pipeline)
    queue_reply(store, case_id)
    desk = Desk(store, "alice")
    desk.each([case_id], desk.status(Status.SOLVED))
    server.handler.refuse_all = "550 5.1.1 no such user"
    now = utc_now()
    report = send_due(store, [mailbox], now=now)
    refresh_failed(store, Upkeep(pipeline.settings), report.failed, now)
    assert store.conn.execute("SELECT status FROM cases WHERE id = ?", (case_id,)
                              ).fetchone()[0] == "open"
    reason = store.conn.execute("SELECT reason FROM audit WHERE action = 'case.status'"
                                " ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert "failed: every recipient refused" in reason


def test_a_reply_the_daemon_could_not_send_yet_can_still_be_taken_back(
        store: Store, pipeline: Pipeline, mailbox: MailboxSettings) -> None:
    """Tried once (a server away, a Message-ID put in the mailbox's domain), the reply
    still queued could no longer be undone: its row had "changed since"."""
    from omnitui.services.desk import Desk

    case_id = ingest(pipeline)
    message_id = queue_reply(store, case_id)
    key = store.conn.execute("SELECT thread_key FROM messages WHERE id = ?",
                             (message_id,)).fetchone()[0]
    send_due(store, [replace(mailbox, smtp_port=free_port())], now=utc_now())
    row = row_of(store, message_id)
    assert (row["status"], row["attempts"]) == ("queued", 1)
    renamed = store.conn.execute("SELECT thread_key FROM messages WHERE id = ?",
                                 (message_id,)).fetchone()[0]
    assert renamed != key and renamed.endswith("@example.com")
    Desk(store, "alice").undo()
    assert outbox.row_of_message(store.conn, message_id) is None


def test_the_daemon_hears_of_each_send_so_a_slow_one_is_not_taken_for_a_hang(
        store: Store, pipeline: Pipeline, server: Server, mailbox: MailboxSettings) -> None:
    """A server taking minutes over a message (10 are allowed) stopped the outbox loop
    coming round; the watchdog had systemd kill the daemon mid-send, and the reply went
    out again."""
    for n in range(2):
        queue_reply(store, ingest(pipeline, sender=f"c{n}@example.com"))
    heard = []
    send_due(store, [mailbox], now=utc_now(), each=lambda: heard.append(1))
    assert len(heard) == 2 and len(server.handler.received) == 2
