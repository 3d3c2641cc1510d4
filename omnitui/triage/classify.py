"""The classify stage: urgency flags the score and the console can use.

Intent, language and sentiment detection belong to the triage work; this seam sets what the
event itself makes certain, so the later stages already read classified events.
"""

from __future__ import annotations

import re

from omnitui.model import InboundEvent

URGENT_WORDS = re.compile(
    r"\b(urgent|asap|emergency|immediately|outage|is down|not working|charged twice)\b", re.I)


def classify(event: InboundEvent) -> InboundEvent:
    """Mark an event urgent when its subject or opening says so; automatic mail never is."""
    if not event.auto_submitted and URGENT_WORDS.search(f"{event.subject}\n{event.text[:2000]}"):
        event.urgent = True
    return event
