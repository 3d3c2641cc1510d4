"""Agent actions on a case, each audited: reply or note, status, assignment.

They take an open write connection, so a caller can group several (the demo builder does)
or wrap one in `Store.write()`. `at` is the moment of the action (now, for a live agent).
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import unicodedata
from datetime import datetime
from typing import Any

from omnitui.model import FINISHED_STATUSES, Direction, Status
from omnitui.snooze import until_words
from omnitui.store import cases as case_store
from omnitui.store import messages as message_store
from omnitui.store import outbox
from omnitui.store.audit import ChangeSet, record_audit
from omnitui.store.db import StoreError, db_time, folded
from omnitui.vocabulary import status_reason

PAUSED = (Status.PENDING, Status.ON_HOLD)
MAX_PRIORITY = 1_000_000


def parse_priority(text: str) -> float:
    """A priority as typed; ValueError says what a priority may be."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > MAX_PRIORITY:
        raise ValueError(f"priority must be a number from -{MAX_PRIORITY:,} to "
                         f"{MAX_PRIORITY:,}, not {text!r}")
    return value


def reply(conn: sqlite3.Connection, case_id: int, *, author: str, text: str, at: datetime,
          internal: bool = False, channel: str | None = None,
          delivery: dict[str, Any] | None = None,
          reply_route: dict[str, Any] | None = None, response: str | None = None,
          automatic: str | None = None, reason: str = "") -> int:
    """Add an agent's reply (or internal note) to the timeline; a reply starts the clock on
    the resolution target and counts as the first response.

    With `delivery` (recipients, subject, attachment ids, and for email the Message-ID and
    references) the reply also goes into the outbox for the daemon to send; without it, it
    is history that was sent elsewhere (the demo). Undo removes the message and its outbox
    row while the reply is still queued. `reply_route` on the message steers the later
    replies on its channel (a conversation moved to private stays private). `response`:
    what it answers for the SLA (None: a real answer; "first": only a first response, as
    from a macro marked meaningful = false; "none": answers nothing). `automatic`: what
    automatic message this is ("acknowledgement"): it answers nothing, leaves a new case
    new, and is sent marked Auto-Submitted; `reason`: why, for the audit row (the rule).
    """
    if automatic:
        response = "none"
    case = case_store.require_case(conn, case_id)
    when = db_time(at)
    changes = ChangeSet()
    delivery = delivery or {}
    external_id = delivery.get("external_id")
    message_id = message_store.create_message(conn, message_store.NewMessage(
        case_id=case_id, customer_id=case["customer_id"], channel=channel or case["channel"],
        direction=Direction.NOTE if internal else Direction.OUT,
        subject=delivery.get("subject") or (f"Re: {case['subject']}" if case["subject"]
                                            else ""),
        text=text, author=author, created_at=when, external_id=external_id,
        thread_key=external_id, parent_keys=tuple(delivery.get("references") or ()),
        reply_route=reply_route, response=None if internal else response,
        auto_submitted=automatic), changes)
    if delivery and not internal:
        outbox.queue(conn, {
            "message_id": message_id, "case_id": case_id, "channel": channel or case["channel"],
            "recipients": json.dumps(delivery["recipients"]), "subject": delivery["subject"],
            "attachment_ids": json.dumps(delivery.get("attachment_ids") or []),
            "next_attempt_at": when, "created_at": when}, changes)
    if not internal:
        values: dict[str, object] = {"last_message_at": when, "updated_at": when}
        if response != "none":  # an acknowledgement answers nothing: still waiting
            values["last_answered_at"] = max(case["last_answered_at"] or "", when)
        first = case["first_response_at"] is None and response != "none"
        meaningful = case["meaningful_response_at"] is None and response is None
        if (first or meaningful) and not case_store.awaits_customer(conn, case_id):
            if first:
                values.update(first_response_at=when, first_replier=author)
            if meaningful:
                values["meaningful_response_at"] = when
        if case["status"] == Status.NEW and not automatic:
            values["status"] = Status.OPEN
        case_store.update_case(conn, case_id, values, changes)
    record_audit(conn, actor=author, action="note.added" if internal else "reply.queued",
                 case_id=case_id, message_id=message_id, changes=changes, at=when,
                 reason=reason)
    return message_id


def set_status(conn: sqlite3.Connection, case_id: int, status: Status, *, actor: str,
               at: datetime, pause_reason: str | None = None,
               expected_version: int | None = None, why: str | None = None,
               ended: datetime | None = None, history_before: datetime | None = None,
               taker: str | None = None) -> int:
    """Move a case to `status` (pausing stops its SLA clocks: services/sla.py replays them
    from this audit row; reopening a finished case counts in `reopens`); solving records
    when: `at`, or `ended` if given (the time an imported conversation ended, for the
    reports of its days). `history_before`: the solve files an old conversation as history,
    quiet since then (services/archive.py): no clock ran on it. `why`: said after the
    change, in the audit row (a move no person asked for says its cause). `taker`: the
    agent who solves it takes it if nobody had it (the report counted the solve under
    "(none)"), in the same change (one undo, one redo); its assignment time stays unset."""
    case = case_store.require_case(conn, case_id)
    if status in PAUSED and not pause_reason:
        raise StoreError(f"{status} needs a pause reason (what the case is waiting on)")
    when = db_time(at)
    values: dict[str, object] = {"status": status, "updated_at": when,
                                 "pause_reason": pause_reason if status in PAUSED else None,
                                 "paused_at": _paused_at(case, status, pause_reason, when)}
    if status in FINISHED_STATUSES:
        values["solved_at"] = case["solved_at"] or (db_time(ended) if ended else when)
        values["solved_by"] = case["solved_by"] if case["solved_at"] else actor  # the
        # board's "solved" of each agent: who did it, not who owns it
        if history_before is not None:
            values["history_before"] = db_time(history_before)
        if taker and case["owner"] is None and case["status"] not in FINISHED_STATUSES:
            values.update(owner=taker, assigned_at=when)
    else:
        values["solved_at"] = values["solved_by"] = None
        if case["status"] in FINISHED_STATUSES:  # an agent reopens it: a reopen as the
            values["reopens"] = case["reopens"] + 1  # customer's message makes one
    changes = ChangeSet()
    case_store.update_case(conn, case_id, values, changes, expected_version=expected_version,
                           current=case)
    return record_audit(conn, actor=actor, action="case.status", case_id=case_id,
                        reason=status_reason(case["status"], status, pause_reason=pause_reason,
                                             why=why), changes=changes, at=when)


def _paused_at(case: case_store.Row, status: Status, reason: str | None,
               when: str) -> str | None:
    """Since when the case waits on what it waits on: a case still waiting on the same
    thing (pending to on hold, say) has waited since it began to."""
    if status not in PAUSED:
        return None
    same = case["status"] in PAUSED and case["pause_reason"] == reason
    return (case["paused_at"] or when) if same else when


def assign(conn: sqlite3.Connection, case_id: int, owner: str | None, *, actor: str,
           at: datetime, expected_version: int | None = None, reason: str = "") -> int:
    """Give a case to `owner` (None: unassign); handing it from one owner to another counts
    as a reassignment, the bounce measure, also when it went back to the queue between
    them. `reason`: why (routing says), else who to whom."""
    case = case_store.require_case(conn, case_id)
    values: dict[str, object] = {"owner": owner, "updated_at": db_time(at)}
    if owner != case["owner"]:
        values["assigned_at"] = db_time(at) if owner else None
    if owner and case["first_assigned_at"] is None:
        values["first_assigned_at"] = db_time(at)  # the assignment time ends here
    if owner and owner != case["owner"]:
        previous = case["owner"] or case_store.last_owner(conn, case_id)
        if previous and previous != owner:
            values["reassignments"] = case["reassignments"] + 1
    changes = ChangeSet()
    case_store.update_case(conn, case_id, values, changes, expected_version=expected_version,
                           current=case)
    return record_audit(conn, actor=actor, action="case.assigned", case_id=case_id,
                        reason=reason or f"{case['owner'] or 'nobody'} -> {owner or 'nobody'}",
                        changes=changes, at=db_time(at))


def claim(conn: sqlite3.Connection, case_id: int, agent: str, *, at: datetime) -> bool:
    """Take an unowned case. Inside the caller's BEGIN IMMEDIATE transaction the check and
    the write cannot interleave with another claim, so of two agents claiming at once
    exactly one gets True; the other learns who has it from the case."""
    case = case_store.require_case(conn, case_id)
    if case["owner"] is not None:
        return case["owner"] == agent
    assign(conn, case_id, agent, actor=agent, at=at)
    return True


def edit(conn: sqlite3.Connection, case_id: int, values: dict[str, object], *, actor: str,
         at: datetime, action: str, reason: str) -> int:
    """Set plain case fields (priority, queue, severity...), audited and undoable. A case
    moved to a queue takes that queue's SLA policy: the `sla_policy` its caller gives with
    the queue (`SlaKeeper.queue_policy`; the move's history reads "sla_policy surge →
    standard", where "surge → -" read as the policy lost), else at its clocks' next replay
    (it kept its old one, and a recompute changed its due times long after)."""
    changes = ChangeSet()
    if "queue" in values:
        values = {"sla_policy": None, **values}
    case_store.update_case(conn, case_id, {**values, "updated_at": db_time(at)}, changes)
    return record_audit(conn, actor=actor, action=action, case_id=case_id, reason=reason,
                        changes=changes, at=db_time(at))


def requeue(conn: sqlite3.Connection, case_id: int, queue: str, *, actor: str,
            at: datetime, policy: str) -> int:
    """Move a case to `queue` by an agent's choice (Q, a macro), with that queue's SLA
    `policy` (`SlaKeeper.queue_policy`): routing never moves it on from there.
    To the queue it is in, it is kept there (a saturated queue's fallback leaves it), its
    policy untouched (the audit said "sla_policy default -> -" of a case that moved
    nowhere); kept there already, nothing is done (0)."""
    case = case_store.require_case(conn, case_id)
    if case["queue"] != queue:
        return edit(conn, case_id, {"queue": queue, "queue_by_hand": 1, "sla_policy": policy},
                    actor=actor, at=at, action="case.queue", reason=f"queue {queue}")
    if case["queue_by_hand"]:
        return 0
    return edit(conn, case_id, {"queue_by_hand": 1}, actor=actor, at=at, action="case.queue",
                reason=f"kept in {queue} by hand: routing moves it nowhere else")


def follow_tier(conn: sqlite3.Connection, customer_id: int, tier: str, *, actor: str,
                at: datetime, why: str) -> list[int]:
    """The customer's unsolved cases take their tier `tier` (a VIP made so mid-conversation
    is one on their open cases at once), each audited "tier standard → vip: `why`"; the
    caller's upkeep then re-scores them and replays their clocks under the new tier's
    targets (a breach under the old one stays on record: services/sla.py). A solved or
    closed case keeps the tier it was worked under. Returns the cases changed."""
    changed = []
    for case in case_store.active_cases_of(conn, customer_id):
        if case["tier"] != tier:
            edit(conn, case["id"], {"tier": tier}, actor=actor, at=at, action="case.tier",
                 reason=f"tier {case['tier']} → {tier}: {why}")
            changed.append(case["id"])
    return changed


TAG_SEPARATORS = re.compile(r"[\s,;]+")
TAG = re.compile(r"[^\W_][\w.+-]*")  # a word: "refund", "v2.1", "needs-info", "über"


def tag_problem(words: str) -> str | None:
    """What is wrong with tags an agent typed ("-word" removes), or None: a tag is a word
    ("###" and "9:00" were tags no filter could name: `tag:9:00`)."""
    for word in TAG_SEPARATORS.split(words):
        tag = unicodedata.normalize("NFC", word.removeprefix("-").strip("\"'"))  # one way
        # to write each accent
        if tag and not TAG.fullmatch(tag):
            return (f"{tag!r} cannot be a tag: a word of letters and digits, with '.', "
                    "'+', '-' or '_' inside")
    return None


def retag(conn: sqlite3.Connection, case_id: int, words: str, *, actor: str,
          at: datetime) -> int | None:
    """Apply "billing -spam vip": plain words add tags, words with a leading - remove them
    (commas part them too, and quotes around one are not its: "refund,urgent" made one tag
    of both, '"vip"' a tag with quotes). Nothing to change writes nothing (None), so the
    audit log shows only real changes."""
    before = list(json.loads(case_store.require_case(conn, case_id)["tags"]))
    tags = list(before)
    for word in TAG_SEPARATORS.split(words):
        removed = word.startswith("-")
        tag = unicodedata.normalize("NFC", word.removeprefix("-").strip("\"'"))  # one way
        # to write each accent
        if not tag:
            continue
        if removed:  # whatever its case: "-café" took no "CAFÉ" off, and "vip" beside
            tags = [t for t in tags if folded(t) != folded(tag)]  # "VIP" made two
        elif not _has_tag(tags, tag):
            tags.append(tag)
    if tags == before:
        return None
    return edit(conn, case_id, {"tags": case_store.tags_text(tags)}, actor=actor, at=at,
                action="case.tags", reason=f"tags: {' '.join(tags) or '(none)'}")


ESCALATED = "escalated"  # the breakdown's part for raises, on a computed or a held score;
# the tag an escalation gives


def _has_tag(tags: list[str], tag: str) -> bool:
    """Whether `tags` hold `tag` in any case (store.db.folded)."""
    return any(folded(t) == folded(tag) for t in tags)


def raised(case: case_store.Row, by: float, *, rescored: bool = False) -> dict[str, object]:
    """A case's priority raised by `by` points: a score set by hand goes up and holds; a
    computed one keeps the raise as its "escalated" part, re-scored with the rest (and so
    does a held one, once an agent clears it). The breakdown adds up at once (it read "90 =
    premium 10 + severity 30 + live channel 10 + irritated 10" until the next re-score).
    `rescored`: the caller's transaction re-scores the case right after (an agent's
    command), so a computed score is left to it: written here, the audit row said
    "priority 71 -> 91" of a case that showed 101 (the same command raised severity)."""
    held = case["priority_by"]
    values: dict[str, object] = {"priority_boost": case["priority_boost"] + by}
    if rescored and not held:
        return values
    values["priority"] = case["priority"] + by
    parts = [list(part) for part in json.loads(case["priority_parts"] or "[]")]
    bumped = next((part for part in parts if part[0] == ESCALATED), None)
    if bumped is None:  # on a held score too: "set by alice 130" read as alice's 130
        parts.append([ESCALATED, by])
    else:
        bumped[1] += by
    if case["priority_parts"] is not None:
        values["priority_parts"] = json.dumps(parts)
    return values


def set_priority(conn: sqlite3.Connection, case_id: int, value: float | None, *, actor: str,
                 at: datetime) -> int:
    """A priority set by hand: it holds, whatever the score says, until cleared (None), and
    the breakdown says who set it."""
    if value is None:
        return edit(conn, case_id, {"priority_by": None}, actor=actor, at=at,
                    action="case.priority", reason="priority back to the computed score")
    return edit(conn, case_id, {"priority": value, "priority_by": actor,
                                "priority_parts": json.dumps([[f"set by {actor}", value]])},
                actor=actor, at=at, action="case.priority", reason=f"priority set to {value:g}")


def escalate(conn: sqlite3.Connection, case_id: int, *, actor: str, at: datetime,
             boost: float = 20.0, move_to: str = "", policy: str | None = None) -> int:
    """Raise severity and priority (by the queue's `raise_priority`), tag the case, and move
    it along the queue's path (`move_to`), so it leads every queue sorted by priority (an
    agent's command: the Desk re-scores the case and replays its clocks right after)."""
    case = case_store.require_case(conn, case_id)
    tags = list(json.loads(case["tags"]))
    moved, done = along_path(case, boost, move_to, policy, rescored=True)
    values = {"severity": case["severity"] + 1, **moved, "tags": case_store.tags_text(
        tags if _has_tag(tags, ESCALATED) else [*tags, ESCALATED])}
    return edit(conn, case_id, values, actor=actor, at=at, action="case.escalated",
                reason=", ".join([f"severity {case['severity']} -> {case['severity'] + 1}",
                                  *done]))


def along_path(case: case_store.Row, boost: float, move_to: str, policy: str | None, *,
               rescored: bool = False) -> tuple[dict[str, object], list[str]]:
    """What escalating `case` along its queue's path changes — its priority raised by
    `boost` (`raised`), its queue `move_to` if another, with that queue's SLA `policy` —
    and the words for each: by hand (`escalate`) and by the router's triggers alike."""
    values = raised(case, boost, rescored=rescored) if boost else {}
    done = [f"priority +{boost:g}"] if boost else []
    if move_to and move_to != case["queue"]:
        values.update(queue=move_to, sla_policy=policy)
        done.append(f"to {move_to}")
    return values, done


def snooze(conn: sqlite3.Connection, case_id: int, until: datetime | None, *, actor: str,
           at: datetime) -> int:
    """Hide a case from the queues until `until` (None: wake it now). It comes back by
    itself at that time, or as soon as the customer writes. A solved or closed case is in
    no queue: snoozed, it woke up later as if it waited."""
    case = case_store.require_case(conn, case_id)
    if until is not None and case["status"] in FINISHED_STATUSES:
        raise StoreError(f"case #{case_id} is {case['status']}: nothing to snooze")
    if until is None and case["snoozed_until"] is None:  # it said "woken up"
        raise StoreError(f"case #{case_id} is not snoozed: nothing to wake")
    return edit(conn, case_id, {"snoozed_until": db_time(until) if until else None},
                actor=actor, at=at, action="case.snoozed",
                reason=f"snoozed until {until_words(until, at)}" if until else "woken up")
