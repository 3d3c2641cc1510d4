"""Satisfaction surveys: one a case at most, its answer against the case and its agent."""

from __future__ import annotations

import sqlite3

from omnitui.store.audit import ChangeSet, insert_row


def asked(conn: sqlite3.Connection, case_id: int) -> bool:
    return conn.execute("SELECT 1 FROM csat WHERE case_id = ?", (case_id,)).fetchone() \
        is not None


def ask(conn: sqlite3.Connection, case_id: int, agent: str | None, message_id: int,
        at: str, changes: ChangeSet) -> None:
    """Record the survey as a change an undo takes back (with the solve that sent it)."""
    insert_row(conn, "csat", {"case_id": case_id, "agent": agent, "message_id": message_id,
                              "asked_at": at}, changes)


def open_survey(conn: sqlite3.Connection, customer_id: int, since: str) -> int | None:
    """The customer's finished case whose survey, asked since `since`, awaits an answer."""
    row = conn.execute(
        "SELECT s.case_id FROM csat s JOIN cases c ON c.id = s.case_id WHERE c.customer_id = ?"
        " AND s.answered_at IS NULL AND s.asked_at >= ? AND c.status IN ('solved', 'closed')"
        " ORDER BY s.asked_at DESC LIMIT 1", (customer_id, since)).fetchone()
    return None if row is None else int(row[0])


def answer(conn: sqlite3.Connection, case_id: int, score: int, text: str, at: str) -> None:
    conn.execute("UPDATE csat SET score = ?, answer = ?, answered_at = ? WHERE case_id = ?",
                 (score, text, at, case_id))


def survey_of(conn: sqlite3.Connection, case_id: int) -> tuple[str | None, int | None] | None:
    """(agent, score) of the case's survey; None: never asked."""
    row = conn.execute("SELECT agent, score FROM csat WHERE case_id = ?", (case_id,)).fetchone()
    return None if row is None else (row[0], row[1])
