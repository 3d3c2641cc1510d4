"""Cases: lookups the threading stage needs, creation, and versioned updates."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from omnitui.addresses import bare
from omnitui.model import BOUNCE, PAUSED_STATUSES, Status
from omnitui.records import record
from omnitui.store import info
from omnitui.store.audit import ChangeSet, insert_row, update_row
from omnitui.store.db import StoreError, columns_of
from omnitui.store.schema import ACTIVE, ANSWER
from omnitui.vocabulary import NOT_WAITING, OUR_OWN_MAIL

Row = sqlite3.Row  # read by column name; cheaper than building a dict per row


def _row(conn: sqlite3.Connection, sql: str, params: tuple[Any, ...]) -> Row | None:
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    return cur.execute(sql, params).fetchone()


def get_case(conn: sqlite3.Connection, case_id: int) -> Row | None:
    return _row(conn, "SELECT * FROM cases WHERE id = ?", (case_id,))


def require_case(conn: sqlite3.Connection, case_id: int) -> Row:
    case = get_case(conn, case_id)
    if case is None:
        raise StoreError(f"there is no case {case_id}")
    return case


def last_owner(conn: sqlite3.Connection, case_id: int) -> str | None:
    """Whom the case last left (the audit of its assignments), or None if it never had an
    owner: a case handed back to the queue and then to someone else has bounced."""
    row = conn.execute("SELECT before FROM audit WHERE case_id = ? AND action = 'case.assigned'"
                       " AND before LIKE '%\"owner\": \"%' ORDER BY id DESC LIMIT 1",
                       (case_id,)).fetchone()
    if row is None:
        return None
    return next((values.get("owner") for values in json.loads(row[0]).values()), None)


def live_case_id(conn: sqlite3.Connection, case_id: int) -> int:
    """Follow merges: a message for a merged case belongs to the case it was merged into."""
    seen = set()
    while case_id not in seen:
        seen.add(case_id)
        row = conn.execute("SELECT merged_into FROM cases WHERE id = ?", (case_id,)).fetchone()
        if row is None or row[0] is None:
            return case_id
        case_id = row[0]
    return case_id


def case_by_thread_keys(conn: sqlite3.Connection,
                        keys: list[str]) -> tuple[int, int, str] | None:
    """The first stored message any key names: (case id, message id, the key)."""
    for key in keys:
        row = conn.execute("SELECT case_id, id FROM messages WHERE thread_key = ?"
                           " ORDER BY id LIMIT 1", (key,)).fetchone()
        if row:
            return row[0], row[1], key
    return None


def is_forward_or_third_party(conn: sqlite3.Connection, message_id: int, rule: str) -> bool:
    """Whether a message is our forward (a person's mail of ours that answers nobody), or
    was threaded by `rule` (a third party's answer to one)."""
    return conn.execute("SELECT (direction = 'out' AND auto_submitted IS NULL AND response IS"
                        " 'none') OR thread_rule = ? FROM messages WHERE id = ?",
                        (rule, message_id)).fetchone() in ((1,),)


def any_unsolved(conn: sqlite3.Connection) -> bool:
    """Whether the store has a case not solved or closed (one whose clocks run)."""
    return conn.execute(f"SELECT 1 FROM cases WHERE status IN {ACTIVE} LIMIT 1"
                        ).fetchone() is not None


def any_snoozed(conn: sqlite3.Connection, case_ids: Sequence[int]) -> bool:
    """Whether any of the cases is snoozed (its time may have come: the daemon wakes it)."""
    return any(conn.execute(f"SELECT 1 FROM cases WHERE id IN ({', '.join('?' * len(chunk))})"
                            " AND snoozed_until IS NOT NULL LIMIT 1", chunk).fetchone()
               for chunk in (case_ids[i:i + 500] for i in range(0, len(case_ids), 500)))


def due_before(conn: sqlite3.Connection, case_ids: Sequence[int], moment: str
               ) -> list[tuple[int, str, bool]]:
    """(case, its SLA due time, paused) of the cases whose clock falls due before `moment`
    (a stored time)."""
    paused = ", ".join(f"'{status}'" for status in PAUSED_STATUSES)
    return [(row[0], row[1], bool(row[2])) for chunk in (case_ids[i:i + 500]
                                                         for i in range(0, len(case_ids), 500))
            for row in conn.execute(f"SELECT id, sla_due, status IN ({paused}) FROM cases"
                                    f" WHERE id IN ({', '.join('?' * len(chunk))}) AND"
                                    " sla_due < ? ORDER BY id", (*chunk, moment))]


def active_case_of(conn: sqlite3.Connection, customer_id: int) -> Row | None:
    """The customer's most recently active unsolved case, on any channel."""
    return _row(conn, f"SELECT * FROM cases WHERE customer_id = ? AND status IN {ACTIVE}"
                " AND merged_into IS NULL ORDER BY last_message_at DESC, id DESC LIMIT 1",
                (customer_id,))


def active_cases_of(conn: sqlite3.Connection, customer_id: int) -> list[Row]:
    """Every unsolved case of the customer (a merge can leave several)."""
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    return cur.execute(f"SELECT * FROM cases WHERE customer_id = ? AND status IN {ACTIVE}"
                       " AND merged_into IS NULL ORDER BY id", (customer_id,)).fetchall()


def latest_finished_case_of(conn: sqlite3.Connection, customer_id: int) -> Row | None:
    return _row(conn, "SELECT * FROM cases WHERE customer_id = ? AND status IN"
                " ('solved','closed') AND merged_into IS NULL ORDER BY solved_at DESC, id DESC"
                " LIMIT 1", (customer_id,))


def is_participant(conn: sqlite3.Connection, case_id: int, customer_id: int) -> bool:
    """Whether the customer owns the case or has written in it."""
    row = conn.execute(
        "SELECT 1 FROM cases WHERE id = ? AND customer_id = ? UNION ALL"
        " SELECT 1 FROM messages WHERE case_id = ? AND customer_id = ? LIMIT 1",
        (case_id, customer_id, case_id, customer_id)).fetchone()
    return row is not None


def written_to(conn: sqlite3.Connection, case_id: int, addresses: list[str]) -> bool:
    """Whether a reply of ours on the case went to one of `addresses` (To or Cc, as typed:
    "Ann <ann@x.org>" too)."""
    wanted = {a.casefold() for a in addresses}
    for (recipients,) in conn.execute("SELECT recipients FROM outbox WHERE case_id = ? AND"
                                      " status = 'sent'", (case_id,)):
        sent = json.loads(recipients or "{}")
        if wanted & bare([*sent.get("to", []), *sent.get("cc", [])]):
            return True
    return False


# A message of `messages m` that answered the customer (schema.ANSWER) and was not lost
# (failed for good, or bounced).
KEPT_ANSWER = (f"{ANSWER.format('m')} AND NOT EXISTS (SELECT 1 FROM outbox o WHERE"
               " o.message_id = m.id AND o.status = 'failed')")


# When a message counts, as the SLA clocks read it: a customer's from when we received it,
# and so does our own mail filed by the intake (from a copy: in an import its Date was before
# the customer's message "received" at the import); our replies from when they were written.
AT = "CASE WHEN direction = 'in' OR raw_id IS NOT NULL THEN received_at ELSE created_at END"
# The threading rules of messages that ask the team nothing (a thank-you, a survey's answer):
# our own words, written into the SQL
_ASKS_NOTHING = ", ".join(f"'{rule}'" for rule in NOT_WAITING)
# A customer's message the clocks wait on: not their mail server's out-of-office, a rating,
# a thank-you or a third party's answer.
CUSTOMER_WROTE = (f"direction = 'in' AND auto_submitted IS NULL AND"
                  f" coalesce(thread_rule, '') NOT IN ({_ASKS_NOTHING})")


def latest_of(conn: sqlite3.Connection, message_ids: Sequence[int]
              ) -> tuple[str | None, str | None]:
    """The latest of these messages, and the latest that asks the team something (not a
    thank-you, a survey's answer nor an automatic reply): what they bring to a case's
    `last_message_at` and `last_inbound_at`, "waiting for an answer"."""
    marks = ", ".join("?" * len(message_ids))
    return conn.execute(f"SELECT max(created_at), max(created_at) FILTER (WHERE"
                        f" {CUSTOMER_WROTE}) FROM messages WHERE id IN ({marks})",
                        tuple(message_ids)).fetchone()


def opened_by_us(conn: sqlite3.Connection, case_id: int) -> bool:
    """Whether the case's first message is ours (`omnitui new`, `c`, our own mail the
    intake filed), a failed one too: its response clocks wait for the customer's first
    message (services/sla.py), and nothing we write before it answers them."""
    first = conn.execute(f"SELECT direction FROM messages WHERE case_id = ? AND direction IN"
                         f" ('in', 'out') ORDER BY {AT}, id LIMIT 1", (case_id,)).fetchone()
    return first is not None and first[0] == "out"


def _answers_from(conn: sqlite3.Connection, case_id: int) -> str | None:
    """From when our replies answer the customer (as the clocks count it): always ('');
    in a case we opened, from their first message on (None: not yet)."""
    if not opened_by_us(conn, case_id):
        return ""
    return conn.execute(f"SELECT min({AT}) FROM messages WHERE case_id = ? AND"
                        f" {CUSTOMER_WROTE}", (case_id,)).fetchone()[0]


def awaits_customer(conn: sqlite3.Connection, case_id: int) -> bool:
    """A case we opened whose customer has not written yet: what we write answers nobody
    (such a case read "first reply in 0 min")."""
    return _answers_from(conn, case_id) is None


def answered_again(conn: sqlite3.Connection, case_id: int) -> None:
    """The case's first, first meaningful and last answer, from the replies that were not
    lost (a reply failed for good, or bounced, answered nobody: the report counted its
    first response met); in a case we opened, the first ones from the customer's first
    message on."""
    since = _answers_from(conn, case_id)
    answering = f"{AT} >= ?"
    first, meaningful, last = conn.execute(
        f"SELECT min(created_at) FILTER (WHERE {answering}),"
        f" min(created_at) FILTER (WHERE response IS NULL AND {answering}),"
        f" max(created_at) FROM messages m WHERE case_id = ? AND {KEPT_ANSWER}",
        (since, since, case_id)).fetchone()
    replier = conn.execute(f"SELECT author FROM messages m WHERE case_id = ? AND {KEPT_ANSWER}"
                           f" AND {answering} ORDER BY created_at, id LIMIT 1",
                           (case_id, since)).fetchone()
    conn.execute("UPDATE cases SET first_response_at = ?, first_replier = ?,"
                 " meaningful_response_at = ?, last_answered_at = ? WHERE id = ?",
                 (first, replier and replier[0], meaningful, last, case_id))


@record(frozen=True)
class NewCase:
    """A case as it opens: whose it is, where it came from, its triage and its clocks
    (stored times)."""

    customer_id: int
    channel: str
    created_at: str
    subject: str = ""
    status: str = Status.NEW
    queue: str = "general"
    owner: str | None = None
    tags: tuple[str, ...] = ()
    priority: float = 0
    tier: str = "standard"
    severity: int = 0
    sla_first_response_due: str | None = None
    sla_resolution_due: str | None = None
    sla_due: str | None = None
    first_response_at: str | None = None
    first_replier: str | None = None  # who wrote that first response
    previous_case_id: int | None = None
    last_inbound_at: str | None = None
    last_message_at: str | None = None  # None: when it was created
    language: str | None = None  # of the customer's latest message, if it could be told
    irritation: str | None = None  # why their latest message reads irritated; None: calm
    intent: str | None = None  # what the customer wants, from the latest message that told
    pause_reason: str | None = None  # what a case opened paused waits on


def tags_text(tags: Iterable[str]) -> str:
    """A case's tags as stored: JSON, written as typed ("café" read "caf\\u00e9" in the
    history)."""
    return json.dumps(list(tags), ensure_ascii=False)


def create_case(conn: sqlite3.Connection, case: NewCase,
                changes: ChangeSet | None = None) -> int:
    """The one place a case is born (by the pipeline, an agent's outbound message, a split).
    With `changes` the row joins a hand-made, undoable change."""
    return insert_row(conn, "cases", {
        "id": info.next_id(conn, "cases"),
        **columns_of(case), "tags": tags_text(case.tags), "updated_at": case.created_at,
        "paused_at": case.created_at if case.status in PAUSED_STATUSES else None,
        "last_message_at": case.last_message_at or case.created_at}, changes)


def touch_case(conn: sqlite3.Connection, case_id: int, values: dict[str, Any]) -> None:
    """An unaudited update from ingest (new message times, SLA): bumps the version."""
    sets = "".join(f"{k} = ?, " for k in values)
    conn.execute(f"UPDATE cases SET {sets}version = version + 1 WHERE id = ?",
                 (*values.values(), case_id))


def update_case(conn: sqlite3.Connection, case_id: int, values: dict[str, Any],
                changes: ChangeSet, *, expected_version: int | None = None,
                current: Row | None = None) -> None:
    """An audited edit. With `expected_version`, a concurrent edit makes it fail loudly.
    `current`: the case as the caller read it in this transaction (else it is read here:
    an import's end solving 2,399 old cases as history read each twice, 0.1 s)."""
    current = current or require_case(conn, case_id)
    if expected_version is not None and current["version"] != expected_version:
        raise StoreError(f"case {case_id} was changed by someone else (version "
                         f"{current['version']}, you had {expected_version}); reload it")
    update_row(conn, "cases", case_id, {**values, "version": current["version"] + 1}, changes,
               row=current)


def message_ids_of_case(conn: sqlite3.Connection, case_id: int) -> list[int]:
    return [r[0] for r in conn.execute("SELECT id FROM messages WHERE case_id = ? ORDER BY id",
                                       (case_id,))]


def inbound_senders(conn: sqlite3.Connection, case_id: int) -> set[int]:
    """The customers who wrote inbound messages in a case (a bounce, filed under the
    customer of the mail it returns, is nobody's writing)."""
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT customer_id FROM messages WHERE case_id = ? AND direction = 'in'"
        " AND customer_id IS NOT NULL AND auto_submitted IS NOT ?", (case_id, BOUNCE))}


def due_snoozes(conn: sqlite3.Connection, now: str, limit: int) -> list[tuple[int, str]]:
    """(case id, snoozed until) of snoozes that have ended, earliest first (the
    cases_snoozed index)."""
    return conn.execute("SELECT id, snoozed_until FROM cases WHERE snoozed_until IS NOT NULL"
                        " AND snoozed_until <= ? ORDER BY snoozed_until, id LIMIT ?",
                        (now, limit)).fetchall()


@record(frozen=True)
class ClockFacts:
    """What a case's SLA clocks are replayed from: its opening, its customers' messages (as
    received) and our replies (time, direction, kind of response, automatic or not, the
    rule that joined it to the case, filed from a copy or not), and every status it was
    given (time, status, whether that solve filed it as history), and every move to another
    queue or tier (time, the queue it left and the policy it had there, the tier it had;
    None: that one did not change), from the audit log, in order."""

    opened_at: str
    ours: bool  # opened by our message: the response clocks wait for the customer's first
    waiting: bool  # and opened pending on their answer (`opened_waiting`)
    messages: list[tuple[str, str, str | None, str | None, str, bool]]
    statuses: list[tuple[str, str, int]]
    moves: list[tuple[str, str | None, str | None, str | None]]


def clock_facts(conn: sqlite3.Connection, case_id: int) -> ClockFacts | None:
    """None: the case has no audit history to replay (made outside omnitui's actions)."""
    opened = conn.execute("SELECT created_at FROM cases WHERE id = ? AND EXISTS (SELECT 1 FROM"
                          " audit WHERE case_id = ? AND action = 'case.created')",
                          (case_id, case_id)).fetchone()
    if opened is None:
        return None
    messages = conn.execute(  # each as it counts (AT); a reply that failed for good
        # answered nobody (it met the first response, unsent)
        f"SELECT {AT} AS at,"
        " direction, response, auto_submitted, thread_rule, raw_id IS NOT NULL FROM messages m"
        " WHERE case_id = ? AND direction IN ('in', 'out') AND NOT EXISTS (SELECT 1 FROM"
        " outbox o WHERE o.message_id = m.id AND o.status = 'failed') ORDER BY at, id",
        (case_id,)).fetchall()
    key = f'$."cases:{case_id}".status'
    statuses = conn.execute(  # the actions that set a status (a reply's new -> open aside,
        # and the intake's pending -> open: its row records none, the replay reads the
        # customer's message; a question moved or merged here resumed it as of the move
        # or merge), and a customer's message reopening a finished case (its row records
        # no status: "reopened"); a solve that filed the case as history says so (schema
        # 30). An action undone is as if it never was, and so is its undo (a solve undone
        # had restarted every clock, a breach gone); redone, it counts as it was first done.
        "SELECT at, CASE action WHEN 'case.reopened' THEN 'reopened' ELSE"
        " json_extract(after, ?) END, json_extract(after, ?) IS NOT NULL, undone_by FROM audit"
        " WHERE case_id = ? AND action IN ('case.status', 'cases.merged', 'case.reopened',"
        " 'message.re-attached') AND"
        " (action = 'case.reopened' OR json_extract(after, ?) IS NOT NULL) ORDER BY id",
        (key, f'$."cases:{case_id}".history_before', case_id, key)).fetchall()
    queue = f'$."cases:{case_id}".queue'
    tier = f'$."cases:{case_id}".tier'
    moves = conn.execute(  # whatever moved it: an agent, an escalation, routing's overflow,
        # its customer's new tier (an undo's row is none: the move undone is as if it never
        # was, redone as it was)
        "SELECT at, json_extract(before, ?), json_extract(before, ?), json_extract(before, ?),"
        " undone_by FROM audit WHERE case_id = ? AND (json_extract(after, ?) IS NOT NULL OR"
        " json_extract(after, ?) IS NOT NULL) AND action NOT LIKE 'undo %' ORDER BY id",
        (queue, f'$."cases:{case_id}".sla_policy', tier, case_id, queue, tier)).fetchall()
    ours = opened_by_us(conn, case_id)  # (most cases are not: two audit reads spared
    return ClockFacts(opened[0], ours, ours and opened_waiting(conn, case_id),  # a message)
                      [tuple(m) for m in messages],
                      [(at, status, history) for at, status, history, undone_by in statuses
                       if _in_effect(conn, undone_by)],
                      [(at, left, policy, tier) for at, left, policy, tier, undone_by in moves
                       if (left is not None or tier is not None)
                       and _in_effect(conn, undone_by)])


def opened_waiting(conn: sqlite3.Connection, case_id: int) -> bool:
    """Whether the case opened pending on the customer's answer: written first by an agent
    (its creation's audit row records the status it opened with: before such cases opened
    pending, open) or opened by our own mail the intake filed (its first message's row says
    whose it was). A customer's case that our older mail joined later (a merge) did not."""
    created = conn.execute("SELECT json_extract(after, ?) FROM audit WHERE case_id = ? AND"
                           " action = 'case.created' ORDER BY id LIMIT 1",
                           (f'$."cases:{case_id}".status', case_id)).fetchone()
    if created is not None and created[0] is not None:
        return bool(created[0] == Status.PENDING)
    first = conn.execute("SELECT reason FROM audit WHERE case_id = ? AND action ="
                         " 'message.received' ORDER BY id LIMIT 1", (case_id,)).fetchone()
    return first is not None and first[0].startswith(OUR_OWN_MAIL)


def _in_effect(conn: sqlite3.Connection, undone_by: int | None) -> bool:
    """An audited action not undone, or undone and redone (an even chain of undos)."""
    undos = 0
    while undone_by is not None:
        undos += 1
        undone_by = conn.execute("SELECT undone_by FROM audit WHERE id = ?", (undone_by,)
                                 ).fetchone()[0]
    return undos % 2 == 0


def changed_columns(case: Row, values: dict[str, Any]) -> dict[str, Any]:
    """The columns of `values` that differ from `case` (the row they were worked out from):
    only those are written. SQLite rewrites every index over a column an UPDATE sets, even
    to the same value, and the priority alone is in nine. Most messages leave the due times
    as they were (an import spent a quarter of its SQL here), and a follow-up's language and
    mood those of the case."""
    return {name: value for name, value in values.items() if case[name] != value}


def set_clocks(conn: sqlite3.Connection, case_id: int, changes: dict[str, Any]) -> None:
    """Write the SLA and score columns as replayed: not an edit (no version, no audit row:
    the actions that moved the clocks have theirs)."""
    if changes:
        assignments = ", ".join(f"{name} = ?" for name in changes)
        conn.execute(f"UPDATE cases SET {assignments} WHERE id = ?",
                     (*changes.values(), case_id))


def due_alarms(conn: sqlite3.Connection, now: str, limit: int) -> list[int]:
    return [row[0] for row in conn.execute(
        f"SELECT id FROM cases WHERE sla_alarm_at <= ? AND sla_alarm_at IS NOT NULL"
        f" AND status IN {ACTIVE} ORDER BY sla_alarm_at LIMIT ?", (now, limit))]


def replayable_case_ids(conn: sqlite3.Connection, since: str | None, *,
                        solved: bool = False) -> list[int]:
    """Every unsolved case (with `solved`, every case not merged into another), touched
    since `since` if given, oldest first."""
    where = ["merged_into IS NULL" if solved else f"status IN {ACTIVE}"]
    if since is not None:
        where.append("updated_at >= ?")
    return [r[0] for r in conn.execute(f"SELECT id FROM cases WHERE {' AND '.join(where)}"
                                       " ORDER BY id", (since,) if since else ())]


@record(frozen=True)
class ScoreFacts:
    """The score's inputs the case row lacks: its latest customer message's tone and
    urgency, the customer's attributes, and since when the customer waits for our answer
    (their oldest message after our last reply that asks something, from when we received
    it: an imported mail of last week waits from the import; None: answered)."""

    sentiment: float | None
    urgent: bool
    attributes: dict[str, Any]
    waiting_since: str | None


def score_facts(conn: sqlite3.Connection, case_id: int, customer_id: int) -> ScoreFacts:
    latest = conn.execute(
        "SELECT sentiment, urgent FROM messages WHERE case_id = ? AND direction = 'in'"
        " AND auto_submitted IS NULL ORDER BY created_at DESC, id DESC LIMIT 1",
        (case_id,)).fetchone()
    waiting = conn.execute(  # from when we received it, as the SLA clocks count
        f"SELECT min(received_at) FROM messages WHERE case_id = ? AND direction = 'in'"
        f" AND auto_submitted IS NULL AND thread_rule NOT IN ({_ASKS_NOTHING})"
        f" AND received_at > coalesce((SELECT max(created_at) FROM messages WHERE case_id = ?"
        f" AND direction = 'out' AND auto_submitted IS NULL), '')",
        (case_id, case_id)).fetchone()[0]
    attributes = conn.execute("SELECT attributes FROM customers WHERE id = ?",
                              (customer_id,)).fetchone()
    return ScoreFacts(latest[0] if latest else None, bool(latest and latest[1]),
                      json.loads(attributes[0]) if attributes else {}, waiting)


def due_rescores(conn: sqlite3.Connection, now: str, limit: int) -> list[int]:
    return [row[0] for row in conn.execute(
        f"SELECT id FROM cases WHERE rescore_at <= ? AND rescore_at IS NOT NULL"
        f" AND status IN {ACTIVE} ORDER BY rescore_at LIMIT ?", (now, limit))]


def quiet_cases(conn: sqlite3.Connection, case_ids: list[int], before: str,
                intake: str) -> list[tuple[int, str, str]]:
    """(case, its newest message's time, when we received the last) of those of `case_ids`
    new or open, with no audit row from a person (the `intake` pipeline and omnitui's own
    automations are not the team), and no message since `before`."""
    marks = ", ".join("?" * len(case_ids))
    return conn.execute(
        f"SELECT c.id, max(m.created_at), max(m.received_at) FROM cases c"
        f" JOIN messages m ON m.case_id = c.id"
        f" WHERE c.id IN ({marks}) AND c.status IN (?, ?) AND NOT EXISTS ("
        f"  SELECT 1 FROM audit a WHERE a.case_id = c.id AND a.actor != ?"
        f"  AND a.actor NOT LIKE 'omnitui-%')"
        f" GROUP BY c.id HAVING max(m.created_at) < ?",
        (*case_ids, Status.NEW, Status.OPEN, intake, before)).fetchall()


def mark_upkeep_due(conn: sqlite3.Connection, due: dict[int, str]) -> None:
    """Mark cases for upkeep as of a moment (the latest mark of a case wins)."""
    conn.executemany(
        "INSERT INTO upkeep_due (case_id, as_of) VALUES (?, ?) ON CONFLICT (case_id)"
        " DO UPDATE SET as_of = max(as_of, excluded.as_of)", due.items())


def upkeep_due(conn: sqlite3.Connection, after: int, limit: int) -> list[tuple[int, str]]:
    """(case, as of) of the marked cases past case `after`, in case order."""
    return conn.execute("SELECT case_id, as_of FROM upkeep_due WHERE case_id > ?"
                        " ORDER BY case_id LIMIT ?", (after, limit)).fetchall()


def clear_upkeep_due(conn: sqlite3.Connection, case_id: int, as_of: str) -> None:
    """Unmark a case brought up to date as of `as_of` (a later mark stays)."""
    conn.execute("DELETE FROM upkeep_due WHERE case_id = ? AND as_of = ?", (case_id, as_of))


def first_response_times(conn: sqlite3.Connection, queue: str, since: str,
                         limit: int) -> list[float]:
    """How long the queue's newest cases opened since `since` and answered waited for their
    first reply, as their clocks counted it (policy time, pauses left out, from the
    customer's first message: a case we opened by writing first, answered as it opened,
    made the acknowledgement promise an answer "within about 5 minutes")."""
    return [row[0] for row in conn.execute(
        "SELECT first_response_seconds FROM cases WHERE queue = ? AND created_at >= ?"
        " AND first_response_at IS NOT NULL AND first_response_seconds IS NOT NULL"
        " ORDER BY created_at DESC LIMIT ?",  # (first_response_at: the index's condition)
        (queue, since, limit))]


def automatic_reply_since(conn: sqlite3.Connection, case_id: int, kind: str,
                          since: str) -> bool:
    """Whether the case got an automatic message of `kind` since `since`."""
    return conn.execute(
        "SELECT 1 FROM messages WHERE case_id = ? AND direction = 'out' AND auto_submitted = ?"
        " AND created_at >= ? LIMIT 1", (case_id, kind, since)).fetchone() is not None


def person_replying_since(conn: sqlite3.Connection, case_id: int, since: str) -> str | None:
    """Who (an agent, not one of omnitui's own "omnitui-..." actors) replied on the case since
    `since`; None: nobody."""
    row = conn.execute(
        "SELECT author FROM messages WHERE case_id = ? AND direction = 'out'"
        " AND auto_submitted IS NULL AND author NOT LIKE 'omnitui-%' AND created_at >= ?"
        " ORDER BY created_at LIMIT 1",
        (case_id, since)).fetchone()
    return None if row is None else str(row[0] or "an agent")


def latest_customer_words(conn: sqlite3.Connection, case_id: int
                          ) -> tuple[str, str, float | None, str | None]:
    """The case's subject and its customer's latest message (not automatic mail): text,
    tone and why it reads irritated."""
    row = conn.execute(
        "SELECT c.subject, m.text, m.sentiment, m.irritation FROM cases c LEFT JOIN messages m"
        " ON m.id = (SELECT id FROM messages WHERE case_id = c.id AND direction = 'in' AND"
        " auto_submitted IS NULL ORDER BY created_at DESC, id DESC LIMIT 1) WHERE c.id = ?",
        (case_id,)).fetchone()
    return ("", "", None, None) if row is None else (row[0] or "", row[1] or "", row[2], row[3])


def opened_since(conn: sqlite3.Connection, since: str) -> list[int]:
    """Cases opened since `since` (not merged away), newest first."""
    return [r[0] for r in conn.execute("SELECT id FROM cases WHERE created_at >= ? AND"
                                       " merged_into IS NULL ORDER BY id DESC", (since,))]
