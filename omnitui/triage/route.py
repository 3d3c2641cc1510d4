"""The route-and-score stage: queue, priority score and SLA due times of a case.

The score is a plain weighted sum, so an agent can predict it: tier + severity + urgency +
negative sentiment + synchronous channel. SLA targets differ for synchronous and
asynchronous channels, and VIP targets are shorter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from omnitui.config import Intent, PrioritySettings, RoutingSettings, SlaSettings
from omnitui.model import SYNCHRONOUS_CHANNELS, InboundEvent


@dataclass(frozen=True)
class Routing:
    queue: str
    queue_reason: str  # "intent billing, rule 'charged twice'", "channel sms", ...
    priority: float
    first_response_due: datetime
    resolution_due: datetime


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


def sla_targets(channel: str, tier: str, settings: SlaSettings) -> tuple[timedelta, timedelta]:
    """(first response, resolution) targets for a case on this channel and tier."""
    sync = channel in SYNCHRONOUS_CHANNELS
    first = settings.first_response_sync if sync else settings.first_response_async
    resolution = settings.resolution_sync if sync else settings.resolution_async
    factor = settings.vip_factor if tier == "vip" else 1.0
    return timedelta(minutes=first * factor), timedelta(minutes=resolution * factor)


def route(event: InboundEvent, *, tier: str, opened_at: datetime, routing: RoutingSettings,
          priority: PrioritySettings, sla: SlaSettings,
          intents: Sequence[Intent] = ()) -> Routing:
    first, resolution = sla_targets(event.channel, tier, sla)
    queue, why = queue_for(event, routing, intents)
    return Routing(queue=queue, queue_reason=why,
                   priority=priority_score(event, tier, event.severity, priority),
                   first_response_due=opened_at + first,
                   resolution_due=opened_at + resolution)
