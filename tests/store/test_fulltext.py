"""Full-text entries written at a bulk transaction's end: whatever the transaction did to its
rows before then (edited, deleted, rolled back), the index ends as if each change had been
indexed as it happened, and a search inside the transaction already finds them."""

from __future__ import annotations

import sqlite3

import pytest

from omnitui.channels.email.parse import parse_email
from omnitui.ingest.pipeline import Pipeline
from omnitui.store import fulltext
from omnitui.store.db import Store
from omnitui.store.queries import cases_mentioning
from tests.conftest import make_email


def matching(store: Store, table: str, query: str) -> list[int]:
    return [r[0] for r in store.conn.execute(
        f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid", (query,))]


def index_is_sound(store: Store) -> None:
    for table in ("messages_fts", "customers_fts"):  # raises on a wrong or missing entry
        store.conn.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")
    assert store.conn.execute("SELECT count(*) FROM fts_pending").fetchone()[0] == 0
    assert store.conn.execute("SELECT count(*) FROM fts_deferred").fetchone()[0] == 0


def filed(pipeline: Pipeline, conn: sqlite3.Connection, sender: str, body: str) -> int:
    return pipeline.ingest_in(conn, parse_email(
        make_email(sender, name="Zora Quill", subject="Parcel", body=body),
        source="support")).message_id


def delete_message(conn: sqlite3.Connection, message_id: int) -> None:
    """With every row that points at it."""
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                 " AND sql LIKE '%REFERENCES messages%'").fetchall():
        for key in conn.execute(f"PRAGMA foreign_key_list({table})").fetchall():
            if key[2] == "messages":
                conn.execute(f"DELETE FROM {table} WHERE {key[3]} = ?", (message_id,))
    conn.execute("DELETE FROM messages WHERE id = ?", (message_id,))


def test_a_bulk_load_is_searchable_once_it_commits(store: Store, pipeline: Pipeline) -> None:
    events = [parse_email(make_email(f"c{n}@example.com", name=f"Customer{n} Plum",
                                     subject=f"Order {n}", body=f"The teapot {n} broke"),
                          source="support") for n in range(30)]
    results = list(pipeline.ingest_many(events, max_batch=7))  # five transactions
    assert len(matching(store, "messages_fts", "teapot")) == 30
    assert len(matching(store, "customers_fts", "plum")) == 30
    assert matching(store, "messages_fts", "broke AND 17") == [results[17].message_id]
    index_is_sound(store)


def test_rows_edited_or_deleted_before_the_end_are_indexed_as_they_end(
        store: Store, pipeline: Pipeline) -> None:
    with store.write() as conn, fulltext.at_the_end(conn):
        edited = filed(pipeline, conn, "a@example.com", "my kettle leaks")
        gone = filed(pipeline, conn, "b@example.com", "my toaster smokes")
        conn.execute("UPDATE messages SET text = 'my kettle whistles' WHERE id = ?", (edited,))
        conn.execute("UPDATE customers SET name = 'Yara Quill' WHERE id = (SELECT customer_id"
                     " FROM messages WHERE id = ?)", (edited,))
        delete_message(conn, gone)
    assert matching(store, "messages_fts", "whistles") == [edited]
    assert matching(store, "messages_fts", "leaks") == []
    assert matching(store, "messages_fts", "toaster") == []
    assert len(matching(store, "customers_fts", "yara")) == 1
    index_is_sound(store)
    with store.write() as conn, fulltext.at_the_end(conn):  # indexed already: as before
        conn.execute("UPDATE messages SET text = 'my kettle sings' WHERE id = ?", (edited,))
    assert matching(store, "messages_fts", "sings") == [edited]
    assert matching(store, "messages_fts", "whistles") == []
    index_is_sound(store)


def test_a_search_inside_the_transaction_finds_what_it_added(
        store: Store, pipeline: Pipeline) -> None:
    """A product's outage filed with the messages that mention it must find their cases."""
    with store.write() as conn, fulltext.at_the_end(conn):
        filed(pipeline, conn, "a@example.com", "the gizmotron is down again")
        assert len(cases_mentioning(conn, "gizmotron")) == 1
        filed(pipeline, conn, "b@example.com", "gizmotron broken")
    assert len(cases_mentioning(store.conn, "gizmotron")) == 2
    index_is_sound(store)


def test_a_transaction_rolled_back_leaves_nothing_waiting(
        store: Store, pipeline: Pipeline) -> None:
    with pytest.raises(RuntimeError), store.write() as conn, fulltext.at_the_end(conn):
        filed(pipeline, conn, "a@example.com", "my blender hums")
        raise RuntimeError("the disk is full")
    filed_outside = None
    with store.write() as conn:  # an ordinary writer indexes each row as it goes in
        filed_outside = filed(pipeline, conn, "a@example.com", "my blender hums")
    assert matching(store, "messages_fts", "blender") == [filed_outside]
    index_is_sound(store)
