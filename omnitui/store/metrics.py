"""What the supervisor's metrics read (omnitui/metrics/): one row per case opened in a
period, the surveys answered in it, and the backlog now. The durations come stored with
each case (schema 19, written by the SLA replay), so a month at a million cases is a
query, not a replay."""

from __future__ import annotations

import sqlite3
from typing import Any

from omnitui.model import ACTIVE_STATUSES, FINISHED_STATUSES, PAUSED_STATUSES
from omnitui.store.db import Record, records


def first_responses(conn: sqlite3.Connection, since: str, until: str) -> list[float]:
    """The first response's seconds of each case opened in [since, until) that has one (not
    those merged into another)."""
    return [seconds for (seconds,) in conn.execute(
        "SELECT first_response_seconds FROM cases WHERE created_at >= ? AND created_at < ?"
        " AND merged_into IS NULL AND first_response_seconds IS NOT NULL", (since, until))]


_FINISHED = "status IN ({})".format(", ".join(f"'{s}'" for s in FINISHED_STATUSES))
_PAUSED = ", ".join(f"'{s}'" for s in PAUSED_STATUSES)
TARGETS = {"first_response": ("first_response_at", "sla_first_response_due"),
           "meaningful_response": ("meaningful_response_at", "sla_meaningful_due"),
           "resolution": ("solved_at", "sla_resolution_due")}  # target: (done, due)


# Until when a target not done is judged: the case's solve, or its pause (a target late by
# then stays late; one not late stands still), else `:now`.
_ENDED = (f"coalesce(CASE WHEN {_FINISHED} THEN solved_at WHEN status IN ({_PAUSED})"
          " THEN paused_at END, :now)")


def _verdicts() -> dict[str, str]:
    """metrics.funnel.met in SQL, each target's: met (done by its due time), and judged
    (done, or not and past due until _ENDED)."""
    found = {}
    for target, (done, due) in TARGETS.items():
        found[f"{target}_met"] = f"{done} <= {due}"
        found[f"{target}_judged"] = (f"{due} IS NOT NULL AND ({done} IS NOT NULL"
                                     f" OR {due} < {_ENDED})")
    return found


# What the report counts of each case: bit n of a case's `facts` is the n-th's truth,
# worked out by SQLite. The funnel counts the few distinct numbers (about 200 in a month)
# where it judged each case in Python: 0.5 CPU-s at 265,000 cases.
CASE_FACTS = {
    "history": "history_before IS NOT NULL",
    "solved": _FINISHED,
    "first_contact_resolved": f"{_FINISHED} AND agent_replies = 1 AND reopens = 0",
    "finished": "solved_at IS NOT NULL OR reopens != 0",
    "reopened": "reopens != 0",
    "assigned": "first_assigned_at IS NOT NULL",
    "reassigned": "first_assigned_at IS NOT NULL AND reassignments != 0",
    **_verdicts()}
# A case's next responses are many (each customer message after our answer): the replay
# keeps how many of those over were met and judged (schema 41), and the one running adds
# itself to the judged once past its due time, as _verdicts judges the others. Both counts
# ride in `facts` above its bits, COUNT_BITS each (a million a case at most, and room in 63
# bits for ten facts more), and the funnel sums them over the same few distinct numbers
# (as two values more a case, 0.1 CPU-s at 258,000 cases).
COUNT_BITS = 20
NEXT_RESPONSES = {
    "next_responses_met": "next_responses_met",
    "next_responses_judged": (f"next_responses_judged"
                              f" + iif(sla_next_response_due < {_ENDED}, 1, 0)")}
COUNTS_AT = {name: len(CASE_FACTS) + n * COUNT_BITS for n, name in enumerate(NEXT_RESPONSES)}
GROUP_COLUMNS = ("queue", "channel", "owner", "tier", "created_at")
MEASURED = ("group", "facts", "first_response", "meaningful_response", "resolution",
            "handle", "opened", "assigned")  # opened_measured's values, in its order


def opened_measured(conn: sqlite3.Connection, since: str, until: str, now: str,
                    group: str | None = None) -> list[tuple[Any, ...]]:
    """The cases opened in [since, until) (not those merged into another) as the report
    measures them, a tuple each (MEASURED): `group`'s column (None without one), the case's
    facts (CASE_FACTS' bits, judged at `now`, and its NEXT_RESPONSES' counts at COUNTS_AT),
    its first and meaningful response's seconds, its resolution's if it is solved, its
    handle seconds (None for none), and its opening and first assignment as Unix seconds.
    All kept with the case (schema 24, 42), so a month at a million cases is one range of
    the created_at index; eight small values a case, where its 22 columns as dicts were 1
    CPU-s at 265,000 cases."""
    if group is not None and group not in GROUP_COLUMNS:
        raise ValueError(f"no group {group!r}")
    facts = " | ".join([*(f"iif({sql}, {1 << bit}, 0)"
                          for bit, sql in enumerate(CASE_FACTS.values())),
                        *(f"(min({sql}, {(1 << COUNT_BITS) - 1}) << {COUNTS_AT[name]})"
                          for name, sql in NEXT_RESPONSES.items())])
    return conn.execute(
        f"SELECT {group or 'NULL'}, {facts}, first_response_seconds,"
        f" meaningful_response_seconds, CASE WHEN {_FINISHED} THEN resolution_seconds END,"
        " nullif(handle_seconds, 0), unixepoch(created_at), unixepoch(first_assigned_at)"
        " FROM cases WHERE created_at >= :since AND created_at < :until"
        " AND merged_into IS NULL", {"since": since, "until": until, "now": now}).fetchall()


def left_owner_because(conn: sqlite3.Connection, since: str, until: str,
                       limit: int = 5) -> list[tuple[str, int]]:
    """Why cases left their owner in [since, until), most common first: routing's words
    ("back to routing: reopened while alice is not here"), or "alice -> bob" for a hand-over
    by hand (their own small index, audit_left_owner)."""
    return conn.execute(
        "SELECT reason, count(*) FROM audit WHERE action = 'case.assigned'"
        " AND before LIKE '%\"owner\": \"%' AND at >= ? AND at < ? GROUP BY reason"
        " ORDER BY count(*) DESC, reason LIMIT ?", (since, until, limit)).fetchall()


def surveys_answered(conn: sqlite3.Connection, since: str, until: str) -> list[Record]:
    """Satisfaction answers given in the period, with the case's queue, channel and tier
    and the agent the survey was for."""
    return records(
        conn, "SELECT s.score, s.agent, s.answered_at, c.queue, c.channel, c.tier,"
        " c.created_at FROM csat s JOIN cases c ON c.id = s.case_id WHERE s.answered_at >= ?"
        " AND s.answered_at < ? AND s.score IS NOT NULL", (since, until))


def backlog(conn: sqlite3.Connection) -> list[Record]:
    """Every unsolved case now: where it is, whose, and since when it has been open this
    time (`open_since`: its last reopening, by the customer's message or by an agent, else
    when we received its first message: a conversation of last year that came back today,
    or that an import brought today, has waited a day, not a year). A merged case is
    closed: not in it. The last reopening is the last in the log, read from its end: the
    latest time among all of them read every audit row of each reopened case (0.6-1 s of
    a report at 12,680 reopened unsolved cases)."""
    statuses = ", ".join(f"'{s}'" for s in ACTIVE_STATUSES)
    return records(
        conn, "SELECT id, queue, channel, owner, tier, status, created_at, snoozed_until,"
        " coalesce(CASE WHEN"
        " reopens = 0 THEN (SELECT min(m.received_at) FROM messages m WHERE m.case_id ="
        " cases.id) ELSE (SELECT a.at FROM audit a WHERE a.case_id = cases.id AND"
        " (a.action = 'case.reopened' OR a.action = 'case.status' AND json_extract(a.before,"
        " '$.\"cases:' || cases.id || '\".status') IN ('solved', 'closed'))"
        " ORDER BY a.id DESC LIMIT 1) END, created_at)"
        f" AS open_since FROM cases WHERE status IN ({statuses})")

