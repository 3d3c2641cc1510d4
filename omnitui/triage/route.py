"""The route stage: the queue of a new case, and why. (After filing, each case's SLA clocks
are replayed and its priority scored: services/upkeep.py.)"""

from __future__ import annotations

from collections.abc import Sequence

from omnitui.config import Intent, RoutingSettings
from omnitui.model import InboundEvent
from omnitui.records import record


@record(frozen=True)
class Routing:
    queue: str
    queue_reason: str  # "intent billing, says 'charged twice'", "channel sms", ...


def queue_for(event: InboundEvent, settings: RoutingSettings,
              intents: Sequence[Intent] = ()) -> tuple[str, str]:
    """The intent's queue, else the channel's, else the default one; and why."""
    told = next((i.queue for i in intents if i.name == event.intent and i.queue), None)
    if told:
        return told, f"intent {event.intent}, {event.intent_rule}"
    if event.channel in settings.channel_queues:
        return settings.channel_queues[event.channel], f"channel {event.channel}"
    return settings.default_queue, "the default queue"


def route(event: InboundEvent, *, routing: RoutingSettings,
          intents: Sequence[Intent] = ()) -> Routing:
    queue, why = queue_for(event, routing, intents)
    return Routing(queue=queue, queue_reason=why)
