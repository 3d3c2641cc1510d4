"""Moving a public conversation to a private one: the acknowledgement goes to the public
thread, the answer and every later reply to a DM, on each platform's API (a recording
server on loopback), and one undo takes both back while queued."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from omnitui.config import HookChannel
from omnitui.daemon.sender import send_due
from omnitui.ingest.pipeline import Pipeline
from omnitui.services.desk import Desk
from omnitui.services.outbound import queue_draft, start_draft
from omnitui.services.private import ACKNOWLEDGEMENT, move_to_private, private_draft
from omnitui.store.db import Store, StoreError, utc_now
from tests.conftest import chat_event
from tests.recording_server import RecordingServer, recording_server


def public_case(pipeline: Pipeline, channel: str, handle: str, route: dict[str, Any]) -> int:
    event = replace(chat_event(channel, handle, "my order 1234 never came"), reply_route=route)
    result = pipeline.ingest(event)
    assert result.case_id is not None
    return result.case_id


def move(store: Store, case_id: int, text: str = "Sorry! Which address?") -> tuple[int, int]:
    draft = replace(private_draft(store.conn, case_id), text=text)
    with store.write() as conn:
        return move_to_private(conn, case_id, draft, author="alice", at=utc_now())


def send(store: Store, api: RecordingServer, kind: str) -> None:
    hook = HookChannel(name=kind, kind=kind, secret="s", token="TOKEN", api_base=api.base_url)
    report = send_due(store, [], [hook], now=utc_now(), timeout=5)
    assert not report.failed and not report.retrying, report.errors


def test_telegram_group_post_is_acknowledged_publicly_and_answered_in_private(
        store: Store, pipeline: Pipeline) -> None:
    route = {"hook": "telegram", "chat_id": -100500, "message_id": 7, "user_id": 42,
             "public": True}
    case_id = public_case(pipeline, "telegram", "42", route)
    move(store, case_id)
    with recording_server() as api:
        api.default = (200, {"ok": True, "result": {"message_id": 9, "chat": {"id": 1}}})
        send(store, api, "telegram")
        ack, answer = (r.json() for r in api.requests)
        assert ack == {"chat_id": -100500, "text": ACKNOWLEDGEMENT,
                       "reply_parameters": {"message_id": 7}}
        assert answer == {"chat_id": 42, "text": "Sorry! Which address?"}
        draft = replace(start_draft(store.conn, case_id, "reply"), text="Thanks, on its way")
        with store.write() as conn:  # a later plain reply stays private
            queue_draft(conn, case_id, draft, author="alice", at=utc_now())
        send(store, api, "telegram")
        assert api.requests[-1].json() == {"chat_id": 42, "text": "Thanks, on its way"}
    with pytest.raises(StoreError, match="not a public conversation"):
        private_draft(store.conn, case_id)


def test_slack_channel_message_moves_to_a_dm(store: Store, pipeline: Pipeline) -> None:
    route = {"hook": "slack", "channel": "C42", "ts": "1.5", "thread_ts": "1.5",
             "user": "U7", "public": True}
    case_id = public_case(pipeline, "slack", "U7", route)
    move(store, case_id)
    with recording_server() as api:
        api.answer(200, {"ok": True, "ts": "2.0", "channel": "C42"})
        api.answer(200, {"ok": True, "channel": {"id": "D99"}})
        api.answer(200, {"ok": True, "ts": "3.0", "channel": "D99"})
        send(store, api, "slack")
        ack, opened, answer = api.requests
        assert (ack.path, ack.json()["channel"], ack.json()["thread_ts"]) == (
            "/chat.postMessage", "C42", "1.5")
        assert (opened.path, opened.json()) == ("/conversations.open", {"users": "U7"})
        assert answer.json() == {"channel": "D99", "text": "Sorry! Which address?"}


def test_a_comment_gets_a_public_reply_and_the_one_private_reply(
        store: Store, pipeline: Pipeline) -> None:
    route = {"hook": "meta", "platform": "messenger", "comment_id": "C_1", "recipient": "P1",
             "public": True}
    case_id = public_case(pipeline, "messenger", "P1", route)
    move(store, case_id)
    with recording_server() as api:
        api.default = (200, {"id": "x", "message_id": "m.1"})
        send(store, api, "meta")
        ack, answer = api.requests
        assert ack.path == "/C_1/comments" and ack.json() == {"message": ACKNOWLEDGEMENT}
        assert answer.path == "/me/messages"
        assert answer.json()["recipient"] == {"comment_id": "C_1"}


def test_one_undo_takes_both_back_and_a_private_case_is_refused(
        store: Store, pipeline: Pipeline) -> None:
    route = {"hook": "telegram", "chat_id": -1, "message_id": 1, "user_id": 5, "public": True}
    case_id = public_case(pipeline, "telegram", "5", route)
    move(store, case_id)
    Desk(store, "alice").undo()  # what the console's `u` runs
    assert store.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    assert private_draft(store.conn, case_id).private  # public again: can be moved again
    dm = public_case(pipeline, "telegram", "77", {"hook": "telegram", "chat_id": 77,
                                                  "message_id": 2, "user_id": 77,
                                                  "public": False})
    with pytest.raises(StoreError, match="not a public conversation"):
        private_draft(store.conn, dm)
