"""Which way each message channel's replies leave: one line a channel with a way out of its
own, the webhook platforms (channels/registry.py) for every other."""

from __future__ import annotations

from typing import Any

from omnitui.channels.email.outgoing import NO_MAILBOX, email_attempt
from omnitui.channels.outgoing import Attempt, Outgoing, Prepare
from omnitui.channels.replies.routes import carrier, no_carrier, platform_attempt
from omnitui.config import Settings
from omnitui.model import Channel

SENDERS: dict[str, Prepare] = {
    Channel.EMAIL: email_attempt,
}


def attempt_for(outgoing: Outgoing, reply: dict[str, Any]) -> Attempt:
    """A claimed outbox row (outbox.reply_to_send) made ready to send on its channel."""
    return SENDERS.get(reply["channel"], platform_attempt)(outgoing, reply)


def unsendable(settings: Settings, channel: str) -> str | None:
    """Why no reply on `channel` can leave with this config (None: something can carry it;
    whether it gets through is the outbox's to tell). The composer says so as the agent
    starts writing: the outbox said it only once the reply had failed."""
    if channel == Channel.EMAIL:
        return None if any(m.smtp_host for m in settings.mailboxes) else NO_MAILBOX
    return None if carrier(settings.channels, channel) else no_carrier(channel)
