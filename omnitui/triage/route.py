"""The route-and-score stage: the queue of a new case, and its priority score.

The score is a plain weighted sum, so an agent can predict it: tier + severity + urgency +
negative sentiment + synchronous channel. (SLA clocks are replayed from each case's history
after it is filed: services/sla.py.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from omnitui.config import Intent, PrioritySettings, RoutingSettings
from omnitui.model import SYNCHRONOUS_CHANNELS, InboundEvent


@dataclass(frozen=True)
class Routing:
    queue: str
    queue_reason: str  # "intent billing, says 'charged twice'", "channel sms", ...
    priority: float


def queue_for(event: InboundEvent, settings: RoutingSettings,
              intents: Sequence[Intent] = ()) -> tuple[str, str]:
    """The intent's queue, else the channel's, else the default one; and why."""
    told = next((i.queue for i in intents if i.name == event.intent and i.queue), None)
    if told:
        return told, f"intent {event.intent}, {event.intent_rule}"
    if event.channel in settings.channel_queues:
        return settings.channel_queues[event.channel], f"channel {event.channel}"
    return settings.default_queue, "the default queue"


def priority_score(event: InboundEvent, tier: str, severity: int,
                   settings: PrioritySettings) -> float:
    score = settings.tier_weights.get(tier, 0.0) + severity * settings.severity_weight
    if event.urgent:
        score += settings.urgent_weight
    if event.channel in SYNCHRONOUS_CHANNELS:
        score += settings.sync_channel_weight
    if event.sentiment is not None and event.sentiment < 0:
        score += -event.sentiment * settings.negative_sentiment_weight
    return float(round(score))  # whole points: what an agent reads and compares in the queue


def route(event: InboundEvent, *, tier: str, routing: RoutingSettings,
          priority: PrioritySettings, intents: Sequence[Intent] = ()) -> Routing:
    queue, why = queue_for(event, routing, intents)
    return Routing(queue=queue, queue_reason=why,
                   priority=priority_score(event, tier, event.severity, priority))
