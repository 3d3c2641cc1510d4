"""Which way each message channel's replies leave: one line a channel with a way out of its
own, the webhook platforms (channels/registry.py) for every other."""

from __future__ import annotations

from typing import Any

from omnitui.channels.email.outgoing import email_attempt
from omnitui.channels.outgoing import Attempt, Outgoing, Prepare
from omnitui.channels.replies.routes import platform_attempt
from omnitui.model import Channel

SENDERS: dict[str, Prepare] = {
    Channel.EMAIL: email_attempt,
}


def attempt_for(outgoing: Outgoing, reply: dict[str, Any]) -> Attempt:
    """A claimed outbox row (outbox.reply_to_send) made ready to send on its channel."""
    return SENDERS.get(reply["channel"], platform_attempt)(outgoing, reply)
