"""Merging and splitting customers and cases, and moving a message between cases.

Each works inside the caller's write transaction (services/desk.py opens it) and is recorded
as one audit event holding every row it touched, so an undo restores the exact before
state (a merge of customers adds the tier change of each open case it moves to a higher
tier, in the same transaction: one undo takes them all back).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping

from omnitui.errors import Refused
from omnitui.identifiers import identity_key
from omnitui.ingest.persist import written_to
from omnitui.model import Status
from omnitui.services.actions import follow_tier
from omnitui.store import cases as case_store
from omnitui.store import customers as customer_store
from omnitui.store import messages as message_store
from omnitui.store import outbox
from omnitui.store.audit import ChangeSet, delete_row, event_rows, record_audit, update_row
from omnitui.store.db import StoreError, db_time, utc_now
from omnitui.triage.language import UNDETERMINED
from omnitui.vocabulary import CUSTOMER_ANSWERED, NOT_WAITING, status_reason
from omnitui.wording import plural


def merge_customers(conn: sqlite3.Connection, source_id: int, target_id: int,
                    actor: str, tier_weights: Mapping[str, float]) -> int:
    """Fold customer `source_id` into `target_id`: identities, cases, messages, facts.
    The merged customer is in the higher tier of the two (by `tier_weights`, the target's
    on a tie: a VIP merged into the record a new address made stays a VIP), and so are all
    their open cases (`actions.follow_tier`, audited as the merge's own)."""
    if source_id == target_id:
        raise StoreError("a customer cannot be merged into itself")
    customer_store.require_customer(conn, source_id)
    customer_store.require_customer(conn, target_id)
    tiers = [customer_store.name_and_tier(conn, customer)[1] for customer in (target_id,
                                                                                 source_id)]
    tier = max(tiers, key=lambda named: tier_weights.get(named, 0.0))
    changes = ChangeSet()
    for identity in customer_store.identities_of(conn, source_id):
        update_row(conn, "identities", identity.id, {"customer_id": target_id}, changes)
    for case_id in customer_store.ids_of_customer_rows(conn, "cases", source_id):
        case_store.update_case(conn, case_id, {"customer_id": target_id}, changes)
    for message_id in customer_store.ids_of_customer_rows(conn, "messages", source_id):
        update_row(conn, "messages", message_id, {"customer_id": target_id}, changes)
    _move_facts(conn, source_id, target_id, changes)
    for suggestion in customer_store.open_merge_suggestions_between(conn, source_id,
                                                                    target_id):
        update_row(conn, "suggestions", suggestion, {"status": "accepted"}, changes)
    _repoint_suggestions(conn, source_id, target_id, changes)
    update_row(conn, "customers", source_id,
               {"merged_into": target_id, "updated_at": db_time(utc_now())}, changes)
    if tier != tiers[0]:
        update_row(conn, "customers", target_id, {"tier": tier}, changes)
    why = f"customer #{source_id} merged into #{target_id}"
    audit_id = record_audit(conn, actor=actor, action="customers.merged",
                            customer_id=target_id, reason=why, changes=changes)
    follow_tier(conn, target_id, tier, actor=actor, at=utc_now(), why=why)
    return audit_id


def undoable_merge(conn: sqlite3.Connection, audit_id: int) -> None:
    """Refuse to undo a merge of customers once a message came from one of the merged
    customer's identities since: the undo gave the identity back and left the message the
    other customer's, on their timeline. A split moves the identity with its messages."""
    after = event_rows(conn, audit_id)[1]
    for key, row in after.items():
        if not key.startswith("identities:") or not row or "customer_id" not in row:
            continue
        identity_id, merged_into = int(key.partition(":")[2]), row["customer_id"]
        came = [message_id for message_id in customer_store.ids_of_customer_rows(
                    conn, "messages", merged_into, identity_id)
                if f"messages:{message_id}" not in after]
        if came:
            value = customer_store.identity_value(conn, identity_id)
            raise StoreError(f"cannot undo: message #{came[0]} came from {value} since the "
                             "merge; split it off with its messages instead: omnitui "
                             f"split-customer {merged_into} --identity {value}")


def _repoint_suggestions(conn: sqlite3.Connection, source_id: int, target_id: int,
                         changes: ChangeSet) -> None:
    """The open suggestions naming the merged customer name the one they became, so
    accepting one works; one the target already has on the same evidence goes."""
    for suggestion, named_source, named_target, evidence in (
            customer_store.open_merge_suggestions_naming(conn, source_id)):
        pair = [target_id if named == source_id else named
                for named in (named_source, named_target)]
        if customer_store.has_merge_suggestion(conn, *pair, evidence):
            delete_row(conn, "suggestions", suggestion, changes)
        else:
            update_row(conn, "suggestions", suggestion,
                       {"source_id": pair[0], "target_id": pair[1]}, changes)


def resolve_link(conn: sqlite3.Connection, customer_id: int, text: str,
                 region: str) -> tuple[str, int | tuple[str, str]]:
    """What an agent's "link this to the customer" means.

    "#12": merge customer 12 into this one (a bare number is a phone number). An address,
    a phone number or a `platform:id` handle: ("merge", owner) when another customer already
    has it, else ("link", (kind, value)) to add it to this customer.
    """
    text = text.strip()
    number = re.fullmatch(r"#(\d{1,18})", text)
    if number:
        other = int(number[1])
        customer_store.require_customer(conn, other)
        if other == customer_id:  # asked "merge #4 into #4?" first, and refused after
            raise StoreError(f"#{other} is this customer")
        return "merge", other
    key = identity_key(text, region)
    if key is None:
        raise StoreError(f"{text!r} is not an email address, a phone number, a platform:id "
                         "handle or a customer number")
    owner = _other_owner(conn, key, customer_id, f"{text} is already this customer's")
    return ("link", key) if owner is None else ("merge", owner)


def _other_owner(conn: sqlite3.Connection, key: tuple[str, str], customer_id: int,
                 already: str) -> int | None:
    """The other customer `key` is an identity of (None: nobody's); `already` is said when
    it is this customer's."""
    found = customer_store.find_identities(conn, [key])
    if not found:
        return None
    if found[0].customer_id == customer_id:
        raise StoreError(already)
    return found[0].customer_id


def link_identity(conn: sqlite3.Connection, customer_id: int, key: tuple[str, str],
                  actor: str) -> int:
    """Add an identity an agent knows belongs to this customer (undoable). One that is
    already someone's is refused, saying whose (linking it again printed a traceback)."""
    customer_store.require_customer(conn, customer_id)
    said = f"{key[0]} {key[1]}"
    if (owner := _other_owner(conn, key, customer_id,
                              f"{said} is already customer #{customer_id}'s")) is not None:
        raise StoreError(f"{said} is customer #{owner}'s; if they are one person: omnitui "
                         f"merge-customers {owner} {customer_id}")
    changes = ChangeSet()
    now = db_time(utc_now())
    identity = customer_store.NewIdentity(*key, key[1], f"linked by {actor}")
    customer_store.add_identity(conn, customer_id, identity, now, changes)
    return record_audit(conn, actor=actor, action="identity.linked",
                        customer_id=customer_id, changes=changes,
                        reason=f"{key[0]} {key[1]} linked to customer #{customer_id}")


def _move_facts(conn: sqlite3.Connection, source_id: int, target_id: int,
                changes: ChangeSet) -> None:
    target_facts = {(kind, value) for _, kind, value in customer_store.fact_rows(conn, target_id)}
    for fact_id, kind, value in customer_store.fact_rows(conn, source_id):
        if (kind, value) in target_facts:
            delete_row(conn, "customer_facts", fact_id, changes)
        else:
            update_row(conn, "customer_facts", fact_id, {"customer_id": target_id}, changes)


def split_customer(conn: sqlite3.Connection, customer_id: int, identity_ids: list[int],
                   actor: str) -> tuple[int, int]:
    """Give some identities (and what was sent from them) a customer of their own.

    Messages sent from the moved identities follow them; a case follows when every customer
    message in it came from them. Returns (new customer id, audit event id).
    """
    customer_store.require_customer(conn, customer_id)
    own = {i.id: i for i in customer_store.identities_of(conn, customer_id)}
    strangers = [i for i in identity_ids if i not in own]
    if strangers or not identity_ids:
        raise StoreError(f"identities {strangers or identity_ids} do not belong to "
                         f"customer #{customer_id}")
    if len(identity_ids) == len(own):
        raise StoreError("a split must leave the customer at least one identity")
    changes = ChangeSet()
    first = own[identity_ids[0]]
    new_id, moved = customer_store.split_off(conn, customer_id, identity_ids, changes,
                                             db_time(utc_now()))
    audit_id = record_audit(conn, actor=actor, action="customer.split",
                            customer_id=customer_id,
                            reason=f"{first.kind} {first.value} and "
                                   f"{plural(moved, 'message')} split off into "
                                   f"customer #{new_id}", changes=changes)
    return new_id, audit_id


def merge_cases(conn: sqlite3.Connection, source_ids: list[int], target_id: int,
                actor: str, *, other_customers: bool = False) -> list[int]:
    """Merge cases into one, all of them or none (one undo takes the whole merge back).
    Returns the audit event of each. Cases of another customer than the target's are
    refused unless `other_customers` (the person asked knows whose they are)."""
    return [_merge_case(conn, source_id, target_id, actor, other_customers)
            for source_id in source_ids]


def _merge_case(conn: sqlite3.Connection, source_id: int, target_id: int, actor: str,
                other_customers: bool) -> int:
    if source_id == target_id:
        raise StoreError("a case cannot be merged into itself")
    source = case_store.require_case(conn, source_id)
    target = case_store.require_case(conn, target_id)
    if source["customer_id"] != target["customer_id"] and not other_customers:
        theirs, ours = _names(conn, source["customer_id"], target["customer_id"])
        raise Refused(f"case #{source_id} is {theirs}'s and #{target_id} {ours}'s: "
                      f"merged, {theirs}'s conversation becomes {ours}'s case; "
                      "nothing was merged (say so to merge them: merge-cases "
                      "--other-customer)")
    if source["merged_into"] is not None:
        raise StoreError(f"case #{source_id} was already merged into "
                         f"#{source['merged_into']}")
    if target["merged_into"] is not None:
        raise StoreError(f"case #{target_id} was merged into #{target['merged_into']}; "
                         "merge into that one")
    changes = ChangeSet()
    merged = f"case #{source_id} merged into #{target_id} by {actor}"
    message_ids = case_store.message_ids_of_case(conn, source_id)
    for message_id in message_ids:
        joined = message_store.message_by_id(conn, message_id)["thread_reason"]
        _move_message_row(conn, message_id, {  # why it is here, after why it joined #source
            "case_id": target_id,
            "thread_reason": f"{joined}; {merged}" if joined else merged}, changes)
    now = db_time(utc_now())
    _close_into(conn, source_id, target_id, now, changes)
    answered = max(filter(None, [source["last_answered_at"], target["last_answered_at"]]),
                   default=None)
    case_store.update_case(conn, target_id, {"last_answered_at": answered, "updated_at": now},
                           changes)
    opened = _brought(conn, target_id, message_ids, changes)
    return record_audit(conn, actor=actor, action="cases.merged", case_id=target_id,
                        reason=f"case #{source_id} merged into #{target_id}{opened}",
                        changes=changes)


def _names(conn: sqlite3.Connection, *customer_ids: int) -> list[str]:
    return [customer_store.customer_name(conn, c) or f"customer #{c}" for c in customer_ids]


def _close_into(conn: sqlite3.Connection, source_id: int, target_id: int, now: str,
                changes: ChangeSet) -> None:
    """Close a case as merged into another: it leaves the queue, and its number leads
    there."""
    case_store.update_case(conn, source_id, {"status": Status.CLOSED,
                                             "merged_into": target_id, "sla_due": None,
                                             "updated_at": now}, changes)


def _move_message_row(conn: sqlite3.Connection, message_id: int, values: dict[str, object],
                      changes: ChangeSet) -> None:
    """Move a message to another case, its outbox row with it (so the sender's report of
    a queued reply names the case the agents now look at)."""
    update_row(conn, "messages", message_id, values, changes)
    queued = outbox.row_of_message(conn, message_id)
    if queued is not None:
        update_row(conn, "outbox", queued["id"], {"case_id": values["case_id"]}, changes)


def move_messages(conn: sqlite3.Connection, message_ids: list[int], target_case_id: int | None,
                  actor: str, *, other_customers: bool = False) -> tuple[int, int]:
    """Split messages off into one new case (target None) or re-attach them to a case.

    Each message's recorded threading reason is replaced by who moved it from where, so the
    timeline keeps telling the truth. A split-off case's clocks run from its first message:
    the customer has been waiting since they wrote. A question moved to a case pending on
    the customer resumes it (`_brought`). A customer's message joins
    another customer's case only if `other_customers` (the person asked knows: a case
    number mistyped by a digit put one customer's words where replies go to a stranger).
    Returns (case id, audit id).
    """
    if not message_ids:
        raise StoreError("name at least one message to move")
    moving = []
    for message_id in dict.fromkeys(message_ids):
        message = message_store.message_by_id(conn, message_id)
        if message is None:
            raise StoreError(f"there is no message #{message_id}")
        if message["case_id"] == target_case_id:
            raise StoreError(f"message #{message_id} is already in case #{target_case_id}")
        moving.append(message)
    emptied = _emptied(conn, moving)
    changes = ChangeSet()
    if target_case_id is None:
        if emptied:
            raise StoreError(f"that is every message of case #{emptied[0]}: there is "
                             "nothing to split it from")
        target_case_id = _split_off_case(conn, moving, actor, changes)
        rule, verb = "split-off", "split off"
    else:
        target = case_store.require_case(conn, target_case_id)
        if target["merged_into"] is not None:
            raise StoreError(f"case #{target_case_id} was merged into "
                             f"#{target['merged_into']}")
        if not other_customers and (found := _stranger(conn, moving, target)) is not None:
            message_id, theirs, ours = found
            raise Refused(f"message #{message_id} is {theirs}'s and case #{target_case_id} "
                          f"{ours}'s: replies there go to {ours}; nothing was moved (say so "
                          "to move it: move-message --other-customer)")
        rule, verb = "re-attached", "re-attached"
    for message in moving:
        reason = f"{verb} by {actor} from case #{message['case_id']}"
        kept = message["thread_rule"] in NOT_WAITING  # a thank-you, a survey's answer
        # stays one: moved, it asked for an answer again and started a response clock
        _move_message_row(conn, message["id"], {
            "case_id": target_case_id, "thread_rule": message["thread_rule"] if kept
            else rule, "thread_reason": reason}, changes)
        for suggestion in customer_store.open_attach_suggestions(conn, message["id"],
                                                                 target_case_id):
            update_row(conn, "suggestions", suggestion, {"status": "accepted"}, changes)
    opened = _brought(conn, target_case_id, [message["id"] for message in moving], changes)
    now = db_time(utc_now())
    for case_id in emptied:  # what is left of it is where its messages went
        _close_into(conn, case_id, target_case_id, now, changes)
    sources = ", ".join(sorted({f"#{m['case_id']}" for m in moving}))
    closed = "".join(f"; #{case_id}, left empty, closed as merged into #{target_case_id}"
                     for case_id in emptied)
    audit_id = record_audit(
        conn, actor=actor, action=f"message.{rule}", case_id=target_case_id,
        message_id=moving[0]["id"], changes=changes,
        reason=f"{plural(len(moving), 'message')} {verb} by {actor} from case {sources}"
               f"{closed}{opened}")
    return target_case_id, audit_id


def _brought(conn: sqlite3.Connection, case_id: int, message_ids: list[int],
             changes: ChangeSet) -> str:
    """The case's latest message and latest question, as filing the moved or merged
    messages there would have set them: a question moved to an answered case waits for an
    answer (the queue read it answered); a thank-you does not. A question no answer in the
    case came after does to the case what the customer's new message does
    (ingest/persist.written_to): one pending on them opens, its clocks running again from
    the move (the replay reads the action's status, store/cases.clock_facts), and a snoozed
    one is back in the queue; the action's undo puts both back. What the action's audit row
    says of it ("" when it opened nothing)."""
    case = case_store.require_case(conn, case_id)
    latest, asked = case_store.latest_of(conn, message_ids)
    # no answer since, as the queue reads "waiting for an answer" (store/queries)
    waits = asked is not None and asked >= (case["last_answered_at"] or "")
    written = written_to(case) if waits else {}
    case_store.update_case(conn, case_id, {
        "last_message_at": max(filter(None, [case["last_message_at"], latest]), default=None),
        "last_inbound_at": max(filter(None, [case["last_inbound_at"], asked]), default=None),
        **written}, changes, current=case)
    if written.get("status") != Status.OPEN:
        return ""
    return f"; #{case_id} " + status_reason(Status.PENDING, Status.OPEN, why=CUSTOMER_ANSWERED)


def stranger(conn: sqlite3.Connection, message_ids: Iterable[int], case_id: int
             ) -> tuple[int, str, str] | None:
    """(message, whose it is, whose the case is) when one of these messages is another
    customer's than case `case_id`'s, which a move must not do unasked (a case number
    mistyped by a digit put one customer's words where replies go to a stranger); None
    when none is, or there is no such live case (the move says why)."""
    target = case_store.get_case(conn, case_id)
    if target is None or target["merged_into"] is not None:
        return None
    moving = [m for i in message_ids if (m := message_store.message_by_id(conn, i))]
    return _stranger(conn, moving, target)


def _stranger(conn: sqlite3.Connection, moving: list, target: case_store.Row
              ) -> tuple[int, str, str] | None:
    other = next((m for m in moving if m["customer_id"] not in (None, target["customer_id"])),
                 None)
    if other is None:
        return None
    theirs, ours = _names(conn, other["customer_id"], target["customer_id"])
    return other["id"], theirs, ours


def after_move(conn: sqlite3.Connection, case_ids: Iterable[int], target: int, audit_id: int
               ) -> tuple[list[int], str, bool]:
    """Which of `case_ids` the move or merge (audit event `audit_id`) closed as merged into
    `target` (emptied), the status `target` is in, and whether it resumed `target` (it was
    pending on the customer), for the action's message: the console's and the CLI's."""
    emptied = sorted(case_id for case_id in set(case_ids)
                     if (case := case_store.get_case(conn, case_id))
                     and case["merged_into"] == target)
    was = event_rows(conn, audit_id)[0].get(f"cases:{target}") or {}
    status = case_store.require_case(conn, target)["status"]
    return emptied, status, was.get("status") == Status.PENDING and status == Status.OPEN


def _emptied(conn: sqlite3.Connection, moving: list[dict[str, object]]) -> list[int]:
    """The cases the move leaves without a message (they stayed open, empty, in the
    queue)."""
    sources = dict.fromkeys(int(message["case_id"]) for message in moving)  # type: ignore[call-overload]
    return [case_id for case_id in sources
            if len(case_store.message_ids_of_case(conn, case_id))
            == sum(message["case_id"] == case_id for message in moving)]


def _split_off_case(conn: sqlite3.Connection, moving: list[dict[str, object]], actor: str,
                    changes: ChangeSet) -> int:
    """A new case for the messages split off, created as the first of them was written (as
    the intake creates a case): its clocks run from when the customer wrote, not from the
    split. Its creation is audited as every case's is: `sla recompute` replays it (its audit
    row holds no rows: the split's own event takes it back)."""
    message = moving[0]
    source = case_store.require_case(conn, int(message["case_id"]))  # type: ignore[arg-type]
    inherited = {k: source[k] for k in ("queue", "priority", "tier", "severity",
                                        "first_response_at", "first_replier")}
    language = message["language"] if message["language"] != UNDETERMINED else None
    customer_id = message["customer_id"] or source["customer_id"]
    case_id = case_store.create_case(conn, case_store.NewCase(
        **inherited, customer_id=customer_id,
        subject=message["subject"] or source["subject"], channel=message["channel"],
        status=Status.OPEN, previous_case_id=source["id"],
        last_message_at=message["created_at"],  # and a question's time: _brought
        created_at=min(str(m["created_at"]) for m in moving),
        # what the message read as, which the queue shows and filters on
        intent=message["intent"], language=language, irritation=message["irritation"]),
        changes)
    record_audit(conn, actor=actor, action="case.created", case_id=case_id,
                 customer_id=customer_id,  # type: ignore[arg-type]
                 reason=f"split off from case #{source['id']} by {actor}")
    return case_id
