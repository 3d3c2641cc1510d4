"""What a stored webhook delivery says: read by its [[channels]] entry's platform, for the
receiver (before it answers) and the daemon's filer (after)."""

from __future__ import annotations

from omnitui.channels.registry import PLATFORMS
from omnitui.channels.webhooks.common import Malformed
from omnitui.config import HookChannel, Settings
from omnitui.ingest.pending import RawItem
from omnitui.model import CustomerUpdate, Inbound, ProductEvent

RAW_CHANNEL = "webhook"  # raw_payloads.channel of every delivery; the source names the hook


def read_delivery(settings: Settings, channel: HookChannel, item: RawItem) -> list[Inbound]:
    """What a delivery says, with the values whose vocabulary this config sets checked: the
    receiver answers 400 naming what is allowed (so the sender learns) and the filer keeps
    the body raw, and nothing of the delivery is applied."""
    found = PLATFORMS[channel.kind].parse(channel, item)
    tiers = settings.priority.tier_weights
    products = [p.name for p in settings.products]
    for inbound in found:
        if isinstance(inbound, CustomerUpdate) and inbound.tier is not None \
                and inbound.tier not in tiers:
            raise Malformed(f"'tier' must be one of {', '.join(tiers)} (the tiers of "
                            f"[priority.tier_weights]), got {inbound.tier!r}")
        if isinstance(inbound, ProductEvent) and inbound.product not in products:
            raise Malformed(f"'product' must be one of the config's [[products]] ("
                            f"{', '.join(products) or 'none yet'}), got {inbound.product!r}")
    return found


def parse_delivery(settings: Settings, item: RawItem) -> list[Inbound]:
    """The filing parser for stored deliveries: the hook named by the row's source."""
    channel = next((c for c in settings.channels if c.name == item.source), None)
    if channel is None:
        raise LookupError(f"no [[channels]] entry named {item.source!r} any more; the "
                          "delivery is kept raw")
    return read_delivery(settings, channel, item)
