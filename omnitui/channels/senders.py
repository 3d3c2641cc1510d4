"""Which way each message channel's replies leave: one line a channel with a way out of its
own, the webhook platforms (channels/registry.py) for every other; and, beside each, why a
config gives it no way out (the composer says so as the agent starts writing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from omnitui.channels import generic
from omnitui.channels.email.outgoing import NO_MAILBOX, email_attempt
from omnitui.channels.outgoing import Attempt, Outgoing, Prepare
from omnitui.channels.replies.routes import carrier, no_carrier, platform_attempt
from omnitui.config import Settings
from omnitui.model import Channel
from omnitui.records import record

Blocked = Callable[[Settings, str], str | None]


def _no_mailbox(settings: Settings, channel: str) -> str | None:
    """(A mailbox that received the case but cannot send is the outbox's to tell.)"""
    return None if any(m.smtp_host for m in settings.mailboxes) else NO_MAILBOX


def _no_platform(settings: Settings, channel: str) -> str | None:
    """(A generic source carries any channel's replies along the route its conversation
    came by: with one configured, nothing is said.)"""
    if carrier(settings.channels, channel) or any(
            c.kind == generic.PLATFORM.kind for c in settings.channels):
        return None
    return no_carrier(channel)


@record(frozen=True)
class Way:
    prepare: Prepare  # a claimed outbox row made ready to send
    blocked: Blocked  # why this config cannot send on it (None: it may)


SENDERS: dict[str, Way] = {
    Channel.EMAIL: Way(email_attempt, _no_mailbox),
}
PLATFORMS_WAY = Way(platform_attempt, _no_platform)


def attempt_for(outgoing: Outgoing, reply: dict[str, Any]) -> Attempt:
    """A claimed outbox row (outbox.reply_to_send) made ready to send on its channel."""
    return SENDERS.get(reply["channel"], PLATFORMS_WAY).prepare(outgoing, reply)


def unsendable(settings: Settings, channel: str) -> str | None:
    """Why no reply on `channel` can leave with this config (None: something may carry it;
    whether it gets through is the outbox's to tell). The composer says so as the agent
    starts writing: the outbox said it only once the reply had failed."""
    return SENDERS.get(channel, PLATFORMS_WAY).blocked(settings, channel)
