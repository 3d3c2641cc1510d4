"""What a platform is: one module that knows everything about one chat or social platform.

A [[channels]] entry of the config names its platform by `kind`; the module of that kind
(telegram.py, slack.py, twilio.py, meta.py, generic.py, listed in registry.py) gives a
`Platform` with the four things the rest of omnitui asks of it:

- `check(channel, secret, request, now) -> Answer`: verify a webhook request the platform's
  way and say under which delivery key to store it (None: store nothing, e.g. a handshake or
  our own echo); raises `Rejected` for a forged, expired or unsigned request and
  `Malformed` for a body it cannot read;
- `parse(channel, item) -> list[Inbound]`: turn a stored body into messages, receipts and
  customer updates, each message with its reply route (which chat, thread and account an
  answer goes back to). The receiver also runs it before answering, so a body that would
  fail later is refused with 400 now and the platform's developer sees why;
- `send(channel, route, reply, timeout) -> platform id | None`: deliver one reply along a
  route, raising TemporaryFailure or PermanentFailure (errors.py);
- `default_route(channel, message_channel, address) -> route`: the route for writing first
  to a customer who never wrote on this platform, or PermanentFailure saying why the
  platform does not allow it.

The webhook receiver (webhooks/server.py), the filer (webhooks/deliveries.py) and the
outbox sender (replies/routes.py, run by the daemon) only ever go through the registry, so a
new platform is its module plus one line there (and its name and keys in the config schema).
Email is the one channel that is not a webhook platform: it is fetched from [[mailboxes]]
by IMAP (the daemon's mail watchers) and sent by SMTP; its way out is its line in
senders.py, beside the platforms', under the one protocol of outgoing.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from omnitui.channels.webhooks.common import Answer, HookRequest
from omnitui.config import HookChannel
from omnitui.ingest.pending import RawItem
from omnitui.model import Inbound
from omnitui.records import record

Route = dict[str, Any]  # as stored on the customer's message (messages.reply_route), JSON


@record(frozen=True)
class Reply:
    """One reply to deliver: its text, and what a generic receiver is told besides."""

    text: str
    case_id: int
    to: tuple[str, ...]  # the customer's addresses on the channel
    delivery_id: str  # the same on every attempt, so a receiver can drop a repeat
    # Outside a 24-hour service window: the platform-approved template (WhatsApp) or message
    # tag (Messenger) it goes as, the text its one variable; "": a plain message
    template: str = ""
    template_language: str = ""


@record(frozen=True)
class Platform:
    kind: str  # the [[channels]] kind
    # The message channels (model.Channel) it can carry a reply on when no route says which
    # entry to use; None: whatever no other platform carries (the generic source).
    carries: frozenset[str] | None
    check: Callable[[HookChannel, str, HookRequest, float], Answer]
    parse: Callable[[HookChannel, RawItem], list[Inbound]]
    send: Callable[[HookChannel, Route, Reply, float], str | None]
    default_route: Callable[[HookChannel, str, str], Route]
    # The config keys besides `secret` that `check` reads: the receiver reads them all as it
    # starts, so a missing environment variable stops `omnitui serve` at once rather than at
    # the first request.
    check_keys: tuple[str, ...] = ()


def api_url(channel: HookChannel, default: str) -> str:
    """The base of the platform's API: the entry's api_base (tests point it at a local
    server), else the platform's own."""
    return (channel.api_base or default).rstrip("/")
