"""Business events: what other systems tell us about a customer or a product.

Two kinds act, through the action layer as the system's own actor, audited on every case
they touch:
- `outage` of a `[[products]]` entry raises the severity of the open cases that mention it
  (its keywords, by full-text search) and of new ones that match while it lasts; every
  console shows it in a banner, and acknowledgements of matching cases say so; until the
  outage is resolved (`--resolved`).
- `payment_failed` for a customer raises the severity of their open cases and moves them to
  the billing queue (`[events] payment_failed_queue`), and with `payment_failed_message`
  writes to them (on WhatsApp and Messenger within the 24-hour window or as the approved
  template: services/window.py).
Any other kind (`password_reset`, `plan_changed`) is recorded on the customer's timeline.
They come from `omnitui event` and from the generic webhook's `event` bodies (an outage there
names a product and no customer).
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from difflib import get_close_matches
from functools import cached_property
from zoneinfo import ZoneInfo

from omnitui.config import Product, Settings
from omnitui.config.templates import PROACTIVE_VARIABLES
from omnitui.errors import Refused, UsageError
from omnitui.model import (
    ACTIVE_STATUSES,
    Channel,
    InboundEvent,
    IngestResult,
    ProductEvent,
    Status,
)
from omnitui.records import record
from omnitui.services import actions
from omnitui.services.macros import fill_template, template_values
from omnitui.services.outbound import queue_draft, reachable_channels, start_draft
from omnitui.services.sla import SlaKeeper
from omnitui.services.wait_words import ENGLISH, WaitWords
from omnitui.services.window import unasked_message
from omnitui.store import business_events
from omnitui.store import cases as case_store
from omnitui.store.audit import ChangeSet, record_audit
from omnitui.store.business_events import BusinessEvent
from omnitui.store.customers import channels_to_reach, require_customer
from omnitui.store.db import StoreError, db_time, parse_db_time, savepoint
from omnitui.store.messages import automatic_to_customer_since
from omnitui.store.queries import cases_mentioning, fts_phrase
from omnitui.wording import clock_time

ACTOR = "omnitui-events"
log = logging.getLogger("omnitui.events")
ACTING = ("outage", "payment_failed")
PROACTIVE = "proactive"  # messages.auto_submitted of the payment_failed message
TELL_AGAIN_AFTER = timedelta(hours=24)  # failed payments within it: the customer is told once
KIND = re.compile(r"[a-z][a-z0-9_]{0,63}")


@record
class EventResult:
    """What an event did, for the person or script that reported it."""

    event_id: int
    kind: str
    raised: list[int] = field(default_factory=list)  # cases whose severity went up
    moved: list[int] = field(default_factory=list)  # cases moved to the billing queue
    resolved: bool = False
    told: int | None = None  # the case the customer was written to on (payment_failed)
    untold: str = ""  # why they were not, when [events] payment_failed_message is set
    customer_id: int | None = None  # whose timeline it joined (None: an outage's product)


def record_event(conn: sqlite3.Connection, settings: Settings, kind: str, *, at: datetime,
                 customer_id: int | None = None, product: str | None = None,
                 severity: int | None = None, text: str = "",
                 resolved: bool = False, zone: tzinfo | None = None) -> EventResult:
    """Record one event and do what its kind does; UsageError says what is missing or
    wrong in the asking, Refused what the state forbids (an outage going on already).
    `zone`: the one the times it says are in (the agent's; None: this machine's)."""
    if not KIND.fullmatch(kind):
        raise UsageError(f"{kind!r} is not an event kind: lower-case letters, digits and _ "
                         "(outage, payment_failed, password_reset)")
    if kind not in ACTING and (near := get_close_matches(kind, ACTING, n=1, cutoff=0.8)):
        raise UsageError(f"{kind!r} is not {near[0]!r}: did you mean it? (a kind this close "
                         "to one that acts is refused rather than only recorded)")
    level = settings.events.severity if severity is None else severity
    when = db_time(at)
    if kind == "outage":
        if customer_id is not None:  # (it began the outage, the customer left unsaid)
            raise UsageError("an outage is of a product, not a customer: leave out --customer, "
                             "--email and --phone")
        return _outage(conn, settings, _product(settings, product), level, text, when,
                       resolved, zone)
    if resolved:
        raise UsageError("--resolved ends an outage; other events have nothing to resolve")
    if customer_id is None:
        raise UsageError(f"a {kind} event is about a customer: give --customer, --email "
                         "or --phone")
    require_customer(conn, customer_id)
    event_id = business_events.add(conn, kind, customer_id=customer_id, product=product,
                                      severity=level, text=text, actor=ACTOR, at=when)
    result = EventResult(event_id, kind, customer_id=customer_id)
    if kind == "payment_failed":
        queue = settings.events.payment_failed_queue
        policy = SlaKeeper(settings).queue_policy(queue)  # the moved cases', at once
        for case in case_store.active_cases_of(conn, customer_id):
            _raise(conn, case, level, f"payment failed (event {event_id})", at, result)
            if queue and case["queue"] != queue:
                actions.edit(conn, case["id"], {"queue": queue, "sla_policy": policy},
                             actor=ACTOR, at=at, action="case.queue",
                             reason=f"queue {queue}: payment failed (event {event_id})")
                result.moved.append(case["id"])
        if settings.events.payment_failed_message:
            _tell(conn, settings, customer_id, event_id, at, result, zone)
    return result


def _tell(conn: sqlite3.Connection, settings: Settings, customer_id: int, event_id: int,
          at: datetime, result: EventResult, zone: tzinfo | None) -> None:
    """The payment_failed message, on the customer's preferred channel (else the one they
    last wrote on), on their latest open case or a new one that waits for their answer;
    where it cannot go, the reason is audited on the customer."""
    why = f"payment failed (event {event_id})"
    if told := automatic_to_customer_since(conn, customer_id, PROACTIVE,
                                           db_time(at - TELL_AGAIN_AFTER)):
        result.untold = ("not told again: they were told at "
                         f"{clock_time(parse_db_time(told), zone)}")
        return
    reachable = reachable_channels(conn, customer_id)
    channel = next((c for c in channels_to_reach(conn, customer_id) if c in reachable),
                   reachable[0] if reachable else None)
    window = unasked_message(conn, settings.service_window, customer_id, channel, at) \
        if channel else None
    def untold(words: str) -> None:
        result.untold = words
        record_audit(conn, actor=ACTOR, action="customer.untold", customer_id=customer_id,
                     reason=f"{why}; {words}", at=db_time(at))

    if channel is None or window is None or window.refusal:
        untold(f"not told: {window.refusal}" if window else
               "not told: there is no address to write to the customer on")
        return
    try:
        with savepoint(conn):  # no case left waiting for an answer to nothing
            open_cases = case_store.active_cases_of(conn, customer_id)
            case_id = open_cases[0]["id"] if open_cases else _waiting_case(
                conn, settings, customer_id, channel, at)
            draft = start_draft(conn, case_id, "reply", channel=channel)
            text = fill_template(settings.events.payment_failed_message, {
                k: v for k, v in template_values(conn, case_id, ACTOR).items()
                if k in PROACTIVE_VARIABLES})
            queue_draft(conn, case_id, replace(draft, text=text), author=ACTOR, at=at,
                        automatic=PROACTIVE, reason=f"{why}: the customer told on {channel}",
                        template=(window.template, window.language) if window.template
                        else None)
    except StoreError as exc:  # nowhere a person reads (a no-reply address)
        untold(f"not told: {exc}")
        return
    result.told = case_id


def _waiting_case(conn: sqlite3.Connection, settings: Settings, customer_id: int,
                  channel: str, at: datetime) -> int:
    """A case for a message we start: it waits for the customer's answer (pending), in the
    billing queue, owned by nobody."""
    changes = ChangeSet()
    when = db_time(at)
    case_id = case_store.create_case(conn, case_store.NewCase(
        customer_id=customer_id, channel=channel, created_at=when, subject="Your payment",
        status=Status.PENDING, queue=settings.events.payment_failed_queue or
        settings.routing.default_queue,
        pause_reason="the customer's answer to the payment notice"), changes)
    record_audit(conn, actor=ACTOR, action="case.created", case_id=case_id,
                 customer_id=customer_id, reason="a payment failed: the customer is told",
                 changes=changes, at=when)
    return case_id


def _product(settings: Settings, name: str | None) -> Product:
    names = ", ".join(p.name for p in settings.products) or "none: add [[products]] entries"
    if name is None:
        raise UsageError(f"an outage is of a product: give --product (products: {names})")
    found = next((p for p in settings.products if p.name.casefold() == name.casefold()),
                 None)
    if found is None:
        raise UsageError(f"no product {name!r} in the config (products: {names})")
    return found


def _outage(conn: sqlite3.Connection, settings: Settings, product: Product, level: int,
            text: str, when: str, resolved: bool, zone: tzinfo | None) -> EventResult:
    going = next((e for e in business_events.ongoing(conn) if e.product == product.name),
                 None)
    if resolved:
        if going is None:
            raise Refused(f"no outage of {product.name} is going on")
        business_events.resolve(conn, going.id, when)
        return EventResult(going.id, "outage", resolved=True)
    if going is not None:
        raise Refused(f"an outage of {product.name} is already going on since "
                      f"{clock_time(parse_db_time(going.at), zone)} (event {going.id}); "
                      "--resolved ends it")
    event_id = business_events.add(conn, "outage", customer_id=None, product=product.name,
                                      severity=level, text=text, actor=ACTOR, at=when)
    result = EventResult(event_id, "outage")
    at = datetime.fromisoformat(when)
    for case in _mentioning(conn, product):
        _raise(conn, case, level, f"outage of {product.name} (event {event_id})", at, result)
    return result


def _mentioning(conn: sqlite3.Connection, product: Product) -> list[case_store.Row]:
    """Open cases whose customers' messages name the product."""
    words = " OR ".join(fts_phrase(k) for k in product.keywords if k.strip())
    ids = cases_mentioning(conn, words)
    return [c for c in (case_store.get_case(conn, i) for i in ids)
            if c is not None and c["status"] in ACTIVE_STATUSES]


def _raise(conn: sqlite3.Connection, case: case_store.Row, level: int, why: str,
           at: datetime, result: EventResult) -> None:
    if case["severity"] >= level:
        return
    actions.edit(conn, case["id"], {"severity": level}, actor=ACTOR, at=at,
                 action="case.severity", reason=f"severity {case['severity']} -> {level}: "
                                                f"{why}")
    result.raised.append(case["id"])


class OutageWatch:
    """An automation of the intake pipeline: a new case that mentions a product with an
    outage going on gets the outage's severity, audited. The ongoing outages are read once
    per message (a small indexed query)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def patterns(self) -> dict[str, re.Pattern[str]]:
        return {p.name: re.compile(r"(?<!\w)(?:" + "|".join(
            re.escape(k.strip()) for k in p.keywords if k.strip()) + r")(?!\w)", re.I)
            for p in self.settings.products}

    def matching(self, conn: sqlite3.Connection, text: str) -> BusinessEvent | None:
        """The ongoing outage `text` mentions, if any."""
        if not self.patterns:
            return None
        for outage in business_events.ongoing(conn):
            pattern = self.patterns.get(outage.product or "")
            if pattern is not None and pattern.search(text):
                return outage
        return None

    def __call__(self, conn: sqlite3.Connection, event: InboundEvent,
                 result: IngestResult) -> None:
        if not result.new_case or result.case_id is None or event.asks_nothing:
            return
        outage = self.matching(conn, f"{event.subject}\n{event.text}")
        if outage is None or db_time(event.occurred_at) < outage.at:
            return  # an old message (an import) is not about today's outage
        case = case_store.require_case(conn, result.case_id)
        _raise(conn, case, outage.severity, f"outage of {outage.product} (event {outage.id})",
               event.occurred_at, EventResult(outage.id, "outage"))


def from_webhook(conn: sqlite3.Connection, settings: Settings, event: InboundEvent,
                 result: IngestResult) -> list[int]:
    """A generic webhook's `event` for a customer acts as `omnitui event` does (its alert
    joined their timeline already); returns the cases it changed. An outage names a product,
    not a customer: from_product_webhook files it."""
    kind = (event.auto_submitted or "").removeprefix("event: ")
    if (event.channel != Channel.ALERT or kind == event.auto_submitted
            or result.duplicate or result.customer_id is None or not KIND.fullmatch(kind)):
        return []
    try:
        done = record_event(conn, settings, kind, at=event.occurred_at,
                            customer_id=result.customer_id, severity=event.severity,
                            text=event.text)
    except UsageError as refusal:  # "payment_faild", said before any write: filed, no act
        log.warning("a webhook's %s event changed nothing: %s", kind, refusal)
        return []
    return sorted({*done.raised, *done.moved})


def from_product_webhook(conn: sqlite3.Connection, settings: Settings,
                         event: ProductEvent) -> int:
    """A generic webhook's outage (or its end) acts as `omnitui event outage` does; an
    outage already going on (a retry, a second monitor) or none to resolve changes nothing
    and is logged: the delivery stays in the store, raw."""
    try:
        record_event(conn, settings, event.kind, at=event.at, product=event.product,
                     severity=event.severity, text=event.text, resolved=event.resolved)
    except (Refused, UsageError) as refusal:  # both said before any write
        log.warning("a webhook's %s of %s changed nothing: %s", event.kind, event.product,
                    refusal)
        return 0
    return 1


def incident_line(outage: BusinessEvent, zone: str, now: datetime,
                  words: WaitWords = ENGLISH) -> str:
    """What an acknowledgement adds for a case that an ongoing outage touches, in its
    `words`: since when, in the team's zone (`[business_hours] time_zone`, as the
    acknowledgement says its opening hours; UTC without one), with the day when it was not
    today ("since 23:40" of an outage two days old read as one of an hour)."""
    began = parse_db_time(outage.at).astimezone(ZoneInfo(zone) if zone else UTC)
    another_day = began.date() != now.astimezone(began.tzinfo).date()
    since = words.since[another_day].format(time=f"{began:%H:%M}", date=began.day,
                                            month=words.months[began.month - 1])
    return words.outage.format(product=outage.product, since=since,
                               zone=words.zone.format(zone=zone) if zone else " UTC")
