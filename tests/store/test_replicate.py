"""Benchmark-sized demo stores grow by copies: consistent, distinct, searchable."""

from __future__ import annotations

from omnitui.config import Settings
from omnitui.demo import build_demo
from omnitui.store.db import Store
from omnitui.store.queries import CaseQuery, case_detail, list_cases
from tests.conftest import demo_story_end


def count(store: Store, sql: str) -> int:
    return store.conn.execute(sql).fetchone()[0]


def test_demo_past_its_base_grows_by_consistent_copies(store: Store) -> None:
    build_demo(store, Settings(), customers=90, messages=600, base_messages=200,
               end=demo_story_end())
    inbound = count(store, "SELECT count(*) FROM messages WHERE direction = 'in'"
                           " AND external_id NOT LIKE '%survey-%'")  # (answers on top)
    assert inbound == 600
    customers, cases = count(store, "SELECT count(*) FROM customers"), count(
        store, "SELECT count(*) FROM cases")
    assert customers == 90 and cases % 3 == 0
    # every copy's people are distinct: identities stay unique, one customer each
    assert count(store, "SELECT count(DISTINCT value) FROM identities") == count(
        store, "SELECT count(*) FROM identities")
    assert count(store, "SELECT count(*) FROM identities WHERE value LIKE '%+c2@%'") > 0
    # rows point inside their own copy
    assert count(store, "SELECT count(*) FROM messages m JOIN cases c ON c.id = m.case_id"
                        " WHERE c.customer_id != m.customer_id AND m.direction = 'in'") == 0
    assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    store.conn.execute("INSERT INTO messages_fts(messages_fts, rank)"
                       " VALUES ('integrity-check', 1)")
    newest = list_cases(store.conn, CaseQuery(sort="newest", limit=1))[0]
    assert newest.id > cases * 2 / 3  # an active case from the last copy
    assert case_detail(store.conn, newest.id).messages
