"""Business events: what other systems tell us about a customer or a product.

Two kinds act, through the action layer as the system's own actor, audited on every case
they touch:
- `outage` of a `[[products]]` entry raises the severity of the open cases that mention it
  (its keywords, by full-text search) and of new ones that match while it lasts; every
  console shows it in a banner, and acknowledgements of matching cases say so; until the
  outage is resolved (`--resolved`).
- `payment_failed` for a customer raises the severity of their open cases and moves them to
  the billing queue (`[events] payment_failed_queue`).
Any other kind (`password_reset`, `plan_changed`) is recorded on the customer's timeline.
They come from `omnitui event` and from the generic webhook's `event` bodies (an outage there
names a product and no customer).
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from omnitui.config import Product, Settings
from omnitui.errors import Refused
from omnitui.model import ACTIVE_STATUSES, Channel, InboundEvent, IngestResult, ProductEvent
from omnitui.services import actions
from omnitui.store import business_events
from omnitui.store import cases as case_store
from omnitui.store.business_events import BusinessEvent
from omnitui.store.customers import require_customer
from omnitui.store.db import db_time
from omnitui.store.queries import cases_mentioning, fts_phrase

ACTOR = "omnitui-events"
log = logging.getLogger("omnitui.events")
ACTING = ("outage", "payment_failed")
KIND = re.compile(r"[a-z][a-z0-9_]{0,63}")


@dataclass
class EventResult:
    """What an event did, for the person or script that reported it."""

    event_id: int
    kind: str
    raised: list[int] = field(default_factory=list)  # cases whose severity went up
    moved: list[int] = field(default_factory=list)  # cases moved to the billing queue
    resolved: bool = False


def record_event(conn: sqlite3.Connection, settings: Settings, kind: str, *, at: datetime,
                 customer_id: int | None = None, product: str | None = None,
                 severity: int | None = None, text: str = "",
                 resolved: bool = False) -> EventResult:
    """Record one event and do what its kind does; Refused says what is missing."""
    if not KIND.fullmatch(kind):
        raise Refused(f"{kind!r} is not an event kind: lower-case letters, digits and _ "
                      "(outage, payment_failed, password_reset)")
    level = settings.events.severity if severity is None else severity
    when = db_time(at)
    if kind == "outage":
        return _outage(conn, settings, _product(settings, product), level, text, when,
                       resolved)
    if resolved:
        raise Refused("--resolved ends an outage; other events have nothing to resolve")
    if customer_id is None:
        raise Refused(f"a {kind} event is about a customer: give --customer, --email or "
                      "--phone")
    require_customer(conn, customer_id)
    event_id = business_events.record(conn, kind, customer_id=customer_id, product=product,
                                      severity=level, text=text, actor=ACTOR, at=when)
    result = EventResult(event_id, kind)
    if kind == "payment_failed":
        queue = settings.events.payment_failed_queue
        for case in case_store.active_cases_of(conn, customer_id):
            _raise(conn, case, level, f"payment failed (event {event_id})", at, result)
            if queue and case["queue"] != queue:
                actions.edit(conn, case["id"], {"queue": queue}, actor=ACTOR, at=at,
                             action="case.queue",
                             reason=f"queue {queue}: payment failed (event {event_id})")
                result.moved.append(case["id"])
    return result


def _product(settings: Settings, name: str | None) -> Product:
    names = ", ".join(p.name for p in settings.products) or "none: add [[products]] entries"
    if name is None:
        raise Refused(f"an outage is of a product: give --product (products: {names})")
    found = next((p for p in settings.products if p.name.casefold() == name.casefold()),
                 None)
    if found is None:
        raise Refused(f"no product {name!r} in the config (products: {names})")
    return found


def _outage(conn: sqlite3.Connection, settings: Settings, product: Product, level: int,
            text: str, when: str, resolved: bool) -> EventResult:
    going = next((e for e in business_events.ongoing(conn) if e.product == product.name),
                 None)
    if resolved:
        if going is None:
            raise Refused(f"no outage of {product.name} is going on")
        business_events.resolve(conn, going.id, when)
        return EventResult(going.id, "outage", resolved=True)
    if going is not None:
        raise Refused(f"an outage of {product.name} is already going on since "
                      f"{going.at[:16]} UTC (event {going.id}); --resolved ends it")
    event_id = business_events.record(conn, "outage", customer_id=None, product=product.name,
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
        if not result.new_case or result.case_id is None or event.auto_submitted:
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
    if (event.channel != Channel.ALERT or kind == event.auto_submitted or kind == "outage"
            or result.duplicate or result.customer_id is None or not KIND.fullmatch(kind)):
        return []
    done = record_event(conn, settings, kind, at=event.occurred_at,
                        customer_id=result.customer_id, severity=event.severity,
                        text=event.text)
    return sorted({*done.raised, *done.moved})


def from_product_webhook(conn: sqlite3.Connection, settings: Settings,
                         event: ProductEvent) -> int:
    """A generic webhook's outage (or its end) acts as `omnitui event outage` does; an
    outage already going on (a retry, a second monitor) or none to resolve changes nothing
    and is logged: the delivery stays in the store, raw."""
    try:
        record_event(conn, settings, event.kind, at=event.at, product=event.product,
                     severity=event.severity, text=event.text, resolved=event.resolved)
    except Refused as refusal:
        log.warning("a webhook's %s of %s changed nothing: %s", event.kind, event.product,
                    refusal)
        return 0
    return 1


def incident_line(outage: BusinessEvent) -> str:
    """What an acknowledgement adds for a case that an ongoing outage touches."""
    return (f"We know about a problem with {outage.product} since {outage.at[11:16]} UTC "
            "and are working on it.")
