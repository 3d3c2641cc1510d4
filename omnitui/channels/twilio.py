"""Twilio Programmable Messaging: SMS and WhatsApp, in by webhook and out by the Messages API.

In: verified the way Twilio's own RequestValidator does: base64 HMAC-SHA1, keyed with the
auth token, over the URL Twilio called (hence server.public_url, required for a Twilio
entry) followed by every POST parameter (sorted by name, values of one name sorted) — tried
with and without the default port in the URL, since proxies differ in what they pass on.
The delivery key is the MessageSid (a status callback: the sid and its status). The answer
is an empty TwiML <Response/>: replies go through the outbox.

Out: the reply leaves from the number the customer wrote to ("from" in the route), so it
arrives in the same conversation on their phone; writing first needs our number
(from_number). The credential is the entry's token, else its auth token (the secret). The
id returned is the message SID, which Twilio's status callbacks name again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from omnitui.channels.errors import PermanentFailure
from omnitui.channels.platform import Platform, Reply, Route, api_url
from omnitui.channels.replies import http
from omnitui.channels.webhooks.common import (
    Answer,
    HookRequest,
    Malformed,
    Rejected,
    file_line,
    header,
    same,
)
from omnitui.config import HookChannel, hook_secret
from omnitui.ingest.pending import RawItem
from omnitui.model import Channel, DeliveryReceipt, Identifier, Inbound, InboundEvent

API_BASE = "https://api.twilio.com"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
WHATSAPP = "whatsapp:"
RECEIPT_STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read",
                    "failed": "failed", "undelivered": "failed"}


def signature(token: str, url: str, params: dict[str, list[str]]) -> str:
    data = url + "".join(name + value for name in sorted(params)
                         for value in sorted(params[name]))
    digest = hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def url_variants(url: str) -> list[str]:
    """The URL as called, with the default port added and removed (Twilio's validator)."""
    parts = urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    bare = urlunsplit(parts._replace(netloc=host if parts.port in (None, default)
                                     else parts.netloc))
    with_port = urlunsplit(parts._replace(netloc=f"{host}:{parts.port or default}"))
    return list(dict.fromkeys([url, bare, with_port]))


def form(body: bytes) -> dict[str, list[str]]:
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError) as exc:
        raise Malformed(f"the body is not a form: {exc}") from None


def check(channel: HookChannel, secret: str, request: HookRequest, now: float) -> Answer:
    if request.method != "POST":
        raise Malformed("Twilio posts its messages")
    given = header(request, "X-Twilio-Signature")
    params = form(request.body)
    if not any(same(given, signature(secret, url, params))
               for url in url_variants(request.url)):
        raise Rejected(403, "the signature does not match")
    sid = _one(params, "MessageSid") or _one(params, "SmsSid")
    if not sid:
        raise Malformed("no MessageSid")
    status = _one(params, "MessageStatus")
    key = f"{sid}:{status}" if status and not _one(params, "Body") else sid
    return Answer(key, body=EMPTY_TWIML, media_type="text/xml")


def _one(params: dict[str, list[str]], name: str) -> str:
    return (params.get(name) or [""])[0]


def parse(channel: HookChannel, item: RawItem) -> list[Inbound]:
    params = form(item.body)
    sid = _one(params, "MessageSid") or _one(params, "SmsSid")
    sender, ours = _one(params, "From"), _one(params, "To")
    if not sid or not sender:
        raise Malformed("no MessageSid or From")
    kind = Channel.WHATSAPP if sender.startswith(WHATSAPP) else Channel.SMS
    status = _one(params, "MessageStatus")
    if status and not _one(params, "Body") and not _one(params, "NumMedia").strip("0"):
        if status not in RECEIPT_STATUSES:
            return []  # queued, sending, accepted: nothing a reader needs
        return [DeliveryReceipt(kind, sid, RECEIPT_STATUSES[status], item.received_at,
                                _one(params, "ErrorMessage") or _one(params, "ErrorCode"))]
    return [_message(channel, item, params, sid, sender, ours, kind, item.received_at)]


def _message(channel: HookChannel, item: RawItem, params: dict[str, list[str]], sid: str,
             sender: str, ours: str, kind: str, at: datetime) -> InboundEvent:
    lines = [_one(params, "Body")]
    try:
        media = int(_one(params, "NumMedia") or 0)
    except ValueError:
        raise Malformed("NumMedia is not a number") from None
    for index in range(min(media, 10)):  # Twilio sends at most 10
        lines.append(file_line("media", mime=_one(params, f"MediaContentType{index}"),
                               ref=_one(params, f"MediaUrl{index}")))
    return InboundEvent(
        channel=kind, external_id=sid, raw=item.body, occurred_at=at,  # Twilio sends no time
        identifiers=[Identifier("phone", sender.removeprefix(WHATSAPP), verified=True)],
        sender_name=_one(params, "ProfileName"), text="\n".join(x for x in lines if x),
        source=item.source, reply_route={"hook": channel.name, "to": sender, "from": ours})


def send(channel: HookChannel, route: Route, reply: Reply, timeout: float) -> str | None:
    if not channel.account_sid:
        raise PermanentFailure(f"channel {channel.name!r} has no account_sid to send from",
                               stage="login")
    token = hook_secret(channel, "token" if channel.token or channel.token_env else "secret")
    url = (f"{api_url(channel, API_BASE)}/2010-04-01/Accounts/{channel.account_sid}"
           "/Messages.json")
    # Outside WhatsApp's 24-hour window: an approved Content template, the text its {{1}}
    form = ({"ContentSid": reply.template, "ContentVariables": json.dumps({"1": reply.text})}
            if reply.template else {"Body": reply.text})
    answer = http.post(url, platform="Twilio", secrets=[token], timeout=timeout,
                       judge=_judge, auth=(channel.account_sid, token),
                       form={"To": route["to"], "From": route["from"], **form})
    return answer.get("sid") if isinstance(answer, dict) else None


def _judge(status: int, body: Any) -> http.Refusal | None:
    """Twilio's error body is {"code", "message", "more_info", "status"}."""
    if isinstance(body, dict) and body.get("message"):
        return http.by_status(status, body, f"{body['message']} (error {body.get('code')})")
    return http.by_status(status, body)


def default_route(channel: HookChannel, message_channel: str, address: str) -> Route:
    if not channel.from_number:
        raise PermanentFailure(f"Twilio needs our number to send the {message_channel} "
                               f"message from: set from_number on channel {channel.name!r}, "
                               "or wait until the customer writes", stage="build")
    prefix = WHATSAPP if message_channel == Channel.WHATSAPP else ""
    return {"hook": channel.name, "to": prefix + address, "from": prefix + channel.from_number}


PLATFORM = Platform("twilio", frozenset({Channel.SMS, Channel.WHATSAPP}), check, parse, send,
                    default_route)
