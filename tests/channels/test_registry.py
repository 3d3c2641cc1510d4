"""The platform registry: every [[channels]] kind the config accepts has its platform, and
each platform lives in the module named after it."""

from __future__ import annotations

from omnitui.channels.registry import PLATFORMS, carriers
from omnitui.config import HOOK_KINDS
from omnitui.model import Channel


def test_every_kind_the_config_accepts_is_a_registered_platform() -> None:
    assert sorted(PLATFORMS) == sorted(HOOK_KINDS)
    for kind, platform in PLATFORMS.items():
        assert platform.kind == kind
        assert platform.check.__module__ == f"omnitui.channels.{kind}"


def test_a_reply_on_each_channel_has_a_platform_to_carry_it() -> None:
    """Writing first on a channel picks the platforms that carry it; any channel no platform
    names falls to the generic source."""
    assert [p.kind for p in carriers(Channel.WHATSAPP)] == ["twilio", "meta"]
    assert [p.kind for p in carriers(Channel.WEB)] == ["generic"]
    assert all(carriers(channel) for channel in Channel if channel != Channel.EMAIL)
