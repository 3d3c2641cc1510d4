"""How a queued reply leaves, for every channel: the protocol the outbox sender follows.

The sender (omnitui/daemon/sender.py) claims a row, asks its channel for an `Attempt`
(`attempt_for`), sends it once and records the outcome: when to send and what a failure
means are the sender's, how to send is the channel's. A message channel with a way out of its
own is one line in SENDERS (email: SMTP from the mailbox that received the case, and a copy
filed in its Sent folder); every other one leaves through the webhook platform its route, or
the platform that carries it, names (omnitui/channels/replies/).
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from omnitui.config import HookChannel, MailboxSettings
from omnitui.records import record
from omnitui.store.db import Store


@record(frozen=True)
class Sent:
    """What a successful attempt learned: the platform's id for the message, and (email)
    the recipients the server refused while it took the rest."""

    external_id: str | None = None
    refused: tuple[tuple[str, str], ...] = ()  # (address, the server's reply: "550 ...")


@record(frozen=True)
class Attempt:
    """A reply ready to go: the health row its outcome is recorded on, the one send, and
    what to do once it is recorded as sent (file a copy in the Sent folder)."""

    health: tuple[str, str]
    send: Callable[[], Sent]
    after: Callable[[], None] | None = None


@record(frozen=True)
class Outgoing:
    """What one pass of the sender sends with."""

    store: Store
    mailboxes: Sequence[MailboxSettings]
    channels: Sequence[HookChannel]
    now: datetime
    timeout: float
    ssl_context: ssl.SSLContext | None


Prepare = Callable[[Outgoing, dict[str, Any]], Attempt]  # a claimed outbox row -> Attempt
