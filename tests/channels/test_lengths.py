"""The length limits of replies on each channel, and the SMS segments a text goes as."""

from __future__ import annotations

from omnitui.channels.lengths import measure, sms_segments


def test_an_sms_is_counted_in_the_segments_the_phone_receives() -> None:
    """160 GSM-7 characters make one SMS, 153 each of several; one character outside that
    alphabet (an emoji takes two units) makes it 70 and 67; ^ { } [ ] ~ | € \\ take two."""
    assert [sms_segments("x" * n) for n in (0, 1, 160, 161, 306, 307)] == [0, 1, 1, 2, 2, 3]
    assert [sms_segments("€" * n) for n in (80, 81)] == [1, 2]
    assert [sms_segments("ж" * n) for n in (70, 71, 134, 135)] == [1, 2, 2, 3]
    assert sms_segments("😀" * 35) == 1 and sms_segments("😀" * 36) == 2
    assert measure("sms", "x" * 1601) is not None and measure("sms", "x" * 1601).over == 1


def test_each_channel_has_its_platforms_limit_and_email_none() -> None:
    limits = {channel: length.most for channel in ("sms", "whatsapp", "telegram",
                                                   "messenger", "instagram", "slack")
              if (length := measure(channel, "hi")) is not None}
    assert limits == {"sms": 1600, "whatsapp": 1600, "telegram": 4096, "messenger": 2000,
                      "instagram": 1000, "slack": 40000}
    assert measure("email", "x" * 100_000) is None
    assert measure("whatsapp", "hi").segments is None  # only SMS goes as segments
