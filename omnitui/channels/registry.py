"""The webhook platforms, one line each: a new platform is its module and a line here (and
its kind in config/schema.py HOOK_KINDS, with any keys of its own)."""

from __future__ import annotations

from omnitui.channels import generic, meta, slack, telegram, twilio
from omnitui.channels.platform import Platform

PLATFORMS: dict[str, Platform] = {platform.kind: platform for platform in (
    telegram.PLATFORM,
    slack.PLATFORM,
    twilio.PLATFORM,
    meta.PLATFORM,
    generic.PLATFORM,
)}


def carriers(message_channel: str) -> list[Platform]:
    """The platforms that can carry a reply on `message_channel` without a route: those that
    name it, else those that carry whatever no other does."""
    return ([p for p in PLATFORMS.values() if p.carries and message_channel in p.carries]
            or [p for p in PLATFORMS.values() if p.carries is None])
