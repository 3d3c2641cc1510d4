"""Meta: WhatsApp Cloud API, Messenger and Instagram, in by webhook, out by the Graph API.

In: the subscribe handshake is a GET with hub.verify_token and hub.challenge. Deliveries are
signed with X-Hub-Signature-256 (HMAC-SHA256 of the body, keyed with the app secret) and
batch several entries, each with several messages or statuses. Meta retries a request with
the same body, so the delivery key is the body's hash; each message is deduped again by its
own id (wamid, mid) when it is filed. Our own sends come back as echoes (is_echo, or a
comment by the page itself) and are never customer messages; WhatsApp statuses and
Messenger deliveries and reads are receipts for the replies we sent.

Out: WhatsApp replies quote the customer's message (context) so the answer sits under it.
Messenger and Instagram DMs go to /me/messages as a RESPONSE (allowed within 24 h of the
customer's message). A comment on a post is answered in public under it, or privately
(route "private") as a DM tied to the comment, the one private message Meta allows there.
Writing first on WhatsApp needs our number's id (phone_number_id). Graph errors are
{"error": {"message", "code"}}; codes 4, 17, 32 and 613 are rate limits (temporary even
though they come as HTTP 400), 190 is a bad token. The id returned is the wamid, the message
id (mid) or the new comment's id.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from typing import Any

from omnitui.channels.errors import PermanentFailure
from omnitui.channels.platform import Platform, Reply, Route, api_url
from omnitui.channels.replies import http
from omnitui.channels.webhooks.common import (
    RECEIPT_STATUSES,
    Answer,
    HookRequest,
    Malformed,
    Rejected,
    field,
    file_line,
    header,
    json_object,
    same,
    unix_time,
)
from omnitui.config import HookChannel, hook_secret
from omnitui.ingest.pending import RawItem
from omnitui.model import Channel, DeliveryReceipt, Identifier, Inbound, InboundEvent

API_BASE = "https://graph.facebook.com/v21.0"
OBJECTS = {"whatsapp_business_account": Channel.WHATSAPP, "page": Channel.MESSENGER,
           "instagram": Channel.INSTAGRAM}
MEDIA = ("image", "document", "audio", "video", "sticker")
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
TOKEN_CODES = frozenset({102, 190})
COMMENT_EDGES = {Channel.MESSENGER: "comments", Channel.INSTAGRAM: "replies"}


def check(channel: HookChannel, secret: str, request: HookRequest, now: float) -> Answer:
    if request.method == "GET":
        if request.query.get("hub.mode") != "subscribe":
            raise Malformed("a GET must be Meta's subscribe handshake (hub.mode=subscribe)")
        if not same(request.query.get("hub.verify_token", ""),
                    hook_secret(channel, "verify_token")):
            raise Rejected(403, "wrong hub.verify_token in the subscribe handshake")
        return Answer(None, body=request.query.get("hub.challenge", ""))
    given = header(request, "X-Hub-Signature-256")
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    if not same(given, expected):
        raise Rejected(403, "the signature does not match")
    return Answer(hashlib.sha256(request.body).hexdigest())


def parse(channel: HookChannel, item: RawItem) -> list[Inbound]:
    payload = json_object(item.body)
    kind = OBJECTS.get(payload.get("object", ""))
    if kind is None:
        raise Malformed(f"unknown object {payload.get('object')!r}")
    found: list[Inbound] = []
    for entry in _objects(field(payload, "entry", list), "entry"):
        if kind == Channel.WHATSAPP:
            for change in _objects(entry.get("changes") or [], "changes"):
                if change.get("field") == "messages":
                    found += _whatsapp(channel, item, field(change, "value", dict))
        else:
            for event in _objects(entry.get("messaging") or [], "messaging"):
                found += _direct(channel, item, kind, event)
            for change in _objects(entry.get("changes") or [], "changes"):
                found += _comment(channel, item, kind, str(entry.get("id", "")), change)
    return found


def _objects(values: Any, name: str) -> Iterator[dict[str, Any]]:
    if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
        raise Malformed(f"{name!r} is not a list of objects")
    yield from values


def _whatsapp(channel: HookChannel, item: RawItem, value: dict[str, Any]) -> list[Inbound]:
    metadata = value.get("metadata") or {}
    names = {c.get("wa_id"): (c.get("profile") or {}).get("name", "")
             for c in _objects(value.get("contacts") or [], "contacts")}
    found: list[Inbound] = []
    for message in _objects(value.get("messages") or [], "messages"):
        sender = field(message, "from", str)
        wamid = field(message, "id", str)
        found.append(InboundEvent(
            channel=Channel.WHATSAPP, external_id=wamid, raw=item.body,
            occurred_at=unix_time(message.get("timestamp")),
            identifiers=[Identifier("phone", "+" + sender.lstrip("+"), verified=True)],
            sender_name=names.get(sender, ""), text=_whatsapp_text(message),
            source=item.source,
            reply_route={"hook": channel.name, "platform": "whatsapp",
                         "phone_number_id": str(metadata.get("phone_number_id", "")),
                         "to": sender, "message_id": wamid}))
    for status in _objects(value.get("statuses") or [], "statuses"):
        if field(status, "status", str) not in RECEIPT_STATUSES:
            continue  # "deleted", "warning"...: nothing a reader of the timeline needs
        errors = status.get("errors") or [{}]
        found.append(DeliveryReceipt(
            Channel.WHATSAPP, field(status, "id", str), status["status"],
            unix_time(status.get("timestamp")),
            str(errors[0].get("title") or errors[0].get("message") or "")
            if isinstance(errors[0], dict) else ""))
    return found


def _whatsapp_text(message: dict[str, Any]) -> str:
    kind = message.get("type", "")
    if kind == "text":
        return str((message.get("text") or {}).get("body", ""))
    if kind in MEDIA:
        media = message.get(kind) or {}
        line = file_line(kind, media.get("filename", ""), media.get("mime_type", ""),
                         ref=f"whatsapp media {media.get('id', '?')}")
        return "\n".join(x for x in (str(media.get("caption") or ""), line) if x)
    if kind == "location":
        place = message.get("location") or {}
        return f"[location: {place.get('latitude')}, {place.get('longitude')}" \
               f"{' ' + place['name'] if place.get('name') else ''}]"
    if kind == "reaction":
        return f"[reaction {(message.get('reaction') or {}).get('emoji', '')}]"
    if kind in ("button", "interactive"):
        data = message.get(kind) or {}
        reply = data.get("button_reply") or data.get("list_reply") or data
        return str(reply.get("title") or reply.get("text") or f"[{kind}]")
    return f"[{kind or 'unknown'} message]"


def _direct(channel: HookChannel, item: RawItem, kind: str,
            event: dict[str, Any]) -> list[Inbound]:
    sender = str(field(event, "sender", dict).get("id", ""))
    at = unix_time(event.get("timestamp"))
    if isinstance(event.get("delivery"), dict):
        return [DeliveryReceipt(kind, str(mid), "delivered", at)
                for mid in event["delivery"].get("mids") or []]
    message = event.get("message")
    if not isinstance(message, dict) or message.get("is_echo"):
        return []  # a read mark, a reaction, or our own reply echoed back
    lines = [str(message.get("text") or "")]
    for attached in _objects(message.get("attachments") or [], "attachments"):
        lines.append(file_line(str(attached.get("type", "file")),
                               ref=str((attached.get("payload") or {}).get("url", ""))))
    return [InboundEvent(
        channel=kind, external_id=field(message, "mid", str), raw=item.body, occurred_at=at,
        identifiers=[Identifier(kind, sender, verified=True)],
        text="\n".join(x for x in lines if x), source=item.source,
        reply_route={"hook": channel.name, "platform": kind, "recipient": sender})]


def _comment(channel: HookChannel, item: RawItem, kind: str, page_id: str,
             change: dict[str, Any]) -> list[Inbound]:
    """A public comment on one of the page's posts (Facebook feed, Instagram comments)."""
    value = change.get("value")
    if not isinstance(value, dict):
        return []
    if change.get("field") == "feed" and value.get("item") == "comment" \
            and value.get("verb") == "add":
        comment_id, text = value.get("comment_id"), value.get("message", "")
        author = value.get("from") or {}
        at = value.get("created_time")
    elif change.get("field") == "comments":
        comment_id, text = value.get("id"), value.get("text", "")
        author = value.get("from") or {}
        at = item.received_at.timestamp()
    else:
        return []
    author_id = str(author.get("id", ""))
    if not comment_id or not author_id or author_id == page_id:
        return []  # the page's own comment: our reply echoed back
    return [InboundEvent(
        channel=kind, external_id=f"comment:{comment_id}", raw=item.body,
        occurred_at=unix_time(at) if at else item.received_at,
        identifiers=[Identifier(kind, author_id, verified=True)],
        sender_name=str(author.get("name") or author.get("username") or ""),
        subject="Comment on a post", text=str(text), source=item.source,
        reply_route={"hook": channel.name, "platform": kind, "comment_id": str(comment_id),
                     "recipient": author_id, "public": True})]


def send(channel: HookChannel, route: Route, reply: Reply, timeout: float) -> str | None:
    token = hook_secret(channel, "token")
    path, body = _request(route, reply)
    answer = http.post(f"{api_url(channel, API_BASE)}/{path}", platform="Meta",
                       secrets=[token], timeout=timeout, judge=_judge, json_body=body,
                       headers={"Authorization": f"Bearer {token}"})
    if not isinstance(answer, dict):
        return None
    messages = answer.get("messages") or [{}]
    return answer.get("message_id") or messages[0].get("id") or answer.get("id")


def _request(route: Route, reply: Reply) -> tuple[str, dict[str, Any]]:
    """(path under the Graph base, JSON body) of the reply this route asks for; outside the
    24-hour window a WhatsApp template whose one body variable carries the text, or a
    Messenger message tag."""
    text = reply.text
    if route["platform"] == Channel.WHATSAPP:
        body: dict[str, Any] = {"messaging_product": "whatsapp", "to": route["to"],
                                "type": "text", "text": {"body": text}}
        if reply.template:
            body = {"messaging_product": "whatsapp", "to": route["to"], "type": "template",
                    "template": {"name": reply.template,
                                 "language": {"code": reply.template_language or "en"},
                                 "components": [{"type": "body", "parameters": [
                                     {"type": "text", "text": text}]}]}}
        elif route.get("message_id"):
            body["context"] = {"message_id": route["message_id"]}
        return f"{route['phone_number_id']}/messages", body
    comment = route.get("comment_id")
    if comment and not route.get("private"):
        return f"{comment}/{COMMENT_EDGES[route['platform']]}", {"message": text}
    if comment:
        return "me/messages", {"recipient": {"comment_id": comment}, "message": {"text": text}}
    if reply.template:
        return "me/messages", {"recipient": {"id": route["recipient"]},
                               "messaging_type": "MESSAGE_TAG", "tag": reply.template,
                               "message": {"text": text}}
    return "me/messages", {"recipient": {"id": route["recipient"]}, "messaging_type": "RESPONSE",
                           "message": {"text": text}}


def _judge(status: int, body: Any) -> http.Refusal | None:
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = error.get("code")
        return http.Refusal(f"{error.get('message', '')} (code {code})".strip(),
                            code in RATE_LIMIT_CODES or status >= 500,
                            login=code in TOKEN_CODES)
    return http.by_status(status, body)


def default_route(channel: HookChannel, message_channel: str, address: str) -> Route:
    if message_channel != Channel.WHATSAPP:
        return {"hook": channel.name, "platform": message_channel, "recipient": address}
    if not channel.phone_number_id:
        raise PermanentFailure("WhatsApp needs the phone_number_id of our business number: "
                               f"set phone_number_id on channel {channel.name!r}, or wait "
                               "until the customer writes", stage="build")
    return {"hook": channel.name, "platform": Channel.WHATSAPP.value,
            "phone_number_id": channel.phone_number_id, "to": address.lstrip("+")}


PLATFORM = Platform("meta", frozenset(OBJECTS.values()), check, parse, send, default_route,
                    check_keys=("verify_token",))
