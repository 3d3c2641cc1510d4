"""Replies sent back through the chat or social platform a conversation came from.

One module per platform, each with `send(channel, route, text, *, timeout)` returning the
platform's id of the sent message (unique on that channel); `http` is their shared POST.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from omnitui.channels.errors import PermanentFailure
from omnitui.channels.replies import generic, meta, slack, telegram, twilio
from omnitui.config import ConfigError, HookChannel

PlatformSend = Callable[..., str | None]
PLATFORMS: dict[str, PlatformSend] = {"telegram": telegram.send, "slack": slack.send,
                                      "twilio": twilio.send, "meta": meta.send}


def send_reply(channel: HookChannel, route: dict[str, Any], text: str, *, timeout: float,
               case_id: int, to: Sequence[str], delivery_id: str) -> str | None:
    """Send once through `channel`; raises TemporaryFailure or PermanentFailure. `case_id`,
    `to` and `delivery_id` (stable across retries) are what a generic receiver is told."""
    try:
        if channel.kind == "generic":
            return generic.send(channel, route, text, timeout=timeout, case_id=case_id,
                                to=to, delivery_id=delivery_id)
        return PLATFORMS[channel.kind](channel, route, text, timeout=timeout)
    except ConfigError as exc:  # a token's variable is unset: names it, never a value
        raise PermanentFailure(str(exc), stage="login") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise PermanentFailure(f"{channel.name}: the reply route or the platform's answer "
                               f"lacks {exc}", stage="build") from None
