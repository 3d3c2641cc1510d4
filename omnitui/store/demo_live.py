"""What the living demo (omnitui/demo_live.py) reads: a number for its next new customer,
someone who wrote lately, and the demo team's cases to answer or to solve."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from omnitui.store.schema import ACTIVE


def first_unused_number(conn: sqlite3.Connection) -> int:
    """Above every demo customer's number (their addresses carry it)."""
    return conn.execute("SELECT count(*) FROM customers").fetchone()[0] + 100_000


def recent_writer(conn: sqlite3.Connection, pick: float) -> tuple[str, str, str, str] | None:
    """(channel, identity kind, identity value, name) of one of the last 50 customers who
    wrote, `pick` in [0, 1) choosing which."""
    return conn.execute(
        "SELECT m.channel, i.kind, i.value, cu.name FROM messages m"
        " JOIN identities i ON i.id = m.identity_id JOIN customers cu ON cu.id = m.customer_id"
        " WHERE m.direction = 'in' AND m.identity_id IS NOT NULL ORDER BY m.id DESC"
        " LIMIT 1 OFFSET ?", (int(pick * 50),)).fetchone()


def team_case(conn: sqlite3.Connection, team: Sequence[str], *, answered: bool,
              pick: float) -> tuple[int, str, str | None, str] | None:
    """(case, owner, language, customer name) of one of the latest 20 open cases the team
    holds that no agent has answered yet (or, `answered`, that one has)."""
    marks = ", ".join("?" for _ in team)
    return conn.execute(
        "SELECT c.id, c.owner, c.language, cu.name FROM cases c"
        " JOIN customers cu ON cu.id = c.customer_id"
        f" WHERE c.status IN {ACTIVE} AND c.status IN ('new', 'open') AND c.owner IN ({marks})"
        f" AND c.first_response_at IS {'NOT ' if answered else ''}NULL ORDER BY c.id DESC"
        " LIMIT 1 OFFSET ?", (*team, int(pick * 20))).fetchone()
