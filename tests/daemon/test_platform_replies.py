"""Replies through each platform's API, against a recording HTTP server on loopback: the
request in the platform's exact format, the sent row on the timeline with the platform's
id, retries on 429/5xx, permanent failures with the platform's reason, and no token in any
error or log."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from omnitui.channels.signing import standard_webhooks_signature
from omnitui.config import HookChannel
from omnitui.daemon.sender import BACKOFF, SendReport, send_due
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Draft, Identifier, MessageView
from omnitui.services.outbound import queue_draft, start_case, start_draft
from omnitui.store import channel_state, outbox
from omnitui.store.db import Store, db_time, utc_now
from omnitui.store.messages import message_by_id
from omnitui.store.queries import case_detail
from tests.channels.test_smtp import free_port
from tests.conftest import chat_event
from tests.recording_server import RecordingServer, recording_server

TOKEN = "tok-9f8e7d6c5b4a-SECRET"
SECRET = "whsec_" + base64.b64encode(b"generic signing key").decode()
REPLY = "Your parcel left the depot this morning."


@pytest.fixture
def api() -> Iterator[RecordingServer]:
    with recording_server() as server:
        yield server


def hook(kind: str, api: RecordingServer, name: str = "", **values: Any) -> HookChannel:
    return HookChannel(name=name or kind, kind=kind, secret=SECRET, token=TOKEN,
                       api_base=api.base_url, **values)


def ingest(pipeline: Pipeline, channel: str, handle: str, route: dict[str, Any] | None,
           identifiers: list[Identifier] | None = None) -> int:
    event = replace(chat_event(channel, handle, "Where is my parcel?",
                               identifiers=identifiers), reply_route=route)
    result = pipeline.ingest(event)
    assert result.case_id is not None
    return result.case_id


def queue_reply(store: Store, case_id: int, **changes: Any) -> int:
    draft = replace(start_draft(store.conn, case_id, "reply"), text=REPLY, **changes)
    with store.write() as conn:
        return queue_draft(conn, case_id, draft, author="alice", at=utc_now())


def send(store: Store, *channels: HookChannel, **kwargs: Any) -> SendReport:
    kwargs.setdefault("now", utc_now())
    return send_due(store, [], channels, timeout=5, **kwargs)


def row_of(store: Store, message_id: int) -> dict[str, Any]:
    row = outbox.row_of_message(store.conn, message_id)
    assert row is not None
    return row


def shown(store: Store, case_id: int, message_id: int) -> MessageView:
    detail = case_detail(store.conn, case_id)
    assert detail is not None
    return next(m for m in detail.messages if m.id == message_id)


def external_id(store: Store, message_id: int) -> str | None:
    row = message_by_id(store.conn, message_id)
    assert row is not None
    return row["external_id"]


def assert_sent(store: Store, case_id: int, message_id: int, ext: str) -> None:
    row = row_of(store, message_id)
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 1, "")
    view = shown(store, case_id, message_id)
    assert view.direction == "out" and view.delivery == "sent" and view.text == REPLY
    assert external_id(store, message_id) == ext


TELEGRAM_SENT = {"ok": True, "result": {"message_id": 77, "chat": {"id": 111}}}


def test_telegram_private_chat(store: Store, pipeline: Pipeline, api: RecordingServer) -> None:
    case_id = ingest(pipeline, "telegram", "111", {"hook": "tg", "chat_id": 111,
                                                   "message_id": 5, "user_id": 111,
                                                   "public": False})
    message_id = queue_reply(store, case_id)
    assert json.loads(row_of(store, message_id)["recipients"])["route"]["chat_id"] == 111
    api.answer(200, TELEGRAM_SENT)
    report = send(store, hook("telegram", api, "tg"))
    assert report.sent == [row_of(store, message_id)["id"]]
    (request,) = api.requests
    assert (request.method, request.path) == ("POST", f"/bot{TOKEN}/sendMessage")
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {"chat_id": 111, "text": REPLY}  # no quote in a private chat
    assert_sent(store, case_id, message_id, "111:77")
    (health,) = channel_state.channel_states(store.conn)
    assert (health.channel, health.account, health.last_error) == ("webhook-out", "tg", "")


def test_telegram_group_quotes_the_message_or_answers_privately(
        store: Store, pipeline: Pipeline, api: RecordingServer) -> None:
    route = {"hook": "tg", "chat_id": -100200, "message_id": 9, "user_id": 111, "public": True}
    case_id = ingest(pipeline, "telegram", "111", route)
    queue_reply(store, case_id)
    queue_reply(store, case_id, private=True)
    send(store, hook("telegram", api, "tg"))
    public, private = (r.json() for r in api.requests)
    assert public == {"chat_id": -100200, "text": REPLY, "reply_parameters": {"message_id": 9}}
    assert private == {"chat_id": 111, "text": REPLY}


def test_slack_channel_message_is_answered_in_its_thread(
        store: Store, pipeline: Pipeline, api: RecordingServer) -> None:
    case_id = ingest(pipeline, "slack", "U42", {"hook": "slack", "channel": "C9",
                                                "ts": "1700.0001", "thread_ts": None,
                                                "user": "U42", "public": True})
    message_id = queue_reply(store, case_id)
    api.answer(200, {"ok": True, "channel": "C9", "ts": "1700.0002"})
    send(store, hook("slack", api))
    (request,) = api.requests
    assert request.path == "/chat.postMessage"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.json() == {"channel": "C9", "text": REPLY, "thread_ts": "1700.0001"}
    assert_sent(store, case_id, message_id, "C9:1700.0002")


def test_slack_private_answer_opens_the_dm(store: Store, pipeline: Pipeline,
                                           api: RecordingServer) -> None:
    case_id = ingest(pipeline, "slack", "U42", {"hook": "slack", "channel": "C9",
                                                "ts": "1700.0001", "thread_ts": "1699.0",
                                                "user": "U42", "public": True})
    message_id = queue_reply(store, case_id, private=True)
    api.answer(200, {"ok": True, "channel": {"id": "D7"}})
    api.answer(200, {"ok": True, "channel": "D7", "ts": "1700.0003"})
    send(store, hook("slack", api))
    opened, posted = api.requests
    assert (opened.path, opened.json()) == ("/conversations.open", {"users": "U42"})
    assert (posted.path, posted.json()) == ("/chat.postMessage", {"channel": "D7", "text": REPLY})
    assert_sent(store, case_id, message_id, "D7:1700.0003")


@pytest.mark.parametrize(("channel", "to"), [("sms", "+14155550100"),
                                             ("whatsapp", "whatsapp:+14155550100")])
def test_twilio_sms_and_whatsapp(store: Store, pipeline: Pipeline, api: RecordingServer,
                                 channel: str, to: str) -> None:
    ours = to.replace("4155550100", "8005550199")
    case_id = ingest(pipeline, channel, "+14155550100", {"hook": "twilio", "to": to,
                                                         "from": ours},
                     identifiers=[Identifier("phone", "+14155550100", verified=True)])
    message_id = queue_reply(store, case_id)
    api.answer(201, {"sid": "SM0123456789abcdef", "status": "queued"})
    send(store, hook("twilio", api, account_sid="AC123"))
    (request,) = api.requests
    assert request.path == "/2010-04-01/Accounts/AC123/Messages.json"
    assert request.headers["authorization"] == "Basic " + base64.b64encode(
        f"AC123:{TOKEN}".encode()).decode()
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.form() == {"To": to, "From": ours, "Body": REPLY}
    assert_sent(store, case_id, message_id, "SM0123456789abcdef")


def test_meta_whatsapp_quotes_the_customer_message(store: Store, pipeline: Pipeline,
                                                   api: RecordingServer) -> None:
    case_id = ingest(pipeline, "whatsapp", "+14155550100",
                     {"hook": "meta", "platform": "whatsapp", "phone_number_id": "1065",
                      "to": "14155550100", "message_id": "wamid.IN1"},
                     identifiers=[Identifier("phone", "+14155550100", verified=True)])
    message_id = queue_reply(store, case_id)
    api.answer(200, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.OUT1"}]})
    send(store, hook("meta", api))
    (request,) = api.requests
    assert request.path == "/1065/messages"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.json() == {"messaging_product": "whatsapp", "to": "14155550100",
                              "type": "text", "text": {"body": REPLY},
                              "context": {"message_id": "wamid.IN1"}}
    assert_sent(store, case_id, message_id, "wamid.OUT1")


def test_meta_messenger_dm(store: Store, pipeline: Pipeline, api: RecordingServer) -> None:
    case_id = ingest(pipeline, "messenger", "PSID1",
                     {"hook": "meta", "platform": "messenger", "recipient": "PSID1"})
    message_id = queue_reply(store, case_id)
    api.answer(200, {"recipient_id": "PSID1", "message_id": "m_abc"})
    send(store, hook("meta", api))
    (request,) = api.requests
    assert request.path == "/me/messages"
    assert request.json() == {"recipient": {"id": "PSID1"}, "messaging_type": "RESPONSE",
                              "message": {"text": REPLY}}
    assert_sent(store, case_id, message_id, "m_abc")


def queue_unasked(store: Store, case_id: int, template: str) -> int:
    """A message nobody asked for, outside the 24-hour window (services/window.py)."""
    draft = replace(start_draft(store.conn, case_id, "reply"), text=REPLY)
    with store.write() as conn:
        return queue_draft(conn, case_id, draft, author="alice", at=utc_now(),
                           automatic="csat", template=(template, "de"))


def test_outside_the_window_each_platform_sends_its_approved_form(
        store: Store, pipeline: Pipeline, api: RecordingServer) -> None:
    """WhatsApp on Meta: the template, the text its one body variable; Messenger: a
    message tag; WhatsApp on Twilio: the Content SID and its variable."""
    phone = [Identifier("phone", "+14155550100", verified=True)]
    whatsapp = ingest(pipeline, "whatsapp", "+14155550100",
                      {"hook": "meta", "platform": "whatsapp", "phone_number_id": "1065",
                       "to": "14155550100", "message_id": "wamid.IN1"}, identifiers=phone)
    queue_unasked(store, whatsapp, "survey_v2")
    send(store, hook("meta", api))
    assert api.requests[-1].json() == {
        "messaging_product": "whatsapp", "to": "14155550100", "type": "template",
        "template": {"name": "survey_v2", "language": {"code": "de"}, "components": [
            {"type": "body", "parameters": [{"type": "text", "text": REPLY}]}]}}
    messenger = ingest(pipeline, "messenger", "PSID1",
                       {"hook": "meta", "platform": "messenger", "recipient": "PSID1"})
    queue_unasked(store, messenger, "ACCOUNT_UPDATE")
    send(store, hook("meta", api))
    assert api.requests[-1].json() == {"recipient": {"id": "PSID1"},
                                       "messaging_type": "MESSAGE_TAG",
                                       "tag": "ACCOUNT_UPDATE", "message": {"text": REPLY}}
    twilio = ingest(pipeline, "whatsapp", "+14155550199",
                    {"hook": "twilio", "to": "whatsapp:+14155550199",
                     "from": "whatsapp:+18005550199"},
                    identifiers=[Identifier("phone", "+14155550199", verified=True)])
    queue_unasked(store, twilio, "HX0123456789abcdef")
    api.answer(201, {"sid": "SM1", "status": "queued"})
    send(store, hook("twilio", api, account_sid="AC123"))
    assert api.requests[-1].form() == {
        "To": "whatsapp:+14155550199", "From": "whatsapp:+18005550199",
        "ContentSid": "HX0123456789abcdef", "ContentVariables": json.dumps({"1": REPLY})}


@pytest.mark.parametrize(("platform", "edge"), [("messenger", "comments"),
                                                ("instagram", "replies")])
def test_meta_comment_answered_in_public_or_privately(
        store: Store, pipeline: Pipeline, api: RecordingServer, platform: str,
        edge: str) -> None:
    case_id = ingest(pipeline, platform, "IGSID1",
                     {"hook": "meta", "platform": platform, "comment_id": "178",
                      "recipient": "IGSID1", "public": True})
    public = queue_reply(store, case_id)
    private = queue_reply(store, case_id, private=True)
    api.answer(200, {"id": "178_901"})
    api.answer(200, {"recipient_id": "IGSID1", "message_id": "m_dm"})
    send(store, hook("meta", api))
    first, second = api.requests
    assert (first.path, first.json()) == (f"/178/{edge}", {"message": REPLY})
    assert (second.path, second.json()) == ("/me/messages", {
        "recipient": {"comment_id": "178"}, "message": {"text": REPLY}})
    assert_sent(store, case_id, public, "178_901")
    assert_sent(store, case_id, private, "m_dm")


def test_generic_reply_url_is_signed_the_standard_webhooks_way(
        store: Store, pipeline: Pipeline, api: RecordingServer) -> None:
    case_id = ingest(pipeline, "web", "visitor-7",
                     {"hook": "site", "reply_url": f"{api.base_url}/answers"})
    message_id = queue_reply(store, case_id)
    api.answer(200, {"id": "a-1"})
    send(store, hook("generic", api, "site", shown_as="web"))
    (request,) = api.requests
    assert request.path == "/answers"
    assert request.json() == {"case_id": case_id, "text": REPLY, "to": ["visitor-7"]}
    headers = request.headers
    assert headers["webhook-id"] == f"omnitui-reply-{message_id}"
    assert abs(int(headers["webhook-timestamp"]) - utc_now().timestamp()) < 60
    assert headers["webhook-signature"] == standard_webhooks_signature(
        SECRET, headers["webhook-id"], headers["webhook-timestamp"], request.body)
    assert_sent(store, case_id, message_id, "site:a-1")


def test_5xx_and_429_are_retried_with_backoff(store: Store, pipeline: Pipeline,
                                              api: RecordingServer) -> None:
    case_id = ingest(pipeline, "telegram", "111", {"hook": "tg", "chat_id": 111,
                                                   "user_id": 111, "public": False})
    message_id = queue_reply(store, case_id)
    tg = hook("telegram", api, "tg")
    api.answer(502, {"ok": False, "error_code": 502, "description": "Bad Gateway"})
    now = utc_now()
    report = send(store, tg, now=now)
    row = row_of(store, message_id)
    assert report.retrying == [row["id"]]
    assert (row["status"], row["attempts"]) == ("queued", 1)
    assert row["next_attempt_at"] == db_time(now + BACKOFF[0])
    assert "502 Bad Gateway" in row["last_error"]
    api.answer(429, {"ok": False, "error_code": 429,
                     "description": "Too Many Requests: retry after 3"})
    report = send(store, tg, now=now + BACKOFF[0])
    assert report.retrying == [row["id"]]
    assert "retry after 3" in row_of(store, message_id)["last_error"]
    api.answer(200, TELEGRAM_SENT)
    assert send(store, tg, now=now + BACKOFF[0] + BACKOFF[1]).sent == [row["id"]]
    assert len(api.requests) == 3
    row = row_of(store, message_id)
    assert (row["status"], row["attempts"], row["last_error"]) == ("sent", 3, "")


@pytest.mark.parametrize(("kind", "route", "status", "answer", "temporary"), [
    ("slack", {"hook": "slack", "channel": "C9", "ts": "1.2", "public": False}, 200,
     {"ok": False, "error": "ratelimited"}, True),
    ("meta", {"hook": "meta", "platform": "messenger", "recipient": "P"}, 400,
     {"error": {"message": "Application request limit reached", "code": 4}}, True),
    ("twilio", {"hook": "twilio", "to": "+14155550100", "from": "+18005550199"}, 503,
     {"message": "Service Unavailable", "code": 20503}, True),
    ("slack", {"hook": "slack", "channel": "C9", "ts": "1.2", "public": False}, 200,
     {"ok": False, "error": "channel_not_found"}, False),
    ("meta", {"hook": "meta", "platform": "messenger", "recipient": "P"}, 400,
     {"error": {"message": "(#100) No matching user found", "code": 100}}, False),
    ("twilio", {"hook": "twilio", "to": "+14155550100", "from": "+18005550199"}, 400,
     {"message": "The 'To' number is not a valid phone number.", "code": 21211}, False),
])
def test_each_platforms_errors_are_read_from_its_own_answer(
        store: Store, pipeline: Pipeline, api: RecordingServer, kind: str,
        route: dict[str, Any], status: int, answer: dict[str, Any], temporary: bool) -> None:
    case_id = ingest(pipeline, "messenger", "P", route)
    message_id = queue_reply(store, case_id)
    api.answer(status, answer)
    report = send(store, hook(kind, api, account_sid="AC1"))
    row = row_of(store, message_id)
    assert (report.retrying if temporary else report.failed) == [row["id"]]
    assert row["status"] == ("queued" if temporary else "failed")
    reason = answer.get("error") or answer.get("message")
    reason = reason["message"] if isinstance(reason, dict) else reason
    assert reason in row["last_error"]


def telegram_dm_case(pipeline: Pipeline) -> int:
    return ingest(pipeline, "telegram", "111", {"hook": "tg", "chat_id": 111,
                                                "user_id": 111, "public": False})


def test_a_400_fails_with_the_platforms_reason_and_never_the_token(
        store: Store, pipeline: Pipeline, api: RecordingServer,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    case_id = telegram_dm_case(pipeline)
    message_id = queue_reply(store, case_id)
    api.answer(400, {"ok": False, "error_code": 400,
                     "description": f"Bad Request: chat not found (/bot{TOKEN}/sendMessage)"})
    report = send(store, hook("telegram", api, "tg"))
    row = row_of(store, message_id)
    assert report.failed == [row["id"]] and row["status"] == "failed"
    assert "Bad Request: chat not found" in row["last_error"]
    view = shown(store, case_id, message_id)
    assert view.delivery == "failed" and "chat not found" in view.delivery_note
    assert TOKEN not in row["last_error"] + view.delivery_note + report.errors[row["id"]]
    assert TOKEN not in caplog.text
    (health,) = channel_state.channel_states(store.conn)
    assert health.last_error == ""  # the chat's problem, not the bot's


def test_a_refused_token_and_an_unreachable_api_show_on_the_channels_health(
        store: Store, pipeline: Pipeline, api: RecordingServer,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    case_id = telegram_dm_case(pipeline)
    refused = queue_reply(store, case_id)
    api.answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
    send(store, hook("telegram", api, "tg"))
    assert row_of(store, refused)["status"] == "failed"
    (health,) = channel_state.channel_states(store.conn)
    assert health.failing and "401 Unauthorized" in health.last_error
    unreachable = queue_reply(store, case_id)
    down = replace(hook("telegram", api, "tg"), api_base=f"http://127.0.0.1:{free_port()}")
    send(store, down)
    row = row_of(store, unreachable)
    assert row["status"] == "queued" and "cannot reach Telegram" in row["last_error"]
    assert TOKEN not in row["last_error"] and TOKEN not in caplog.text


def test_a_reply_the_platform_could_not_be_reached_for_says_it_is_tried_again(
        store: Store, pipeline: Pipeline, api: RecordingServer) -> None:
    """Offline, the timeline read "queued · to 111 · cannot reach Telegram": whether the
    reply was kept, and would go, was left to guess."""
    case_id = telegram_dm_case(pipeline)
    message_id = queue_reply(store, case_id)
    send(store, replace(hook("telegram", api, "tg"),
                        api_base=f"http://127.0.0.1:{free_port()}"))
    view = shown(store, case_id, message_id)
    assert view.delivery == "queued" and "cannot reach Telegram" in view.delivery_note
    assert view.delivery_note.endswith("(trying again by itself)")


def test_a_route_naming_a_removed_channel_fails_clearly(
        store: Store, pipeline: Pipeline, api: RecordingServer) -> None:
    case_id = ingest(pipeline, "telegram", "111", {"hook": "old-bot", "chat_id": 111,
                                                   "user_id": 111, "public": False})
    message_id = queue_reply(store, case_id)
    send(store, hook("telegram", api, "tg"))
    row = row_of(store, message_id)
    assert row["status"] == "failed" and "'old-bot'" in row["last_error"]
    assert "no longer in the config" in row["last_error"] and api.requests == []


def test_writing_first_builds_a_route_from_the_address(
        store: Store, pipeline: Pipeline, api: RecordingServer) -> None:
    def new_case(channel: str, to: str) -> tuple[int, int]:
        draft = Draft("new", channel, text=REPLY, to=(to,))
        with store.write() as conn:
            return start_case(conn, draft, author="alice", at=utc_now(),
                              default_queue="general", phone_region="US")

    _, dm = new_case("messenger", "PSID9")
    _, sms = new_case("sms", "+14155550123")
    assert "route" not in json.loads(row_of(store, dm)["recipients"])
    api.answer(200, {"recipient_id": "PSID9", "message_id": "m_first"})
    send(store, hook("meta", api), hook("twilio", api, account_sid="AC1"))
    (request,) = api.requests
    assert request.json()["recipient"] == {"id": "PSID9"}
    assert row_of(store, dm)["status"] == "sent"
    row = row_of(store, sms)
    assert row["status"] == "failed" and "set from_number on channel 'twilio'" in (
        row["last_error"])
    api.requests.clear()
    api.answer(201, {"sid": "SMFIRST"})
    api.answer(200, {"messages": [{"id": "wamid.FIRST"}]})
    _, sms = new_case("sms", "+14155550123")
    _, whatsapp = new_case("whatsapp", "+14155550124")
    send(store, hook("meta", api, phone_number_id="PN7"),
         hook("twilio", api, account_sid="AC1", from_number="+18005550199"))
    twilio_request, meta_request = api.requests
    assert (twilio_request.form()["To"], twilio_request.form()["From"]) == (
        "+14155550123", "+18005550199")
    assert meta_request.path == "/PN7/messages" and meta_request.json()["to"] == "14155550124"
    assert row_of(store, sms)["status"] == row_of(store, whatsapp)["status"] == "sent"


def test_receipts_show_on_the_timeline_and_never_go_backwards(
        store: Store, pipeline: Pipeline, api: RecordingServer) -> None:
    case_id = ingest(pipeline, "whatsapp", "+14155550100",
                     {"hook": "meta", "platform": "whatsapp", "phone_number_id": "1065",
                      "to": "14155550100", "message_id": "wamid.IN1"},
                     identifiers=[Identifier("phone", "+14155550100", verified=True)])
    message_id = queue_reply(store, case_id)
    api.answer(200, {"messages": [{"id": "wamid.OUT1"}]})
    send(store, hook("meta", api))
    at = db_time(utc_now())

    def receipt(status: str, error: str = "", ext: str = "wamid.OUT1") -> bool:
        with store.write() as conn:
            return outbox.record_receipt(conn, "whatsapp", ext, status, at, error)

    assert receipt("delivered")
    assert shown(store, case_id, message_id).delivery_note == "delivered · to +14155550100"
    assert receipt("read") and receipt("delivered")  # a late "delivered" changes nothing
    view = shown(store, case_id, message_id)
    assert (view.delivery, view.delivery_note) == ("sent", "read · to +14155550100")
    assert not receipt("read", ext="wamid.UNKNOWN")
    assert not outbox.record_receipt(store.conn, "sms", "wamid.OUT1", "read", at)
    detail = case_detail(store.conn, case_id)
    assert detail is not None
    audit = [(h[2], h[3], h[4]) for h in detail.history if h[3] == "reply.receipt"]
    assert audit == [("omnitui-daemon", "reply.receipt", "delivered"),
                     ("omnitui-daemon", "reply.receipt", "read")]
    # a failure (with the platform's reason) shows when nothing better was heard
    other = queue_reply(store, case_id)
    api.answer(200, {"messages": [{"id": "wamid.OUT2"}]})
    send(store, hook("meta", api), now=utc_now() + timedelta(seconds=1))
    assert receipt("failed", "131047 Re-engagement message: more than 24 hours", "wamid.OUT2")
    assert shown(store, case_id, other).delivery_note.startswith(
        "failed: 131047 Re-engagement message")
