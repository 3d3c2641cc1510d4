"""Which [[channels]] entry a reply leaves through, and the route it follows there.

A conversation the customer started carries its route (stored by the webhook receiver on
their message: the hook, the chat, the thread). A case that never had one (an agent wrote
first) gets a route built from the customer's address by `default_route`, where the
platform allows writing first at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omnitui.channels.errors import PermanentFailure
from omnitui.config import HookChannel

# Which kinds of [[channels]] entry can carry replies on each message channel.
KINDS = {"telegram": ("telegram",), "slack": ("slack",), "sms": ("twilio",),
         "whatsapp": ("twilio", "meta"), "messenger": ("meta",), "instagram": ("meta",)}
GENERIC = ("generic",)


def resolve(channels: Sequence[HookChannel], message_channel: str,
            route: dict[str, Any] | None, address: str) -> tuple[HookChannel, dict[str, Any]]:
    """(entry, route) for a reply on `message_channel` to `address`; raises PermanentFailure
    when no configured entry can carry it."""
    if route:
        hook = next((c for c in channels if c.name == route.get("hook")), None)
        if hook is None:
            raise PermanentFailure(f"this conversation came through channel {route.get('hook')!r}"
                                   ", which is no longer in the config's [[channels]]",
                                   stage="build")
        return hook, route
    kinds = KINDS.get(message_channel, GENERIC)
    hook = next((c for c in channels if c.kind in kinds), None)
    if hook is None:
        raise PermanentFailure(f"no [[channels]] entry can send {message_channel} replies "
                               f"(add one of kind {' or '.join(kinds)})", stage="build")
    return hook, default_route(hook, message_channel, address)


def default_route(hook: HookChannel, message_channel: str, address: str) -> dict[str, Any]:
    """The route to write first to `address` (a user id, handle or phone number)."""
    if hook.kind == "telegram" and address.lstrip("-").isdigit():
        return {"hook": hook.name, "chat_id": int(address), "user_id": int(address),
                "public": False}
    if hook.kind == "slack":
        return {"hook": hook.name, "user": address, "public": False}
    if hook.kind == "meta" and message_channel in ("messenger", "instagram"):
        return {"hook": hook.name, "platform": message_channel, "recipient": address}
    if hook.kind == "meta" and message_channel == "whatsapp" and hook.phone_number_id:
        return {"hook": hook.name, "platform": "whatsapp",
                "phone_number_id": hook.phone_number_id, "to": address.lstrip("+")}
    if hook.kind == "twilio" and hook.from_number:
        prefix = "whatsapp:" if message_channel == "whatsapp" else ""
        return {"hook": hook.name, "to": prefix + address, "from": prefix + hook.from_number}
    raise PermanentFailure(_cannot_start(hook, message_channel, address), stage="build")


def _cannot_start(hook: HookChannel, message_channel: str, address: str) -> str:
    if hook.kind == "telegram":
        return f"{address!r} is not a Telegram user id, so the bot cannot write to it"
    if hook.kind == "twilio":
        return (f"Twilio needs our number to send the {message_channel} message from: set "
                f"from_number on channel {hook.name!r}, or wait until the customer writes")
    if hook.kind == "meta":
        return ("WhatsApp needs the phone_number_id of our business number: set "
                f"phone_number_id on channel {hook.name!r}, or wait until the customer writes")
    return (f"source {hook.name!r} gave no reply_url for this conversation, so there is "
            "nowhere to send the reply")
