"""The 24-hour customer-service window of WhatsApp and Messenger.

On those platforms a business may write freely for 24 hours after the customer's last
message; outside them only a message the platform approved goes through: a WhatsApp template
(Meta's by name, Twilio's by Content SID) or a Messenger message tag. A message nobody asked
for — a satisfaction survey, the payment_failed message — asks here what it may go as:
plain, as the `[service_window]` template of its channel, or not at all (the caller says why
on the case). A reply to the customer's own message is inside the window by definition.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta

from omnitui.config import ServiceWindowSettings
from omnitui.model import Channel
from omnitui.records import record
from omnitui.store.db import parse_db_time
from omnitui.store.messages import last_inbound_at
from omnitui.wording import span

WINDOWED = (Channel.WHATSAPP, Channel.MESSENGER)
SERVICE_WINDOW = timedelta(hours=24)


@record(frozen=True)
class Unasked:
    """How a message nobody asked for may go: `template` ("": as it is), its `language`;
    `refusal`: why it may not go at all ("": it may)."""

    template: str = ""
    language: str = ""
    refusal: str = ""


def unasked_message(conn: sqlite3.Connection, window: ServiceWindowSettings,
                    customer_id: int, channel: str, now: datetime) -> Unasked:
    if channel not in WINDOWED:
        return Unasked()
    last = last_inbound_at(conn, customer_id, channel)
    if last is not None and now - parse_db_time(last) <= SERVICE_WINDOW:
        return Unasked()
    template = getattr(window, channel)
    if template:
        return Unasked(template, window.language)
    wrote = (f"the customer last wrote there {span((now - parse_db_time(last)).total_seconds())}"
             " ago" if last else "the customer never wrote there")
    return Unasked(refusal=f"{channel}'s 24-hour window is closed ({wrote}) and "
                           f"[service_window] {channel} names no approved "
                           f"{'message tag' if channel == Channel.MESSENGER else 'template'} "
                           "for a message nobody asked for")
