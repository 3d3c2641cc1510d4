"""What the webhook side of every platform shares: the request as received, how it answers,
how a request is refused, and helpers for reading bodies (see platform.py for the protocol
these serve)."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from omnitui.errors import OmnituiError
from omnitui.records import record


@record(frozen=True)
class HookRequest:
    method: str
    url: str  # as the platform called it (the public URL, if one is configured)
    headers: Mapping[str, str]  # names in lower case
    query: Mapping[str, str]
    body: bytes


@record(frozen=True)
class Answer:
    key: str | None  # store the body under this delivery key; None: store nothing
    status: int = 200
    body: str = ""
    media_type: str = "text/plain"


class Rejected(OmnituiError):
    """A request that is not from the platform: 401 unsigned or expired, 403 forged."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class ReceiverError(OmnituiError):
    """The webhook receiver cannot start (the address is taken, a secret is missing)."""


class Malformed(OmnituiError, ValueError):
    """A verified body this module cannot read (400)."""


def delivery_key(channel_name: str, key: str) -> str:
    """raw_payloads.external_key of a delivery: keys are the platform's own, so they are
    unique only per channel."""
    return f"{channel_name}:{key}"


def platform_key(external_key: str | None) -> str:
    """The platform's own key back from an external key ("" when there is none)."""
    return external_key.partition(":")[2] if external_key else ""


RECEIPT_STATUSES = ("sent", "delivered", "read", "failed")  # what a DeliveryReceipt may say
REPLAY_WINDOW = 300  # seconds a signed timestamp stays valid (Slack, Standard Webhooks)


def same(given: str, expected: str) -> bool:
    """Constant-time comparison, so a forger learns nothing from timing."""
    return hmac.compare_digest(given.encode(), expected.encode())


def header(request: HookRequest, name: str) -> str:
    """A required header; its absence means the request is unsigned (401)."""
    value = request.headers.get(name.lower(), "")
    if not value:
        raise Rejected(401, f"no {name} header")
    return value


def fresh_timestamp(value: str, now: float) -> None:
    try:
        stamp = int(value)
    except ValueError:
        raise Rejected(401, "the signed timestamp is not a number") from None
    if abs(now - stamp) > REPLAY_WINDOW:
        raise Rejected(401, "the signed timestamp is more than 5 minutes away (a replay?)")


def json_body(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Malformed(f"the body is not JSON: {exc}") from None
    except RecursionError:  # a sender's input, not our bug: no traceback in the log
        raise Malformed("the body's JSON is nested too deeply to read") from None


def json_object(body: bytes) -> dict[str, Any]:
    data = json_body(body)
    if not isinstance(data, dict):
        raise Malformed("the body is not a JSON object")
    return data


# JSON's names for the types a field must have: the sender reads the 400, and "not dict"
# was Python's word
JSON_KINDS = {dict: "an object", list: "an array", str: "a string", int: "a number",
              float: "a number", bool: "true or false"}


def field(data: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    """A required field of a given type, or Malformed naming it."""
    if not isinstance(data, Mapping):  # its parent was not an object: "'str' object has
        raise Malformed(f"{name!r} must be a field of an object")  # no attribute 'get'"
    value = data.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        said = " or ".join(dict.fromkeys(JSON_KINDS.get(k, k.__name__) for k in kinds))
        raise Malformed(f"{name!r} is missing or not {said}")
    return value


def unix_time(value: Any) -> datetime:
    """A platform's timestamp in seconds (or milliseconds, Messenger) as aware UTC."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise Malformed(f"not a timestamp: {value!r}") from None
    if seconds > 1e11:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise Malformed(f"not a timestamp: {value!r}") from None


def file_line(kind: str, name: str = "", mime: str = "", size: int | None = None,
              ref: str = "") -> str:
    """How a photo or document shows on the timeline: the platform keeps the file, we keep
    what it is and where to fetch it (downloading needs the bot's token and time the
    receiver does not have)."""
    parts = [p for p in (name, mime, f"{size:,} bytes" if size else "") if p]
    return f"[{kind}{': ' + ', '.join(parts) if parts else ''}]" + (f" ({ref})" if ref else "")
