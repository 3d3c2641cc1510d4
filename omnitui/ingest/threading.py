"""The thread stage: which case an event joins, by which rule, and why.

Rules, in order: an email header (In-Reply-To, then References newest first, then the
Message-ID of the mail a bounce returns) naming a stored message; a case reference like
`[#123]` in the subject, from a participant of that case; the customer's open case on any
channel (one customer, one case; of several, the one whose subject a reply answers); their
last solved case inside the reopen window; else a
new case (linked to the customer's previous one, if any). A message that only thanks us
joins a solved case without reopening it, and an open one without starting a clock
(`[threading] thanks_ask_nothing`); so does a third party's answer to our forward.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from omnitui.config import ThreadingSettings
from omnitui.model import FINISHED_STATUSES, InboundEvent, Status
from omnitui.records import record
from omnitui.store import cases as store
from omnitui.store.cases import Row
from omnitui.store.db import parse_db_time
from omnitui.triage.thanks import only_thanks
from omnitui.vocabulary import THANKS_ONLY, THIRD_PARTY
from omnitui.wording import status_words

SUBJECT_REFERENCE = re.compile(r"\[#(\d{1,12})\]")
# what mail clients put before a subject they answer, in the languages the forwards know
# (Re, AW, SV, Antw, VS, R, RIF, RES), repeated ("Re: AW: ...")
REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|aw|sv|antw|vs|r|rif|res)\s*(?:\[\d+\])?\s*:)+",
                          re.IGNORECASE)


@record
class ThreadDecision:
    case_id: int | None  # None: open a new case
    rule: str
    reason: str
    reopen: bool = False
    previous_case_id: int | None = None
    refused_case_id: int | None = None  # a case the subject named for a non-participant
    case: Row | None = None  # the joined case as read, so later stages need not re-read it
    third_party: bool = False  # someone else's answer to our forward: not the customer's words
    for_customer: int | None = None  # the customer a new case opens for, if not the sender


def thread(conn: sqlite3.Connection, event: InboundEvent, customer_id: int,
           settings: ThreadingSettings, now: datetime) -> ThreadDecision:
    refused: int | None = None
    by_header = _by_headers(conn, event)
    if by_header:
        case_id, reason, named = by_header
        case = store.require_case(conn, case_id)
        third = case["customer_id"] != customer_id and store.is_forward_or_third_party(
            conn, named, THIRD_PARTY)  # a supplier's words started the customer's
        # next-response clock and set the case's language
        if third and case["status"] not in FINISHED_STATUSES:
            return ThreadDecision(case_id, THIRD_PARTY, f"{reason}; a third party's answer to "
                                  "our forward: nothing waits on it", case=case,
                                  third_party=True)
        decision = _continue(conn, event, case, "email-headers", reason, settings, now)
        decision.third_party = third  # on a finished case it comes back to be seen, as a
        # customer's does, and still says nothing of the customer; on a closed one, the
        # new case is the customer's matter still (it opened under the supplier)
        if third and decision.case_id is None:
            decision.for_customer = case["customer_id"]
        return decision
    for match in SUBJECT_REFERENCE.finditer(event.subject):
        named = int(match.group(1))
        case_id = store.live_case_id(conn, named)
        if store.get_case(conn, case_id) is None:
            continue
        said = f"subject names case {match.group(0)}{_merged(named, case_id)}"
        if store.is_participant(conn, case_id, customer_id):
            return _continue(conn, event, case_id, "subject-reference", said, settings, now)
        if store.written_to(conn, case_id, _verified_addresses(event)):  # a form's person,
            # answering our reply from the address it went to: no customer of the case yet
            return _continue(conn, event, case_id, "subject-reference",
                             f"{said}, whose reply went to the sender", settings, now)
        refused = case_id
    decision = _by_customer(conn, event, customer_id, settings, now)
    if refused is not None:
        decision.refused_case_id = refused
        decision.reason += (f"; the subject names case [#{refused}] but the sender is not a "
                            "participant of it, so it was not attached there")
    return decision


def _by_headers(conn: sqlite3.Connection, event: InboundEvent
                ) -> tuple[int, str, int] | None:
    """(the live case, why, the message named) of the first stored message the event's
    headers name."""
    returned = event.delivery_report.about if event.delivery_report else ()
    keys = list(dict.fromkeys([*event.in_reply_to, *reversed(event.references), *returned]))
    match = store.case_by_thread_keys(conn, keys)
    if match is None:
        return None
    case_id, message_id, key = match
    header = ("In-Reply-To" if key in event.in_reply_to else "References"
              if key in event.references else "the bounce's returned Message-ID")
    live = store.live_case_id(conn, case_id)
    return (live, f"{header} <{key}> names message #{message_id}{_merged(case_id, live)}",
            message_id)


def _merged(named: int, live: int) -> str:
    """Why a message named case `named` and joined `live`: it was merged there."""
    return f" (case #{named} was merged into #{live})" if live != named else ""


def _verified_addresses(event: InboundEvent) -> list[str]:
    return [i.value for i in event.identifiers if i.kind == "email" and i.verified]


def _by_customer(conn: sqlite3.Connection, event: InboundEvent, customer_id: int,
                 settings: ThreadingSettings, now: datetime) -> ThreadDecision:
    if not settings.one_case_per_customer:
        return ThreadDecision(None, "new-case", "a new conversation (one case per customer is "
                              "off and nothing named an earlier case)")
    active = store.active_case_of(conn, customer_id)
    if active:
        answered = _answered_case(conn, event, customer_id, active)
        return _join_active(event, answered or active, "customer-open-case",
                            f"the customer's {status_words((answered or active)['status'])} "
                            f"case #{(answered or active)['id']}"
                            + (" with the subject it answers" if answered else "")
                            + " (one customer, one case, any channel)", settings)
    finished = store.latest_finished_case_of(conn, customer_id)
    if finished:
        return _continue(conn, event, finished, "customer-recent-case",
                         f"the customer's last case #{finished['id']}", settings, now)
    return ThreadDecision(None, "new-case", "the customer's first conversation")


def _answered_case(conn: sqlite3.Connection, event: InboundEvent, customer_id: int,
                   latest: Row) -> Row | None:
    """Of a customer's several unsolved cases (a split, a case we opened), the one whose
    subject a reply without headers answers ("Re: Invoice wrong" joined the newest case, on
    another matter), when it is not the latest; None: the latest. Read only when the latest
    case's subject is another."""
    answers = REPLY_PREFIX.sub("", event.subject).strip().casefold()
    if not answers or REPLY_PREFIX.sub("", latest["subject"] or "").strip().casefold() == answers:
        return None
    return next((case for case in reversed(store.active_cases_of(conn, customer_id))
                 if REPLY_PREFIX.sub("", case["subject"] or "").strip().casefold() == answers),
                None)


def _continue(conn: sqlite3.Connection, event: InboundEvent, found: int | Row, rule: str,
              reason: str, settings: ThreadingSettings, now: datetime) -> ThreadDecision:
    """Join a case found by a rule (its id, or its row read already), reopening it or
    starting a linked case if it is done."""
    case = store.require_case(conn, found) if isinstance(found, int) else found
    case_id = case["id"]
    status = case["status"]
    if status not in FINISHED_STATUSES:
        return _join_active(event, case, rule, reason, settings)
    if event.delivery_report is not None and event.delivery_report.failed:
        return ThreadDecision(case_id, rule, f"{reason}; a bounce of our reply: the reply "
                              "says whom it failed", case=case)
    if event.asks_nothing and not (event.sent_by and status == Status.CLOSED):  # our mail
        # to a closed case starts a new one, as the customer's does (it went unseen there)
        what = (f"automatic message ({event.auto_submitted})" if event.auto_submitted
                else "our own mail, sent outside omnitui")
        return ThreadDecision(case_id, rule, f"{reason}; {what}, so the {status} case stays "
                              f"{status}", case=case)
    if _thanks(event, settings):  # late thanks are no new case, even to a closed one (one
        # opened there, its first-response clock running, breached unanswered)
        closed = "closed, " if status == Status.CLOSED else ""  # (when: it was solved)
        return ThreadDecision(case_id, THANKS_ONLY, f"{reason}; {closed}solved "
                              f"{_ago(case, now)}, and the customer only thanks us: it stays "
                              f"{status}", case=case)
    if status == Status.SOLVED and _inside_window(case, settings, now):
        return ThreadDecision(case_id, rule, f"{reason}; solved {_ago(case, now)}, inside the "
                              f"{settings.reopen_window_days}-day reopen window: reopened",
                              reopen=True, case=case)
    why = "closed" if status == Status.CLOSED else (
        f"solved {_ago(case, now)}, outside the {settings.reopen_window_days}-day reopen window")
    return ThreadDecision(None, f"{rule}-follow-up",
                          f"{reason}; that case was {why}: a new case linked to #{case_id}",
                          previous_case_id=case_id)


def _thanks(event: InboundEvent, settings: ThreadingSettings) -> bool:
    """The customer only thanks us (read only where it matters: a case we answered, not
    the new cases an import fills, whose writer it would slow)."""
    return settings.thanks_ask_nothing and not event.asks_nothing and only_thanks(
        event.text or event.subject, _signer(event))


ANSWERED = (Status.OPEN, Status.PENDING, Status.ON_HOLD)  # not new: a thank-you there is
# the customer's own, before any answer of ours ("thanks in advance")


def _signer(event: InboundEvent) -> str:
    """How the sender may sign: their name, and their mail address's name part
    ("john.smith")."""
    return " ".join([event.sender_name, *(i.value.partition("@")[0]
                                          for i in event.identifiers if i.kind == "email")])


def _join_active(event: InboundEvent, case: Row, rule: str, reason: str,
                 settings: ThreadingSettings) -> ThreadDecision:
    """Join a case not done yet; on one we answered (open, pending, on hold), a message
    that only thanks us makes no answer due: the case is open for its agent to solve, and
    no clock waits on it (on a pending case, "Thanks, that worked!" started a next-response
    clock that breached by the morning)."""
    if case["status"] in ANSWERED and _thanks(event, settings):
        return ThreadDecision(case["id"], THANKS_ONLY, f"{reason}; the customer only thanks "
                              "us: no answer is due", case=case)
    return ThreadDecision(case["id"], rule, reason, case=case)


def _inside_window(case: dict[str, Any], settings: ThreadingSettings, now: datetime) -> bool:
    solved = case["solved_at"] or case["updated_at"]
    return now - parse_db_time(solved) <= timedelta(days=settings.reopen_window_days)


def _ago(case: dict[str, Any], now: datetime) -> str:
    solved = parse_db_time(case["solved_at"] or case["updated_at"])
    days = max((now - solved).days, 0)  # a message written before the solve came after it
    return "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} ago"

