"""What the store keeps counted for the board and the report (schemas 23 and 24) stays
equal to a fresh count after everything that changes cases: intake, the demo's agents,
routing, hand-overs, solving, reopening, merging, undo, the copier that grows big stores, and
a migration's first fill."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from omnitui.config import Settings
from omnitui.demo import build_demo
from omnitui.model import Status
from omnitui.services.desk import Desk
from omnitui.store.db import Store, _statements
from omnitui.store.schema import (
    MIGRATION_1,
    MIGRATION_20,
    MIGRATION_21,
    MIGRATION_23,
    MIGRATIONS,
    TALLIES_OF_CASES,
)
from tests.conftest import as_of_schema


def kept(conn: sqlite3.Connection) -> set[tuple[str, str, str, int]]:
    return set(conn.execute("SELECT name, bucket, key, n FROM tallies WHERE n != 0"))


def afresh(conn: sqlite3.Connection) -> set[tuple[str, str, str, int]]:
    return set(conn.execute(TALLIES_OF_CASES))


def per_case(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    return conn.execute("SELECT id, first_assigned_at, agent_replies, handle_seconds"
                        " FROM cases ORDER BY id").fetchall()


def per_case_afresh(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
    """Each case's first assignment, agent replies and handle time, looked up afresh."""
    return conn.execute(
        "SELECT c.id, (SELECT min(at) FROM audit a WHERE a.case_id = c.id AND a.action ="
        " 'case.assigned' AND a.after LIKE '%\"owner\": \"%'), (SELECT count(*) FROM"
        " messages m WHERE m.case_id = c.id AND m.direction = 'out' AND m.auto_submitted IS"
        " NULL), (SELECT coalesce(sum(unixepoch(ended_at) - unixepoch(started_at)), 0) FROM"
        " presence_intervals p WHERE p.case_id = c.id) FROM cases c ORDER BY c.id").fetchall()


def test_the_triggers_keep_the_tallies_equal_to_a_fresh_count(tmp_path: Path) -> None:
    with Store(tmp_path / "demo.db") as store:
        build_demo(store, Settings(), customers=60, messages=400, base_messages=150)
        conn = store.conn
        assert kept(conn) == afresh(conn) and kept(conn)  # the copier's rows counted too
        assert per_case(conn) == per_case_afresh(conn)
        open_ids = [row[0] for row in conn.execute(
            "SELECT id FROM cases WHERE status IN ('new', 'open') ORDER BY id LIMIT 6")]
        alice, bob = Desk(store, "alice"), Desk(store, "bob")
        alice.each(open_ids, alice.assign("alice"))
        bob.each(open_ids[:2], bob.assign("bob"))
        alice.each(open_ids[2:4], alice.status(Status.SOLVED))
        alice.each(open_ids[4:5], alice.status(Status.PENDING, "waiting for the invoice"))
        alice.merge_cases(open_ids[1:2], open_ids[5], other_customers=True)
        alice.each(open_ids[:1], alice.priority(95))
        assert kept(conn) == afresh(conn)
        alice.undo()  # the priority back
        assert kept(conn) == afresh(conn)
        assert per_case(conn) == per_case_afresh(conn)


def before_deferred_full_text(conn: sqlite3.Connection) -> None:
    """Schema 27 undone: schema 1's full-text triggers back, its two tables gone."""
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND"
                                " (name LIKE 'messages_fts_%' OR name LIKE 'customers_fts_%')"
                                ).fetchall():
        conn.execute(f"DROP TRIGGER {name}")
    for statement in _statements(MIGRATION_1):
        if statement.startswith(("CREATE TRIGGER messages_fts_", "CREATE TRIGGER customers_fts_")):
            conn.execute(statement)
    conn.execute("DROP TABLE fts_deferred")
    conn.execute("DROP TABLE fts_pending")


def test_a_store_from_before_the_tallies_gets_them_filled(tmp_path: Path) -> None:
    """A store at schema 22 (built, then stripped of what 23 to 25 add) gets the tallies
    and each case's first assignment, agent replies and handle time from its history."""
    path = tmp_path / "old.db"
    with Store(path) as store:
        build_demo(store, Settings(), customers=30, messages=120)
        conn = store.conn
        expected, cases = afresh(conn), per_case(conn)
        assert any(replies for _, _, replies, _ in cases)
        assert any(handled for *_, handled in cases)
        assert any(first for _, first, _, _ in cases)
        dropped = [s for s in _statements(MIGRATION_20 + MIGRATION_21)
                   if any(name in s for name in ("cases_opened_rates", "cases_active_load",
                                                  "messages_agent_replies"))]
        for name, kind in conn.execute("SELECT name, type FROM sqlite_master WHERE type ="
                                       " 'trigger' AND (name LIKE '%tally%' OR name LIKE"
                                       " '%reply%' OR name LIKE '%handle%')").fetchall():
            conn.execute(f"DROP {kind} {name}")
        conn.execute("DROP TABLE tallies")
        for column in ("first_assigned_at", "agent_replies", "handle_seconds"):
            conn.execute(f"ALTER TABLE cases DROP COLUMN {column}")
        for statement in dropped:
            conn.execute(statement)
        conn.execute("ALTER TABLE agents DROP COLUMN keys_file")  # schema 25's
        conn.execute("DROP TABLE upkeep_due")  # schema 26's
        before_deferred_full_text(conn)  # schema 27's
        conn.execute("DROP TABLE deferred_indexes")  # schema 28's
        conn.execute("DROP INDEX raw_payloads_history")  # schema 29's
        conn.execute("ALTER TABLE raw_payloads DROP COLUMN history_before")
        as_of_schema(conn, MIGRATIONS.index(MIGRATION_23))  # (and the cases columns
        # of the migrations after 30)
    with Store(path) as store:  # opening migrates
        assert kept(store.conn) == expected
        assert per_case(store.conn) == cases


def test_a_store_from_before_schema_37_counts_a_case_ever_assigned(tmp_path: Path) -> None:
    """A case taken and put back in the queue was assigned once: schema 23's triggers
    counted only the cases with an owner now. Opening the store replaces them and counts
    again; from then on the triggers count it so."""
    path = tmp_path / "old.db"
    with Store(path) as store:
        build_demo(store, Settings(), customers=30, messages=120)
        conn = store.conn
        for name in ("cases_tally_insert", "cases_tally_update", "cases_tally_delete"):
            conn.execute(f"DROP TRIGGER {name}")
        for statement in _statements(MIGRATION_23):
            if statement.startswith("CREATE TRIGGER"):
                conn.execute(statement)  # schema 23's, reading assigned_at
        as_of_schema(conn, 36)
    with Store(path) as store:  # opening migrates
        assert "first_assigned_at" in store.conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'cases_tally_update'").fetchone()[0]
        assert kept(store.conn) == afresh(store.conn)
        case_id = store.conn.execute("SELECT id FROM cases WHERE status = 'new' AND owner IS"
                                     " NULL ORDER BY id LIMIT 1").fetchone()[0]
        alice = Desk(store, "alice")
        alice.each([case_id], alice.assign("alice"))
        alice.each([case_id], alice.assign(None))
        assert kept(store.conn) == afresh(store.conn)
