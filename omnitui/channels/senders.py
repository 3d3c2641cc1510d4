"""Which way each message channel's replies leave: one line a channel with a way out of its
own, the webhook platforms (channels/registry.py) for every other; and, beside each, why a
config gives it no way out (the composer says so as the agent starts writing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from omnitui.channels import generic
from omnitui.channels.email.outgoing import NO_MAILBOX, email_attempt, reply_mailbox
from omnitui.channels.errors import PermanentFailure
from omnitui.channels.outgoing import Attempt, Outgoing, Prepare
from omnitui.channels.replies.routes import carrier, no_carrier, platform_attempt
from omnitui.config import Settings
from omnitui.model import Channel
from omnitui.records import record
from omnitui.store.db import Store

Blocked = Callable[[Settings, str, Store | None, int | None], str | None]


def _no_mailbox(settings: Settings, channel: str, store: Store | None,
                case_id: int | None) -> str | None:
    """On a case, its reply leaves from the mailbox that received it, which must send
    (`choose_mailbox`: a receive-only mailbox's case got no word till the outbox failed
    the reply); else from any mailbox that sends."""
    sending = [m for m in settings.mailboxes if m.smtp_host]
    if not sending:
        return NO_MAILBOX
    if store is None or case_id is None or len(sending) == len(settings.mailboxes):
        return None  # every mailbox sends: which one received the case is not read
    try:
        reply_mailbox(store, settings.mailboxes, case_id)
    except PermanentFailure as failure:
        return str(failure)
    return None


def _no_platform(settings: Settings, channel: str, store: Store | None,
                 case_id: int | None) -> str | None:
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


def unsendable(settings: Settings, channel: str, store: Store | None = None,
               case_id: int | None = None) -> str | None:
    """Why no reply on `channel` (on case `case_id` of `store`, if known) can leave with
    this config (None: something may carry it; whether it gets through is the outbox's to
    tell). The composer says so as the agent starts writing: the outbox said it only once
    the reply had failed."""
    return SENDERS.get(channel, PLATFORMS_WAY).blocked(settings, channel, store, case_id)
