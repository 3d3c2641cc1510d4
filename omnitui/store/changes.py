"""What other processes changed, cheaply: the console's refresh feed.

`data_version` changes whenever another connection commits (polling it costs microseconds),
and the connection's count of changed rows with its own commits; the audit table, whose ids
only grow, then says which cases changed, so a console refreshes just those rows.
"""

from __future__ import annotations

import json
import sqlite3

from omnitui.store.schema import ACTIVE


def data_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA data_version").fetchone()[0]


def commits_seen(conn: sqlite3.Connection) -> tuple[int, int]:
    """What moves with any commit: another connection's, and this one's own (routing that a
    console runs on its own connection, when it opens or its agent is back from away, gave
    the agent cases its queue went on showing unowned)."""
    return data_version(conn), conn.total_changes


def last_change(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT coalesce(max(id), 0) FROM audit").fetchone()[0]


def changed_cases_since(conn: sqlite3.Connection,
                        after: int) -> tuple[int, set[int] | None]:
    """(the newest change id, the cases changed after `after`; None: too many to name, as
    after the scheduler re-scored the waiting cases: read everything again). A change names
    one case, and may touch others: a merge is the target's, and closes its source (a
    console showing the source went on showing it open)."""
    rows = conn.execute("SELECT id, case_id, action, before, after FROM audit WHERE id > ?"
                        " ORDER BY id", (after,)).fetchall()
    if not rows:
        return after, set()
    if any(action == "cases.rescored" for _, _, action, _, _ in rows):
        return rows[-1][0], None
    # a console reads every row another writer adds, twice a second (an import's thousands
    # too): most change no case's columns ('{}'), and are not parsed
    touched = {int(key.removeprefix("cases:")) for *_, after_json in rows
               if '"cases:' in after_json
               for key in json.loads(after_json) if key.startswith("cases:")}
    return rows[-1][0], ({case_id for _, case_id, _, _, _ in rows if case_id is not None}
                         | touched | _left_and_joined(rows))


def _left_and_joined(rows: list[tuple[int, int | None, str, str, str]]) -> set[int]:
    """The cases messages moved out of and into (a move names the case they went to, its
    undo the one they came back from: a console on the other went on showing them there).
    Only a row whose before has a message's case_id is parsed: a move, not a new message."""
    moved = set()
    for *_, before_json, after_json in rows:
        if '"messages:' in before_json and '"case_id"' in before_json:
            for side in (json.loads(before_json), json.loads(after_json)):
                moved |= {row["case_id"] for key, row in side.items()
                          if key.startswith("messages:") and row and row.get("case_id")}
    return moved


# (case, actor, reason, the queue whose escalation it was, the case's queue now, its owner
# now) of escalations: an escalation that moved the case names the queue it left (its path
# said notify, its agents hear)
_ESCALATIONS = ("SELECT a.case_id, a.actor, a.reason, COALESCE(json_extract(a.before,"
                " '$.\"cases:' || a.case_id || '\".queue'), c.queue), c.queue, c.owner"
                " FROM audit a JOIN cases c ON c.id = a.case_id WHERE a.action = 'case.escalated'")
Escalation = tuple[int, str, str, str, str, str | None]


def escalations_since(conn: sqlite3.Connection, after: int, upto: int) -> list[Escalation]:
    """Each escalation in the change ids (after, upto]: the consoles' toasts."""
    return [tuple(row) for row in conn.execute(
        f"{_ESCALATIONS} AND a.id > ? AND a.id <= ? ORDER BY a.id", (after, upto))]


def escalations_of(conn: sqlite3.Connection, owner: str, since: str) -> list[Escalation]:
    """Each escalation since `since` of a case `owner` has now and has not solved: what they
    missed while away."""
    return [tuple(row) for row in conn.execute(
        f"{_ESCALATIONS} AND c.owner = ? AND c.status IN {ACTIVE} AND a.at >= ?"
        " ORDER BY a.id", (owner, since))]


def given_away_since(conn: sqlite3.Connection, owner: str, after: int,
                     upto: int) -> list[tuple[int, str, str | None]]:
    """(case, actor, its new owner; None: back to the queue) of each case taken from `owner`
    in the change ids (after, upto]: the owner's console says so. A case put back in the
    queue and given on in the same ids (routing handing on an away agent's case) names
    who gave it to whom last: "put back in the queue" sent them looking among the
    unassigned for a case another agent had."""
    owner_of = "json_extract({0}.after, '$.\"cases:' || {0}.case_id || '\".owner')"
    return [tuple(row) for row in conn.execute(
        f"SELECT a.case_id, coalesce(n.actor, a.actor), coalesce({owner_of.format('a')},"
        f" {owner_of.format('n')}) FROM audit a LEFT JOIN audit n ON {owner_of.format('a')}"
        " IS NULL AND n.id = (SELECT max(b.id) FROM audit b WHERE b.case_id = a.case_id AND"
        " b.id > a.id AND b.id <= ? AND b.action = 'case.assigned')"
        " WHERE a.id > ? AND a.id <= ? AND a.action = 'case.assigned'"
        " AND json_extract(a.before, '$.\"cases:' || a.case_id || '\".owner') = ?"
        " ORDER BY a.id", (upto, after, upto, owner))]


def given_to_since(conn: sqlite3.Connection, owner: str, after: int,
                   upto: int) -> list[tuple[int, str]]:
    """(case, actor) of each case someone else gave `owner` in the change ids (after, upto]
    (routing pushing a case, a supervisor, a colleague): the owner's console says so (the
    case only appeared in their list)."""
    return [tuple(row) for row in conn.execute(
        "SELECT case_id, actor FROM audit WHERE id > ? AND id <= ?"
        " AND action = 'case.assigned' AND actor != ?"
        " AND json_extract(after, '$.\"cases:' || case_id || '\".owner') = ? ORDER BY id",
        (after, upto, owner, owner))]


def failed_replies_since(conn: sqlite3.Connection, author: str, after: int,
                         upto: int) -> list[tuple[int, str]]:
    """(case, error) of each reply of `author` that failed for good (refused, out
    of retries, bounced) in the change ids (after, upto]: the author's console says so (the
    case only reopened, without a word)."""
    return [tuple(row) for row in conn.execute(
        "SELECT a.case_id, a.reason FROM audit a JOIN messages m ON m.id ="
        " a.message_id WHERE a.id > ? AND a.id <= ? AND a.action IN ('reply.failed',"
        " 'reply.bounced') AND m.author = ? ORDER BY a.id", (after, upto, author))]


def solved_since(conn: sqlite3.Connection, after: int) -> list[int]:
    """The cases a status change after audit row `after` solved. NOT INDEXED: left to
    itself, SQLite read the whole log through audit_case for the DISTINCT's order (1.1 s
    after every action at 9M audit rows) instead of the few rows past `after`."""
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT case_id FROM audit NOT INDEXED WHERE id > ? AND action = 'case.status' AND"
        " case_id IS NOT NULL AND json_extract(after, '$.\"cases:' || case_id || '\".status')"
        " = 'solved' ORDER BY case_id", (after,))]
