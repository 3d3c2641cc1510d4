"""How long one reply may be on each message channel, as its platform documents it.

One table: the composer counts against it as the agent types, and the action layer
(services/outbound.queue_draft, which the console, the CLI, macros and automations all
send through) refuses a reply past it. Without it a long reply was queued, refused by the
platform, and sat failed in the outbox.

SMS is also counted in the segments the customer's phone receives (and the sender pays
for): 160 GSM-7 characters, 153 each once split (the rest carries the join), or 70 UCS-2
ones, 67 each once split, as soon as one character is outside the GSM-7 alphabet.
"""

from __future__ import annotations

import math

from omnitui.model import Channel
from omnitui.records import record
from omnitui.wording import too_long_words

# The most characters one message holds; a channel not here (email, the generic source's)
# has no limit we know of.
LIMITS: dict[str, int] = {
    Channel.SMS: 1600,  # Twilio: longer is refused, shorter goes as segments
    Channel.WHATSAPP: 1600,  # through Twilio
    Channel.TELEGRAM: 4096,  # a message's text
    Channel.MESSENGER: 2000,
    Channel.INSTAGRAM: 1000,
    Channel.SLACK: 40000,  # a message's text
}
SEGMENTED = frozenset({Channel.SMS})  # counted in SMS segments too

GSM7 = frozenset("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
                 "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_ESCAPED = frozenset("\f^{}\\[~]|€")  # two septets each: an escape, then the character
# (characters in one SMS, in each of several): GSM-7 counted in septets, UCS-2 in UTF-16 units
GSM7_SEGMENT, UCS2_SEGMENT = (160, 153), (70, 67)


@record(frozen=True)
class Length:
    """A text measured against its channel's limit."""

    used: int  # characters
    most: int
    segments: int | None = None  # SMS only

    @property
    def over(self) -> int:
        return max(0, self.used - self.most)


def measure(channel: str, text: str) -> Length | None:
    """`text` against `channel`'s limit; None where the channel has none (email)."""
    most = LIMITS.get(channel)
    if most is None:
        return None
    return Length(len(text), most, sms_segments(text) if channel in SEGMENTED else None)


def sms_segments(text: str) -> int:
    """How many SMS `text` goes as (0 for none)."""
    if all(c in GSM7 or c in GSM7_ESCAPED for c in text):
        units = len(text) + sum(c in GSM7_ESCAPED for c in text)
        single, joined = GSM7_SEGMENT
    else:  # an emoji takes two
        units = len(text.encode("utf-16-le")) // 2
        single, joined = UCS2_SEGMENT
    return 1 if 0 < units <= single else math.ceil(units / joined)


def too_long(channel: str, text: str) -> str | None:
    """Why `text` cannot go on `channel` in one message (None: it can)."""
    length = measure(channel, text)
    if length is None or not length.over:
        return None
    return too_long_words(channel, length.used, length.most)
