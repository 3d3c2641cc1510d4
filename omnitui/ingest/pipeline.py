"""The ingest pipeline: one path from an InboundEvent to a stored message, for every channel.

dedupe -> identify -> thread -> classify -> route/score -> persist -> automate, all inside one
BEGIN IMMEDIATE transaction per event: a crash leaves an event wholly in or wholly out, and
re-running the same input adds nothing, because (channel, external id) is unique.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from omnitui.config import Settings
from omnitui.ingest.identity import Identification, identify
from omnitui.ingest.threading import ThreadDecision, thread
from omnitui.model import InboundEvent, IngestResult, Status
from omnitui.store import cases, customers, messages
from omnitui.store.audit import record_audit
from omnitui.store.blobs import write_blob
from omnitui.store.db import Store, db_time, utc_now
from omnitui.triage.classify import classify
from omnitui.triage.route import route

# An automation sees the committed-to-be result inside the event's transaction, so whatever
# it queues (an acknowledgement in the outbox, say) commits or rolls back with the message.
Automation = Callable[[sqlite3.Connection, InboundEvent, IngestResult], None]

ACTOR = "ingest"


@dataclass(frozen=True)
class _Stamps:
    """The event's two times as stored, formatted once: now (received) and at (sent)."""

    now: str
    at: str


class Pipeline:
    def __init__(self, store: Store, settings: Settings,
                 automations: Sequence[Automation] = ()) -> None:
        self.store = store
        self.settings = settings
        self.automations = list(automations)

    def ingest(self, event: InboundEvent) -> IngestResult:
        """Ingest one event in its own transaction; attachment files are written first, so
        the write lock is never held across their fsyncs."""
        blobs = self._write_blobs(event)
        with self.store.write() as conn:
            return self.ingest_in(conn, event, blobs)

    def ingest_many(self, events: Iterable[InboundEvent], *, max_batch: int = 200,
                    max_seconds: float = 0.5) -> Iterator[IngestResult]:
        """Bulk loads (import, demo): events share one commit per batch.

        Each event is still whole, and a batch commits all its events or none; re-running the
        load adds exactly what is missing. Grouping matters: every commit flushes a new
        full-text index segment (about 0.6 ms). A batch is also cut after `max_seconds`, so
        other writers (consoles) never wait long for the lock.
        """
        pending = iter(events)
        while True:
            started = time.monotonic()
            with self.store.write() as conn:
                for count, event in enumerate(pending, start=1):
                    yield self.ingest_in(conn, event)
                    if count >= max_batch or time.monotonic() - started > max_seconds:
                        break
                else:
                    return

    def _write_blobs(self, event: InboundEvent) -> list[str]:
        return [write_blob(self.store.attachments_dir, a.content, sync=self.store.durable)
                for a in event.attachments]

    def ingest_in(self, conn: sqlite3.Connection, event: InboundEvent,
                  blobs: list[str] | None = None) -> IngestResult:
        """Ingest inside a transaction the caller holds (bulk loaders group many events)."""
        if blobs is None:
            blobs = self._write_blobs(event)
        seen = messages.message_with_external_id(conn, event.channel, event.external_id)
        if seen:
            return IngestResult(duplicate=True, message_id=seen[0], case_id=seen[1],
                                customer_id=seen[2])
        now = utc_now()
        clock = min(event.occurred_at, now)  # a sender's clock in the future is not trusted
        stamps = _Stamps(now=db_time(now), at=db_time(clock))
        who = identify(conn, event, self.settings.identity, stamps.now)
        decision = thread(conn, event, who.customer_id, self.settings.threading, clock)
        classify(event)
        case_id, new_case = self._case_for(conn, event, who, decision, clock, stamps)
        message_id = self._persist(conn, event, who, decision, case_id, blobs, stamps)
        result = IngestResult(duplicate=False, message_id=message_id, case_id=case_id,
                              customer_id=who.customer_id, new_case=new_case,
                              reopened=decision.reopen, thread_rule=decision.rule,
                              thread_reason=decision.reason,
                              parse_errors=bool(event.parse_errors))
        self._suggest(conn, who, decision, message_id, stamps.now)
        for automation in self.automations:
            automation(conn, event, result)
        return result

    def _case_for(self, conn: sqlite3.Connection, event: InboundEvent, who: Identification,
                  decision: ThreadDecision, clock: datetime,
                  stamps: _Stamps) -> tuple[int, bool]:
        """Open a new case, or move the joined one on: reopen, resume, raise its score."""
        tier = customers.customer_tier(conn, who.customer_id)
        at = stamps.at
        plan = route(event, tier=tier, opened_at=clock, routing=self.settings.routing,
                     priority=self.settings.priority, sla=self.settings.sla)
        if decision.case_id is None:
            case_id = cases.create_case(conn, {
                "customer_id": who.customer_id, "subject": _case_subject(event),
                "channel": event.channel, "status": Status.NEW, "queue": plan.queue,
                "priority": plan.priority, "tier": tier, "severity": event.severity,
                "sla_first_response_due": db_time(plan.first_response_due),
                "sla_resolution_due": db_time(plan.resolution_due),
                "sla_due": db_time(plan.first_response_due),
                "previous_case_id": decision.previous_case_id,
                "last_inbound_at": at, "last_message_at": at, "created_at": at,
                "updated_at": at})
            record_audit(conn, actor=ACTOR, action="case.created", case_id=case_id,
                         customer_id=who.customer_id, reason=decision.reason, at=stamps.now)
            return case_id, True
        case = cases.require_case(conn, decision.case_id)
        values: dict[str, object] = {"last_inbound_at": at, "last_message_at": at,
                                     "updated_at": at,
                                     "priority": max(case["priority"], plan.priority)}
        if decision.reopen:
            values.update(status=Status.OPEN, reopens=case["reopens"] + 1, solved_at=None,
                          sla_resolution_due=db_time(plan.resolution_due),
                          sla_due=db_time(plan.resolution_due))
            record_audit(conn, actor=ACTOR, action="case.reopened", case_id=case["id"],
                         customer_id=who.customer_id, reason=decision.reason, at=stamps.now)
        elif case["status"] == Status.PENDING and not event.auto_submitted:
            # The customer answered what we were waiting for: the clock runs again.
            values.update(status=Status.OPEN, pause_reason=None,
                          sla_due=case["sla_resolution_due"] if case["first_response_at"]
                          else case["sla_first_response_due"])
        cases.touch_case(conn, case["id"], values)
        return case["id"], False

    def _persist(self, conn: sqlite3.Connection, event: InboundEvent, who: Identification,
                 decision: ThreadDecision, case_id: int, blobs: list[str],
                 stamps: _Stamps) -> int:
        raw_id = messages.insert_raw(conn, event.channel, event.source, event.raw, stamps.now)
        message_id = messages.insert_message(conn, {
            "case_id": case_id, "customer_id": who.customer_id,
            "identity_id": who.identity_id, "channel": event.channel, "direction": "in",
            "external_id": event.external_id, "thread_key": event.message_id,
            "parent_keys": [*event.in_reply_to, *event.references],
            "subject": event.subject, "text": event.text, "html": event.html,
            "author": event.sender_name, "created_at": stamps.at,
            "received_at": stamps.now, "parse_errors": event.parse_errors,
            "auto_submitted": event.auto_submitted, "language": event.language,
            "intent": event.intent, "sentiment": event.sentiment, "urgent": int(event.urgent),
            "raw_id": raw_id, "thread_rule": decision.rule, "thread_reason": decision.reason})
        for attachment, sha256 in zip(event.attachments, blobs, strict=True):
            messages.insert_attachment(conn, message_id, sha256=sha256,
                                       size=len(attachment.content), mime=attachment.mime,
                                       filename=attachment.filename,
                                       content_id=attachment.content_id,
                                       disposition=attachment.disposition)
        record_audit(conn, actor=ACTOR, action="message.received", case_id=case_id,
                     customer_id=who.customer_id, message_id=message_id,
                     reason="; ".join([*who.reasons, decision.reason]), at=stamps.now)
        return message_id

    @staticmethod
    def _suggest(conn: sqlite3.Connection, who: Identification, decision: ThreadDecision,
                 message_id: int, now: str) -> None:
        for other, confidence, evidence in who.suggestions:
            customers.add_suggestion(conn, kind="merge_customers", source_id=other,
                                     target_id=who.customer_id, confidence=confidence,
                                     evidence=evidence, message_id=message_id, now=now)
        if decision.refused_case_id is not None:
            customers.add_suggestion(
                conn, kind="attach_to_case", source_id=message_id,
                target_id=decision.refused_case_id, confidence=0.3,
                evidence="the subject names this case but the sender is not a participant",
                message_id=message_id, now=now)


def _case_subject(event: InboundEvent) -> str:
    """The subject, or for chat and SMS (which have none) the opening line."""
    if event.subject.strip():
        return event.subject.strip()[:300]
    first_line = next((line.strip() for line in event.text.splitlines() if line.strip()), "")
    return first_line[:120]
