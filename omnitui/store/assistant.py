"""The intake assistant's conversations (services/assistant.py): one a case at most, which
question waits for its answer, and how it ended."""

from __future__ import annotations

import sqlite3

from omnitui.records import record
from omnitui.store.audit import ChangeSet, insert_row, update_row


@record(frozen=True)
class Run:
    case_id: int
    channel: str
    started_at: str
    question: int | None  # the index of the question waiting for its answer
    asked_at: str
    ended_at: str | None
    ended: str | None  # why: "answered", "alice wrote", "no answer within 2h"...


def run_of(conn: sqlite3.Connection, case_id: int) -> Run | None:
    row = conn.execute("SELECT case_id, channel, started_at, question, asked_at, ended_at, ended"
                       " FROM assistant_runs WHERE case_id = ?", (case_id,)).fetchone()
    return None if row is None else Run(*row)


def start(conn: sqlite3.Connection, case_id: int, channel: str, question: int | None, at: str,
          changes: ChangeSet) -> None:
    insert_row(conn, "assistant_runs", {"case_id": case_id, "channel": channel,
                                        "started_at": at, "question": question,
                                        "asked_at": at}, changes)


def asked(conn: sqlite3.Connection, case_id: int, question: int, at: str,
          changes: ChangeSet) -> None:
    update_row(conn, "assistant_runs", case_id, {"question": question, "asked_at": at},
               changes)


def end(conn: sqlite3.Connection, case_id: int, why: str, at: str, changes: ChangeSet) -> None:
    update_row(conn, "assistant_runs", case_id, {"question": None, "ended_at": at,
                                                 "ended": why}, changes)
