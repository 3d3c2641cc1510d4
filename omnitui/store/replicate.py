"""Grow a store by copies of itself, for benchmark-sized demo stores.

Every customer, identity, case and message is copied with fresh ids; identities get a
per-copy tag so each copy's customers stay distinct people to the store. Copies share their
original's raw payload rows (the bytes are identical); they carry its audit history and
presence intervals (what the supervisor's metrics read), ids shifted. A million cases this
way take minutes, where the full pipeline would take most of an hour.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from omnitui.store.db import write_transaction

SHIFTS = {  # column -> expression; :c :i :k :m are the id offsets, :n the copy number
    "customers": {"id": "id + :c", "merged_into": "merged_into + :c"},
    "identities": {
        "id": "id + :i", "customer_id": "customer_id + :c",
        "value": "CASE WHEN kind = 'email' THEN substr(value, 1, instr(value, '@') - 1)"
                 " || '+c' || :n || substr(value, instr(value, '@'))"
                 " ELSE value || '-c' || :n END"},
    "cases": {"id": "id + :k", "customer_id": "customer_id + :c",
              "previous_case_id": "previous_case_id + :k", "merged_into": "merged_into + :k",
              # counted again by the triggers as the copy's messages and presence arrive
              "agent_replies": "0", "handle_seconds": "0"},
    "messages": {"id": "id + :m", "case_id": "case_id + :k", "customer_id": "customer_id + :c",
                 "identity_id": "identity_id + :i",
                 "external_id": "external_id || '#c' || :n",
                 "thread_key": "thread_key || '#c' || :n"},
    # The history the metrics read (who acted when, who had a case open): copied with its
    # rows' ids shifted; the before/after images inside keep the original's ids.
    "audit": {"id": "id + :a", "case_id": "case_id + :k", "customer_id": "customer_id + :c",
              "message_id": "message_id + :m", "undo_of": "undo_of + :a",
              "undone_by": "undone_by + :a", "txn": "txn || '#c' || :n"},
    "presence_intervals": {"id": "id + :p", "case_id": "case_id + :k"},
}


def _copy_statement(conn: sqlite3.Connection, table: str, last_id: int) -> str:
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    expressions = [SHIFTS[table].get(column, column) for column in columns]
    return (f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(expressions)}"
            f" FROM {table} WHERE id <= {int(last_id)} ORDER BY id")


def replicate(conn: sqlite3.Connection, copies: int,
              on_copy: Callable[[int], None] | None = None) -> None:
    """Append `copies` copies of the store's current contents, one transaction each."""
    last = {table: conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
            for table in SHIFTS}
    statements = {table: _copy_statement(conn, table, last[table]) for table in SHIFTS}
    for n in range(1, copies + 1):
        params = {"c": n * last["customers"], "i": n * last["identities"],
                  "k": n * last["cases"], "m": n * last["messages"],
                  "a": n * last["audit"], "p": n * last["presence_intervals"], "n": n}
        with write_transaction(conn):
            for table in SHIFTS:  # parents before children, for the foreign keys
                conn.execute(statements[table], {k: v for k, v in params.items()
                                                 if f":{k}" in statements[table]})
        if on_copy:
            on_copy(n)
