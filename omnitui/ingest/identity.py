"""The identify stage: which customer sent this event, and what the event teaches us.

Strong identifiers (email address, phone number, platform handle) link automatically by
exact normalized value. Weak evidence (the same full name, the same order number) never
links: it raises a merge suggestion with a confidence for an agent to accept or dismiss.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import unicodedata
from dataclasses import dataclass, field

import phonenumbers

from omnitui.config import IdentitySettings
from omnitui.model import Identifier, InboundEvent
from omnitui.store import customers as store

STRONG_LINK_CONFIDENCE = 0.9  # two known identifiers of different customers in one event
ORDER_CONFIDENCE = 0.6
NAME_CONFIDENCE = 0.4
COMMON_FACT = 3  # more customers than this share it: no longer evidence

ORDER_NUMBER = re.compile(
    r"\border\s*(?:number|no\.?|num\.?|#|id)?\s*[:#]?\s*([A-Z]{0,4}-?\d{4,}[A-Z0-9-]*)", re.I)


def normalize(identifier: Identifier, default_region: str) -> tuple[str, str] | None:
    """The stored (kind, value) of an identifier, or None when it is unusable.

    email: case-folded address; phone: E.164; anything else is a platform handle stored as
    ("handle", "platform:id").
    """
    kind = identifier.kind.strip().casefold()
    value = identifier.value.strip()
    if not value:
        return None
    if kind == "email":
        address = value.casefold()
        local, _, domain = address.rpartition("@")
        return ("email", address) if local and "." in domain and " " not in address else None
    if kind == "phone":
        e164 = _e164(value, default_region.upper())
        return ("phone", e164) if e164 else None
    return "handle", f"{kind}:{value}"


@functools.lru_cache(maxsize=65536)
def _e164(value: str, region: str) -> str | None:
    """Cached: parsing a number costs ~0.1 ms, and the same customers write again and again."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def name_key(name: str) -> str | None:
    """A comparable form of a full name; single words ("Anna", "support") are too weak."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    words = re.findall(r"[a-z]+", folded)
    return " ".join(words) if len(words) >= 2 else None


def order_numbers(event: InboundEvent) -> set[str]:
    return {m.upper() for m in ORDER_NUMBER.findall(f"{event.subject}\n{event.text[:4000]}")}


@dataclass
class Identification:
    customer_id: int
    identity_id: int | None
    new_customer: bool
    tier: str = "standard"
    reasons: list[str] = field(default_factory=list)
    suggestions: list[tuple[int, float, str]] = field(default_factory=list)  # other, conf, why


def identify(conn: sqlite3.Connection, event: InboundEvent, settings: IdentitySettings,
             now: str) -> Identification:
    keys = list(dict.fromkeys(
        key for key in (normalize(i, settings.default_phone_region) for i in event.identifiers)
        if key))
    found = store.find_identities(conn, keys)
    customer_ids = list(dict.fromkeys(row.customer_id for row in found))
    if customer_ids:
        name, tier = store.name_and_tier(conn, customer_ids[0])
        result = Identification(customer_ids[0], None, new_customer=False, tier=tier)
        if not name and event.sender_name:
            store.set_customer_name(conn, result.customer_id, event.sender_name)
        first = next(r for r in found if r.customer_id == customer_ids[0])
        result.reasons.append(f"{first.kind} {first.value} is a known identity of customer "
                              f"#{first.customer_id}")
    else:
        result = Identification(store.create_customer(conn, event.sender_name, now), None,
                                new_customer=True)
        result.reasons.append("new customer: no known identity" +
                              (f" ({_describe(keys[0])})" if keys else ""))
    for other in customer_ids[1:]:
        result.suggestions.append((other, STRONG_LINK_CONFIDENCE,
                                   f"one {event.channel} message came from identities of both "
                                   f"customers ({', '.join(_describe(k) for k in keys)})"))
    known = {(row.kind, row.value): row.id for row in found}
    for kind, value in keys:
        if (kind, value) in known:
            continue
        anchor = next(iter(known), None)  # an identity of this customer already in hand
        reason = (f"arrived together with {_describe(anchor)} in {event.channel} message "
                  f"{event.external_id}" if anchor else
                  f"sender of {event.channel} message {event.external_id}")
        known[(kind, value)] = store.add_identity(conn, result.customer_id, kind, value,
                                                  _display(event, kind), reason, now)
        result.reasons.append(f"linked {_describe((kind, value))}: {reason}")
    result.identity_id = known[keys[0]] if keys else None
    _weak_evidence(conn, event, settings, result)
    return result


def _describe(key: tuple[str, str]) -> str:
    return f"{key[0]} {key[1]}"


def _display(event: InboundEvent, kind: str) -> str:
    return next((i.value for i in event.identifiers if i.kind.casefold() == kind), "")


def _weak_evidence(conn: sqlite3.Connection, event: InboundEvent, settings: IdentitySettings,
                   result: Identification) -> None:
    facts: list[tuple[str, str, float]] = []
    if settings.suggest_on_same_name and (key := name_key(event.sender_name)):
        facts.append(("name", key, NAME_CONFIDENCE))
    if settings.suggest_on_order_number:
        facts.extend(("order", number, ORDER_CONFIDENCE) for number in order_numbers(event))
    for kind, value, confidence in facts:
        if not store.add_fact(conn, result.customer_id, kind, value):
            continue  # known fact: its suggestions were raised when it was first seen
        others = store.customers_with_fact(conn, kind, value, result.customer_id,
                                           limit=COMMON_FACT + 1)
        if len(others) > COMMON_FACT:
            continue  # a name many customers share says nothing about who this is
        for other in others:
            result.suggestions.append((other, confidence, f"same {kind}: {value}"))
