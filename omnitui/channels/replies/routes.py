"""Which [[channels]] entry a reply leaves through, the route it follows there, and the one
send through its platform.

A conversation the customer started carries its route (stored by the webhook receiver on
their message: the hook, the chat, the thread). A case that never had one (an agent wrote
first) gets a route built from the customer's address by the platform's `default_route`,
where the platform allows writing first at all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from omnitui.channels.errors import PermanentFailure
from omnitui.channels.outgoing import Attempt, Outgoing, Sent
from omnitui.channels.platform import Reply, Route
from omnitui.channels.registry import PLATFORMS, carriers
from omnitui.config import ConfigError, HookChannel

HEALTH_CHANNEL = "webhook-out"  # channel_health rows (webhook-out, [[channels]] name)


def platform_attempt(outgoing: Outgoing, reply: dict[str, Any]) -> Attempt:
    """A reply leaves through the [[channels]] entry its route names, or (an agent wrote
    first) the one whose platform carries its channel, along the route that platform builds."""
    recipients = json.loads(reply["recipients"] or "{}")
    to = recipients.get("to") or []
    hook, route = resolve(outgoing.channels, reply["channel"], recipients.get("route"),
                          to[0] if to else "")
    delivery = Reply(reply["text"], reply["case_id"], tuple(to),
                     delivery_id=f"omnitui-reply-{reply['message_id']}",
                     template=recipients.get("template", ""),
                     template_language=recipients.get("template_language", ""))

    def deliver() -> Sent:
        return Sent(external_id=send_reply(hook, route, delivery, timeout=outgoing.timeout))

    return Attempt((HEALTH_CHANNEL, hook.name), deliver)


def resolve(channels: Sequence[HookChannel], message_channel: str, route: Route | None,
            address: str) -> tuple[HookChannel, Route]:
    """(entry, route) for a reply on `message_channel` to `address`; raises PermanentFailure
    when no configured entry can carry it."""
    if route:
        hook = next((c for c in channels if c.name == route.get("hook")), None)
        if hook is None:
            raise PermanentFailure(f"this conversation came through channel {route.get('hook')!r}"
                                   ", which is no longer in the config's [[channels]]",
                                   stage="build")
        return hook, route
    hook = carrier(channels, message_channel)
    if hook is None:
        raise PermanentFailure(no_carrier(message_channel), stage="build")
    return hook, PLATFORMS[hook.kind].default_route(hook, message_channel, address)


def carrier(channels: Sequence[HookChannel], message_channel: str) -> HookChannel | None:
    """The first [[channels]] entry whose platform can carry a reply on `message_channel`
    to an address (no route of a conversation needed)."""
    kinds = [platform.kind for platform in carriers(message_channel)]
    return next((c for c in channels if c.kind in kinds), None)


def no_carrier(message_channel: str) -> str:
    kinds = " or ".join(platform.kind for platform in carriers(message_channel))
    return f"no [[channels]] entry can send {message_channel} replies (add one of kind {kinds})"


def send_reply(channel: HookChannel, route: Route, reply: Reply, *, timeout: float) -> str | None:
    """Send once through `channel`'s platform; returns the platform's id of the message, or
    raises TemporaryFailure or PermanentFailure."""
    try:
        return PLATFORMS[channel.kind].send(channel, route, reply, timeout)
    except ConfigError as exc:  # a token's variable is unset: names it, never a value
        raise PermanentFailure(str(exc), stage="login") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentFailure(f"{channel.name}: the reply route or the platform's answer "
                               f"lacks {exc}", stage="build") from None
