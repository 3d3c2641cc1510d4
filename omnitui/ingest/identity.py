"""The identify stage: which customer sent this event, and what the event teaches us.

Only proof links. A verified identifier (the address or number the channel delivered the
item from, a platform's user id) finds the customer by exact normalized value, and a new
one joins them. A claimed identifier (typed into a web form, the From of mail that failed
DMARC) never finds or joins anyone: it is filed with the message for the agent to see, and
when another customer has it, or stated it too, a merge suggestion is raised. Weak evidence
(the same full name, the same order number) raises suggestions as well. docs/identity.md.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from dataclasses import field

from omnitui.config import IdentitySettings
from omnitui.identifiers import normalize
from omnitui.model import InboundEvent
from omnitui.records import record
from omnitui.store import cases as case_store
from omnitui.store import customers as store

STRONG_LINK_CONFIDENCE = 0.9  # two known identifiers of different customers in one event
CLAIM_CONFIDENCE = 0.7  # a stated identifier that another customer writes from
CLAIM_ECHO_CONFIDENCE = 0.5  # two customers' messages stated it; neither proves it
ORDER_CONFIDENCE = 0.6
NAME_CONFIDENCE = 0.4
COMMON_FACT = 3  # more customers than this share it: no longer evidence

ORDER_NUMBER = re.compile(
    r"\border\s*(?:number|no\.?|num\.?|#|id)?\s*[:#]?\s*([A-Z]{0,4}-?\d{4,}[A-Z0-9-]*)", re.I)


def name_key(name: str) -> str | None:
    """A comparable form of a full name; single words ("Anna", "support") are too weak, and
    an address shown for a name is an identifier's business, not a name's."""
    if "@" in name:
        return None
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    words = re.findall(r"[a-z]+", folded)
    return " ".join(words) if len(words) >= 2 else None


def order_numbers(event: InboundEvent) -> set[str]:
    return {m.upper() for m in ORDER_NUMBER.findall(f"{event.subject}\n{event.text[:4000]}")}


@record(frozen=True)
class Claim:
    """An identifier the event stated without proof; filed with its message."""

    kind: str
    value: str
    display: str
    how: str  # "stated in a web form sent through forms"

    def said(self) -> str:
        return f"{self.kind} {self.value} {self.how}, not verified"


@record
class Identification:
    customer_id: int
    identity_id: int | None
    new_customer: bool
    tier: str = "standard"
    reasons: list[str] = field(default_factory=list)
    # merge this customer (source) into that one (target), confidence, why
    suggestions: list[tuple[int, int, float, str]] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)


def of_bounce(conn: sqlite3.Connection, event: InboundEvent) -> Identification | None:
    """A bounce of our mail is filed under the customer of the case its returned mail is
    on, from no identity of theirs: its MAILER-DAEMON was made a customer ("Mail Delivery
    System", one for every mail server that ever bounced, each suggested as a merge with
    the others). It never stands for the customer's words: replies, forwards and surveys
    pass it by (`messages.last_inbound`). None: not a bounce of mail we have."""
    report = event.delivery_report
    found = case_store.case_by_thread_keys(conn, list(report.about)) if report else None
    if found is None:
        return None
    case_id, message_id, _ = found
    customer_id = case_store.require_case(conn, case_store.live_case_id(conn, case_id)
                                          )["customer_id"]
    return Identification(customer_id, None, new_customer=False,
                          tier=store.name_and_tier(conn, customer_id)[1],
                          reasons=[f"a delivery report on our message #{message_id}: filed "
                                   "under its case's customer, from no address of theirs"])


def identify(conn: sqlite3.Connection, event: InboundEvent, settings: IdentitySettings,
             now: str) -> Identification:
    keys, claims = _sort_identifiers(event, settings.default_phone_region)
    found = store.find_identities(conn, keys)
    customer_ids = list(dict.fromkeys(row.customer_id for row in found))
    if customer_ids:
        name, tier = store.name_and_tier(conn, customer_ids[0])
        result = Identification(customer_ids[0], None, new_customer=False, tier=tier)
        if event.sender_name and (not name or ("@" in name and "@" not in event.sender_name)):
            # a name at last, where an address stood for one
            store.set_customer_name(conn, result.customer_id, event.sender_name)
        first = next(r for r in found if r.customer_id == customer_ids[0])
        result.reasons.append(f"{first.kind} {first.value} is a known identity of customer "
                              f"#{first.customer_id}")
    else:
        result = Identification(
            store.create_customer(conn, store.NewCustomer(name=event.sender_name), now), None,
            new_customer=True)
        result.reasons.append(
            f"new customer: no known identity ({_describe(keys[0])})" if keys else
            f"new customer: nothing verified to find one by ({claims[0].said()})" if claims
            else "new customer: no known identity")
    for other in customer_ids[1:]:
        result.suggestions.append((other, result.customer_id, STRONG_LINK_CONFIDENCE,
                                   f"one {event.channel} message came from identities of both "
                                   f"customers ({', '.join(_describe(k) for k in keys)})"))
    known = {(row.kind, row.value): row.id for row in found}
    for kind, value in keys:
        if (kind, value) in known:
            continue
        anchor = next(iter(known), None)  # an identity of this customer already in hand
        reason = (f"arrived together with {_describe(anchor)} in {event.channel} message "
                  f"{event.external_id}" if anchor else
                  f"{'written to in our' if event.sent_by else 'sender of'} {event.channel} "
                  f"message {event.external_id}")
        known[(kind, value)] = store.add_identity(
            conn, result.customer_id,
            store.NewIdentity(kind, value, _display(event, kind), reason), now)
        result.reasons.append(f"linked {_describe((kind, value))}: {reason}")
        result.suggestions += claimed_earlier(conn, (kind, value), result.customer_id,
                                              f"wrote from it on {event.channel}")
    result.identity_id = known[keys[0]] if keys else None
    for claim in claims:
        _file_claim(conn, claim, result)
    _weak_evidence(conn, event, settings, result)
    return result


def _sort_identifiers(event: InboundEvent,
                     region: str) -> tuple[list[tuple[str, str]], list[Claim]]:
    """The event's usable identifiers: verified keys, and claims of anything else (an
    identifier both delivered from and stated is verified)."""
    keys = list(dict.fromkeys(key for i in event.identifiers
                              if i.verified and (key := normalize(i, region))))
    claims: dict[tuple[str, str], Claim] = {}
    for identifier in event.identifiers:
        key = normalize(identifier, region)
        if not identifier.verified and key and key not in keys:
            claims.setdefault(key, Claim(*key, identifier.value, identifier.how
                                         or f"stated in a {event.channel} message"))
    return keys, list(claims.values())


def _file_claim(conn: sqlite3.Connection, claim: Claim, result: Identification) -> None:
    """Keep a claim for the message and suggest the customers it points at; a claim of the
    customer's own identity says nothing new."""
    owner = next(iter(store.find_identities(conn, [(claim.kind, claim.value)])), None)
    if owner is not None and owner.customer_id == result.customer_id:
        return
    result.claims.append(claim)
    result.reasons.append(f"not linked: {claim.said()}")
    if owner is not None:
        result.suggestions.append((result.customer_id, owner.customer_id, CLAIM_CONFIDENCE,
                                   f"{claim.said()}; customer #{owner.customer_id} has it"))
        return
    for earlier in store.claims_by_others(conn, claim.kind, claim.value, result.customer_id,
                                          limit=COMMON_FACT):
        result.suggestions.append((result.customer_id, earlier.customer_id,
                                   CLAIM_ECHO_CONFIDENCE,
                                   f"{claim.said()}; customer #{earlier.customer_id} stated "
                                   f"it too (message #{earlier.message_id})"))


def claimed_earlier(conn: sqlite3.Connection, key: tuple[str, str], owner: int,
                    proof: str) -> list[tuple[int, int, float, str]]:
    """Suggestions for a newly proven identity that other customers' messages only stated:
    merge them into its owner, who keeps it (an earlier claim never captures the owner)."""
    return [(earlier.customer_id, owner, CLAIM_CONFIDENCE,
             f"{_describe(key)} {earlier.how} (message #{earlier.message_id} of customer "
             f"#{earlier.customer_id}), not verified; customer #{owner} {proof}")
            for earlier in store.claims_by_others(conn, *key, owner, limit=COMMON_FACT)]


def _describe(key: tuple[str, str]) -> str:
    return f"{key[0]} {key[1]}"


def _display(event: InboundEvent, kind: str) -> str:
    return next((i.value for i in event.identifiers
                 if i.verified and i.kind.casefold() == kind), "")


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
            result.suggestions.append((other, result.customer_id, confidence,
                                       f"same {kind}: {value}"))
