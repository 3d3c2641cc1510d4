"""The persist stage: write the decided outcome of one event.

Opens the new case or moves the joined one on (reopen, resume a paused case), stores the
message with its raw bytes, attachment rows and threading reason, records the audit trail,
and files the claims and suggestions the earlier stages raised.
"""

from __future__ import annotations

import sqlite3

from omnitui.forwards import is_forward
from omnitui.ingest.identity import Identification
from omnitui.ingest.threading import ThreadDecision
from omnitui.model import Direction, InboundEvent, IngestResult, Status
from omnitui.records import record
from omnitui.store import cases, customers, messages
from omnitui.store.audit import record_audit
from omnitui.triage.language import UNDETERMINED
from omnitui.triage.route import Routing
from omnitui.vocabulary import (
    CUSTOMER_ANSWERED,
    NOT_WAITING,
    OUR_OWN_MAIL,
    awaited_answer,
    status_reason,
)

ACTOR = "ingest"
ATTACH_CONFIDENCE = 0.3  # a stranger naming a case: possible, but never automatic


@record(frozen=True)
class Stamps:
    """The event's two times as stored, formatted once: now (received) and at (sent)."""

    now: str
    at: str


def persist(conn: sqlite3.Connection, event: InboundEvent, who: Identification,
            decision: ThreadDecision, plan: Routing, blobs: list[str],
            stamps: Stamps) -> IngestResult:
    if decision.case_id is None:
        case_id = _open_case(conn, event, who, decision, plan, stamps)
    else:
        case_id = decision.case_id
        _continue_case(conn, event, who, decision, stamps)
    message_id = _store_message(conn, event, who, decision, case_id, blobs, stamps)
    if event.sent_by:
        cases.answered_again(conn, case_id)  # our answer, if a person wrote it
    for claim in who.claims:
        customers.add_claim(conn, message_id, claim.kind, claim.value, claim.display, claim.how)
    _file_suggestions(conn, who, decision, message_id, stamps.now)
    return IngestResult(duplicate=False, message_id=message_id, case_id=case_id,
                        customer_id=who.customer_id, new_case=decision.case_id is None,
                        reopened=decision.reopen, thread_rule=decision.rule,
                        thread_reason=decision.reason, parse_errors=bool(event.parse_errors))


def _open_case(conn: sqlite3.Connection, event: InboundEvent, who: Identification,
               decision: ThreadDecision, plan: Routing, stamps: Stamps) -> int:
    customer_id, tier = who.customer_id, who.tier
    waits = bool(event.sent_by) and not event.auto_submitted
    if decision.for_customer is not None:
        customer_id = decision.for_customer
        tier = customers.name_and_tier(conn, customer_id)[1]
    case_id = cases.create_case(conn, cases.NewCase(
        customer_id=customer_id, subject=case_subject(event.subject, event.text),
        channel=event.channel,
        # our own mail, sent outside omnitui, waits for the answer of the person it went to
        # ("why paused" was empty); our automatic mail waits for nothing (services/unasked)
        status=Status.PENDING if waits else Status.NEW,
        pause_reason=awaited_answer(event.channel, event.subject) if waits else None,
        queue=plan.queue, tier=tier, severity=0 if decision.third_party else event.severity,
        previous_case_id=decision.previous_case_id,
        last_inbound_at=stamps.at if _asks(event, decision) else None, created_at=stamps.at,
        **({} if decision.third_party else _as_read(event))))
    record_audit(conn, actor=ACTOR, action="case.created", case_id=case_id,
                 customer_id=customer_id, reason=decision.reason, at=stamps.now)
    record_audit(conn, actor=ACTOR, action="case.routed", case_id=case_id,
                 reason=f"{plan.queue}: {plan.queue_reason}", at=stamps.now)
    return case_id


def _continue_case(conn: sqlite3.Connection, event: InboundEvent, who: Identification,
                   decision: ThreadDecision, stamps: Stamps) -> None:
    case = decision.case or cases.require_case(conn, decision.case_id or 0)
    # an older message filed after a newer one (an mbox out of time order, a mail delayed
    # for days) does not move the case's latest message back: the queue's order, threading
    # and "waiting for us" read them
    theirs = not decision.third_party  # a supplier's answer says nothing of the customer
    values: dict[str, object] = {"last_message_at": max(case["last_message_at"] or "",
                                                        stamps.at),
                                 "updated_at": stamps.at,
                                 "severity": max(case["severity"],
                                                 event.severity if theirs else 0)}
    if _asks(event, decision):
        values["last_inbound_at"] = max(case["last_inbound_at"] or "", stamps.at)
    if decision.reopen:
        values.update(status=Status.OPEN, reopens=case["reopens"] + 1, solved_at=None,
                      solved_by=None)
        record_audit(conn, actor=ACTOR, action="case.reopened", case_id=case["id"],
                     customer_id=who.customer_id, reason=decision.reason, at=stamps.now)
    elif case["status"] == Status.NEW and _answers(event):
        values["status"] = Status.OPEN  # answered by one of us, as a reply here opens it
    if not event.asks_nothing:
        written = written_to(case, theirs=theirs)
        values.update(written)
        if written.get("status") == Status.OPEN:
            # The row tells the history why the case is open again; it records no change,
            # so the SLA replay, which resumes the clocks from their message (as in a store
            # from before the row), reads none (store/cases.clock_facts): nothing counts
            # twice.
            record_audit(conn, actor=ACTOR, action="case.status", case_id=case["id"],
                         customer_id=who.customer_id, at=stamps.now,
                         reason=status_reason(Status.PENDING, Status.OPEN,
                                              why=CUSTOMER_ANSWERED))
    read = _as_read(event, intent_known=case["intent"] is not None) if theirs else {}
    if stamps.at < (case["last_message_at"] or "") and stamps.at < (
            messages.newest_inbound_at(conn, case["id"]) or ""):
        read.pop("language", None)  # an older message filed late: the case keeps the
        read.pop("irritation", None)  # language and mood of the customer's latest
    values.update(read)
    cases.touch_case(conn, case["id"], cases.changed_columns(case, values))


def written_to(case: cases.Row, *, theirs: bool = True) -> dict[str, object]:
    """What a message asking the team something does to the case it lands on, filed here
    or moved or merged there (services/merge.py): a snoozed case is back in the queue, and
    one pending on the customer opens when it is theirs (a supplier's answer is not what we
    wait for): they answered, its clocks run again. The columns to change."""
    values: dict[str, object] = {}
    if theirs and case["status"] == Status.PENDING:
        values.update(status=Status.OPEN, pause_reason=None, paused_at=None)
    if case["snoozed_until"] is not None:
        values["snoozed_until"] = None
    return values


def _answers(event: InboundEvent) -> bool:
    """Our own mail sent outside omnitui answers the person it went to, unless automatic
    (a shop's confirmation) or a forward (to a supplier: it met the customer's first
    response)."""
    return bool(event.sent_by) and not event.auto_submitted and not is_forward(event.subject)


def _asks(event: InboundEvent, decision: ThreadDecision) -> bool:
    """The message asks the team something: not an automatic reply, a thank-you nor a
    survey's answer (the case's `last_inbound_at`, what "waiting for an answer" reads)."""
    return not event.asks_nothing and decision.rule not in NOT_WAITING


def _as_read(event: InboundEvent, *, intent_known: bool = False) -> dict[str, str | None]:
    """What the case takes from its customer's latest message: its language (if it could
    be told) and its mood (a calm message clears an irritated case); its intent from the
    first message that tells one (a follow-up's "same error again" does not turn a billing
    case into a technical one). An automatic reply, or our own mail, says nothing of any."""
    if event.asks_nothing:
        return {}
    read: dict[str, str | None] = {"irritation": event.irritation}
    if event.language and event.language != UNDETERMINED:
        read["language"] = event.language
    if event.intent and not intent_known:
        read["intent"] = event.intent
    return read


def _store_message(conn: sqlite3.Connection, event: InboundEvent, who: Identification,
                   decision: ThreadDecision, case_id: int, blobs: list[str],
                   stamps: Stamps) -> int:
    raw_id = event.raw_id or messages.insert_raw(conn, event.channel, event.source, event.raw,
                                                 stamps.now)
    message_id = messages.create_message(conn, messages.NewMessage(
        case_id=case_id, customer_id=who.customer_id, identity_id=who.identity_id,
        channel=event.channel, direction=Direction.OUT if event.sent_by else Direction.IN,
        external_id=event.external_id,
        thread_key=event.message_id, parent_keys=(*event.references, *event.in_reply_to),
        subject=event.subject, text=event.text, html=event.html,
        author=event.author,
        created_at=stamps.at, received_at=stamps.now, parse_errors=tuple(event.parse_errors),
        auto_submitted=event.auto_submitted, language=event.language, intent=event.intent,
        intent_rule=event.intent_rule,
        sentiment=event.sentiment, irritation=event.irritation, urgent=event.urgent,
        raw_id=raw_id,
        thread_rule=decision.rule, thread_reason=decision.reason,
        reply_route=event.reply_route,
        response="none" if event.sent_by and not _answers(event) else None))
    for attachment, sha256 in zip(event.attachments, blobs, strict=True):
        messages.insert_attachment(conn, message_id, sha256=sha256,
                                   size=attachment.size, mime=attachment.mime,
                                   filename=attachment.filename,
                                   content_id=attachment.content_id,
                                   disposition=attachment.disposition)
    record_audit(conn, actor=ACTOR, action="message.received", case_id=case_id,
                 customer_id=who.customer_id, message_id=message_id,
                 reason="; ".join([*_sent(event), *who.reasons, decision.reason]),
                 at=stamps.now)
    return message_id


def _sent(event: InboundEvent) -> list[str]:
    return [f"{OUR_OWN_MAIL}{event.sent_by} outside omnitui"] if event.sent_by else []


def _file_suggestions(conn: sqlite3.Connection, who: Identification,
                      decision: ThreadDecision, message_id: int, now: str) -> None:
    customers.add_merge_suggestions(conn, who.suggestions, message_id, now)
    if decision.refused_case_id is not None:
        customers.add_suggestion(
            conn, kind="attach_to_case", source_id=message_id,
            target_id=decision.refused_case_id, confidence=ATTACH_CONFIDENCE,
            evidence="the subject names this case but the sender is not a participant",
            message_id=message_id, now=now)


def case_subject(subject: str, text: str) -> str:
    """The subject, or for chat and SMS (which have none) the opening line: a customer's,
    or ours when we write first."""
    if subject.strip():
        return subject.strip()[:300]
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first_line[:120]
