"""Which module handles which [[channels]] kind."""

from __future__ import annotations

from types import ModuleType

from omnitui.channels.webhooks import generic, meta, slack, telegram, twilio
from omnitui.config import HookChannel
from omnitui.ingest.pending import RawItem
from omnitui.model import Inbound

PLATFORMS: dict[str, ModuleType] = {"telegram": telegram, "slack": slack, "twilio": twilio,
                                    "meta": meta, "generic": generic}
RAW_CHANNEL = "webhook"  # raw_payloads.channel of every delivery; the source names the hook


def parse_delivery(channels: list[HookChannel], item: RawItem) -> list[Inbound]:
    """The filing parser for stored deliveries: the hook named by the row's source."""
    channel = next((c for c in channels if c.name == item.source), None)
    if channel is None:
        raise LookupError(f"no [[channels]] entry named {item.source!r} any more; the "
                          "delivery is kept raw")
    return PLATFORMS[channel.kind].parse(channel, item)
