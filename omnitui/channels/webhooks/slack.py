"""Slack Events API (notes/channels.md §4, Slack).

Verified with the signing secret: v0 HMAC-SHA256 over "v0:<timestamp>:<body>", the
timestamp inside a 5-minute window. The delivery key is the event_id, so Slack's retries
(X-Slack-Retry-Num) add nothing. Messages from bots, our own replies among them, are
acknowledged and not stored: they would come back as customer messages.
"""

from __future__ import annotations

import hashlib
import hmac
import json

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
from omnitui.config import HookChannel
from omnitui.ingest.pending import RawItem
from omnitui.model import Channel, Identifier, Inbound, InboundEvent

# Edits, deletions, joins and bot posts are not something a customer asked.
IGNORED_SUBTYPES = frozenset({"bot_message", "message_changed", "message_deleted",
                              "channel_join", "channel_leave", "message_replied"})


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
