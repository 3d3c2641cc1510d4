"""Slack, through an app: the Events API in, the Web API (chat.postMessage) out.

In: verified with the signing secret: v0 HMAC-SHA256 over "v0:<timestamp>:<body>", the
timestamp inside a 5-minute window. The delivery key is the event_id, so Slack's retries
(X-Slack-Retry-Num) add nothing. Messages from bots, our own replies among them, are
acknowledged and not stored: they would come back as customer messages.

Out: in a public channel the reply goes into the message's thread, so the channel is not
flooded; in a DM it is just the next message. A private answer to a channel message (or a
route that names only a user, as when writing first) first opens the DM with
conversations.open. Slack answers 200 with {"ok": false, "error": ...}: "ratelimited" is
temporary, the rest are not. The id returned is "<channel>:<ts>", since a ts is unique only
within its channel.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from omnitui.channels.platform import Platform, Reply, Route, api_url
from omnitui.channels.replies import http
from omnitui.channels.webhooks.common import (
    Answer,
    HookRequest,
    Malformed,
    Rejected,
    field,
    file_line,
    fresh_timestamp,
    header,
    json_object,
    same,
    unix_time,
)
from omnitui.config import HookChannel, hook_secret
from omnitui.ingest.pending import RawItem
from omnitui.model import Channel, Identifier, Inbound, InboundEvent

API_BASE = "https://slack.com/api"
# Edits, deletions, joins and bot posts are not something a customer asked.
IGNORED_SUBTYPES = frozenset({"bot_message", "message_changed", "message_deleted",
                              "channel_join", "channel_leave", "message_replied"})
LOGIN_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired",
                          "account_inactive", "missing_scope"})


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def check(channel: HookChannel, secret: str, request: HookRequest, now: float) -> Answer:
    if request.method != "POST":
        raise Malformed("Slack posts its events")
    timestamp = header(request, "X-Slack-Request-Timestamp")
    given = header(request, "X-Slack-Signature")
    fresh_timestamp(timestamp, now)
    if not same(given, signature(secret, timestamp, request.body)):
        raise Rejected(403, "the signature does not match")
    payload = json_object(request.body)
    if payload.get("type") == "url_verification":
        return Answer(None, body=json.dumps({"challenge": field(payload, "challenge", str)}),
                      media_type="application/json")
    if payload.get("type") != "event_callback":
        return Answer(None)
    event = field(payload, "event", dict)
    if not _from_a_person(event):
        return Answer(None)
    return Answer(field(payload, "event_id", str))


def _from_a_person(event: dict) -> bool:
    return (event.get("type") == "message" and not event.get("bot_id")
            and event.get("subtype") not in IGNORED_SUBTYPES and bool(event.get("user")))


def parse(channel: HookChannel, item: RawItem) -> list[Inbound]:
    payload = json_object(item.body)
    event = field(payload, "event", dict)
    if not _from_a_person(event):
        return []
    conversation = field(event, "channel", str)
    ts = field(event, "ts", str)
    user = field(event, "user", str)
    lines = [event.get("text") or ""]
    for attached in event.get("files") or []:
        if isinstance(attached, dict):
            lines.append(file_line("file", attached.get("name", ""),
                                   attached.get("mimetype", ""), attached.get("size"),
                                   ref=f"slack file {attached.get('id', '?')}"))
    public = event.get("channel_type") != "im"
    return [InboundEvent(
        channel=Channel.SLACK, external_id=f"{conversation}:{ts}", raw=item.body,
        occurred_at=unix_time(ts), identifiers=[Identifier("slack", user, verified=True)],
        sender_name=user, text="\n".join(line for line in lines if line), source=item.source,
        reply_route={"hook": channel.name, "channel": conversation, "ts": ts,
                     "thread_ts": event.get("thread_ts") or (ts if public else None),
                     "user": user, "public": public})]


def send(channel: HookChannel, route: Route, reply: Reply, timeout: float) -> str | None:
    token = hook_secret(channel, "token")

    def call(method: str, body: dict[str, Any]) -> Any:
        return http.post(f"{api_url(channel, API_BASE)}/{method}", platform="Slack",
                         secrets=[token], timeout=timeout, judge=_judge, json_body=body,
                         headers={"Authorization": f"Bearer {token}"})

    body: dict[str, Any] = {"text": reply.text}
    if route.get("private") or not route.get("channel"):
        opened = call("conversations.open", {"users": route["user"]})
        body["channel"] = opened["channel"]["id"]
    else:
        body["channel"] = route["channel"]
        if route.get("public"):
            body["thread_ts"] = route.get("thread_ts") or route["ts"]
    answer = call("chat.postMessage", body)
    ts = answer.get("ts") if isinstance(answer, dict) else None
    return f"{answer.get('channel') or body['channel']}:{ts}" if ts else None


def _judge(status: int, body: Any) -> http.Refusal | None:
    if isinstance(body, dict) and body.get("ok") is False:
        error = str(body.get("error", "unknown error"))
        return http.Refusal(error, error == "ratelimited" or status == 429 or status >= 500,
                            login=error in LOGIN_ERRORS)
    return http.by_status(status, body)


def default_route(channel: HookChannel, message_channel: str, address: str) -> Route:
    return {"hook": channel.name, "user": address, "public": False}


PLATFORM = Platform("slack", frozenset({Channel.SLACK}), check, parse, send, default_route)
