"""Generic signed JSON: web forms, phone-call transcripts, monitoring alerts, billing events,
CRM updates — anything another system wants in the helpdesk (docs/webhooks.md), and the
replies posted back to it.

In: signed the Standard Webhooks way, so off-the-shelf signers work: headers webhook-id,
webhook-timestamp (within 5 minutes) and webhook-signature ("v1,<base64 HMAC-SHA256 of
id.timestamp.body>"; several, space-separated, during a key rotation). webhook-id is the
idempotency key: a retry with the same id adds nothing.

Bodies, by "type":
- "message": a customer wrote (a form, a call): {"from": {...}, "text", "subject"?,
  "channel"?, "occurred_at"?, "urgent"? (true or false), "reply_url"?}
- "customer": facts about a customer: {"customer": {...}, "tier"? (one of the tiers of
  [priority.tier_weights], checked by webhooks/deliveries.py), "attributes"?}
- "event": something happened to a customer (a failed payment):
  {"customer": {...}, "event", "text"?, "severity"? 0-3, "occurred_at"?}; or to a product,
  without a customer: {"event": "outage", "product", "resolved"? (true ends it), "text"?,
  "severity"?} (the product one of the config's [[products]], checked by deliveries.py)
A person ({...}) has at least one of "email", "phone", "id" (their id in that system), and
optionally "name".

What counts as proof (docs/identity.md): the "id" always (the source is signed, and the id
is its own user's); a "customer" or "event" body speaks for the source's records, so its
email and phone count too; a "message" relays what a person typed (a web form), so its
email and phone are claims.

Out: a reply is a signed JSON POST ({"case_id", "text", "to"}) to the reply_url the message
gave, signed the same way with the channel's secret, so the receiving side verifies it with
any off-the-shelf library. Its webhook-id is fixed per reply, so a retry after a crash is the
same delivery to a receiver that deduplicates on it. The id returned is the "id" of the
receiver's JSON answer, if it gives one, prefixed with the hook's name (ids of different
sources would otherwise collide). Without a reply_url there is nowhere to write to, so a
source cannot be written to first.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from omnitui.channels.errors import PermanentFailure
from omnitui.channels.platform import Platform, Reply, Route
from omnitui.channels.replies import http
from omnitui.channels.signing import standard_webhooks_signature
from omnitui.channels.webhooks.common import (
    Answer,
    HookRequest,
    Malformed,
    Rejected,
    field,
    fresh_timestamp,
    header,
    json_object,
    platform_key,
    same,
)
from omnitui.config import HookChannel, hook_secret
from omnitui.ingest.pending import RawItem
from omnitui.model import (
    Channel,
    CustomerUpdate,
    Identifier,
    Inbound,
    InboundEvent,
    ProductEvent,
)

TYPES = ("message", "customer", "event")
SEVERITIES = (0, 1, 2, 3)
CHANNELS = frozenset(c.value for c in Channel)


def check(channel: HookChannel, secret: str, request: HookRequest, now: float) -> Answer:
    if request.method != "POST":
        raise Malformed("post the JSON body")
    msg_id = header(request, "webhook-id")
    timestamp = header(request, "webhook-timestamp")
    signatures = header(request, "webhook-signature").split()
    fresh_timestamp(timestamp, now)
    expected = standard_webhooks_signature(secret, msg_id, timestamp, request.body)
    if not any(same(given, expected) for given in signatures):
        raise Rejected(403, "the signature does not match")
    if len(msg_id) > 200:
        raise Malformed("webhook-id is longer than 200 characters")
    return Answer(msg_id)


def parse(channel: HookChannel, item: RawItem) -> list[Inbound]:
    payload = json_object(item.body)
    kind = payload.get("type")
    if kind not in TYPES:
        raise Malformed(f"'type' must be one of {', '.join(TYPES)}, got {kind!r}")
    key = platform_key(item.key)
    if kind == "customer":
        person = field(payload, "customer", dict)
        attributes = payload.get("attributes") or {}
        tier = payload.get("tier")
        if not isinstance(attributes, dict) or not isinstance(tier, str | None):
            raise Malformed("'attributes' must be an object and 'tier' a string")
        return [CustomerUpdate(_identifiers(channel, person, ""), str(person.get("name") or ""),
                               tier, attributes, source=channel.name)]
    at = _time(payload.get("occurred_at"), item.received_at)
    if kind == "event" and "customer" not in payload:
        return [_product_event(payload, at)]
    if kind == "event" and payload.get("event") == "outage":  # (filed as their case
        # "outage", it began no outage)
        raise Malformed("an outage is of a product, not a customer: leave 'customer' out: "
                        '{"event": "outage", "product": NAME, "resolved"?: true}')
    person = field(payload, "from" if kind == "message" else "customer", dict)
    if kind == "event":
        name = field(payload, "event", str)
        severity = _severity(payload, 1) or 0
        return [InboundEvent(
            channel=Channel.ALERT, external_id=f"{channel.name}:{key}", raw=item.body,
            occurred_at=at, identifiers=_identifiers(channel, person, ""),
            sender_name=str(person.get("name") or ""), subject=name.replace("_", " "),
            text=str(payload.get("text") or name), source=item.source,
            auto_submitted=f"event: {name}", severity=severity, urgent=severity >= 2)]
    shown_as = payload.get("channel") or channel.shown_as or Channel.WEB
    if shown_as not in CHANNELS:
        raise Malformed(f"'channel' must be a channel kind such as web or phone, got "
                        f"{shown_as!r}")
    urgent = payload.get("urgent", False)
    if not isinstance(urgent, bool):
        raise Malformed(f"'urgent' must be true or false, got {urgent!r}")
    reply_url = payload.get("reply_url")
    text, subject = field(payload, "text", str), str(payload.get("subject") or "")
    if not (text.strip() or subject.strip()):  # it opened a case "(no text)" that took a
        raise Malformed("'text' is empty: a message needs words")  # chat slot of an agent
    return [InboundEvent(
        channel=shown_as, external_id=f"{channel.name}:{key}", raw=item.body, occurred_at=at,
        identifiers=_identifiers(channel, person, f"stated in a {_what(shown_as)} sent through "
                                 f"{channel.name}"),
        sender_name=str(person.get("name") or ""),
        subject=subject, text=text,
        source=item.source, urgent=urgent,
        reply_route={"hook": channel.name, "reply_url": reply_url}
        if isinstance(reply_url, str) and reply_url.startswith(("https://", "http://"))
        else None)]


def _product_event(payload: dict[str, Any], at: datetime) -> ProductEvent:
    """An event about a product, not a customer: an outage, or its end."""
    name = field(payload, "event", str)
    if name != "outage" or not isinstance(payload.get("product"), str):
        raise Malformed("an event without a 'customer' is an outage of a product: "
                        '{"event": "outage", "product": NAME, "resolved"?: true}')
    resolved = payload.get("resolved", False)
    if not isinstance(resolved, bool):
        raise Malformed(f"'resolved' must be true or false, got {resolved!r}")
    return ProductEvent(name, payload["product"], at, _severity(payload, None),
                        str(payload.get("text") or ""), resolved)


def _severity(payload: dict[str, Any], default: int | None) -> int | None:
    severity = payload.get("severity", default)
    if severity is not default and (type(severity) is not int or severity not in SEVERITIES):
        raise Malformed(f"'severity' must be 0, 1, 2 or 3, got {severity!r}")  # not True, 2.0
    return severity

def _identifiers(channel: HookChannel, person: dict[str, Any],
                 stated: str) -> list[Identifier]:
    """The person's identifiers; with `stated` (how a person gave them), the email and phone
    are claims."""
    found = [Identifier(kind, str(person[kind]), verified=not stated, how=stated)
             for kind in ("email", "phone") if person.get(kind)]
    if person.get("id"):
        found.append(Identifier(channel.name, str(person["id"]), verified=True))
    if not found:
        raise Malformed("a person needs at least one of 'email', 'phone' or 'id'")
    return found


def _what(shown_as: str) -> str:
    return "web form" if shown_as == Channel.WEB else f"{shown_as} message"


def _time(value: Any, default: datetime) -> datetime:
    if value is None:
        return default
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise Malformed(f"'occurred_at' must be an ISO 8601 time, got {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def send(channel: HookChannel, route: Route, reply: Reply, timeout: float) -> str | None:
    if not route.get("reply_url"):
        raise PermanentFailure(_nowhere(channel))
    secret = hook_secret(channel)
    body = json.dumps({"case_id": reply.case_id, "text": reply.text,
                       "to": list(reply.to)}).encode()
    stamp = int(time.time())
    headers = {"content-type": "application/json", "webhook-id": reply.delivery_id,
               "webhook-timestamp": str(stamp),
               "webhook-signature": standard_webhooks_signature(secret, reply.delivery_id,
                                                                stamp, body)}
    answer = http.post(route["reply_url"], platform=channel.name, secrets=[secret],
                       timeout=timeout, content=body, headers=headers)
    found = answer.get("id") if isinstance(answer, dict) else None
    return f"{channel.name}:{found}" if found else None


def default_route(channel: HookChannel, message_channel: str, address: str) -> Route:
    raise PermanentFailure(_nowhere(channel), stage="build")


def _nowhere(channel: HookChannel) -> str:
    return (f"source {channel.name!r} gave no reply_url for this conversation, so there is "
            "nowhere to send the reply")


PLATFORM = Platform("generic", None, check, parse, send, default_route)
