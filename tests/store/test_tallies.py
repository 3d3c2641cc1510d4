"""The board's rolling tallies (schema 23) stay equal to a fresh count of the cases after
everything that changes cases: intake, the demo's agents, routing, hand-overs, solving,
reopening, merging, undo, the copier that grows big stores, and a migration's first fill."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from omnitui.config import Settings
from omnitui.demo import build_demo
from omnitui.model import Status
from omnitui.services.desk import Desk
from omnitui.store.db import Store
from omnitui.store.schema import MIGRATIONS, TALLIES_OF_CASES


def kept(conn: sqlite3.Connection) -> set[tuple[str, str, str, int]]:
    return set(conn.execute("SELECT name, bucket, key, n FROM tallies WHERE n != 0"))


def afresh(conn: sqlite3.Connection) -> set[tuple[str, str, str, int]]:
    return set(conn.execute(TALLIES_OF_CASES))


def test_the_triggers_keep_the_tallies_equal_to_a_fresh_count(tmp_path: Path) -> None:
    with Store(tmp_path / "demo.db") as store:
        build_demo(store, Settings(), customers=60, messages=400, base_messages=150)
        conn = store.conn
        assert kept(conn) == afresh(conn) and kept(conn)  # the copier's rows counted too
        open_ids = [row[0] for row in conn.execute(
            "SELECT id FROM cases WHERE status IN ('new', 'open') ORDER BY id LIMIT 6")]
        alice, bob = Desk(store, "alice"), Desk(store, "bob")
        alice.each(open_ids, alice.assign("alice"))
        bob.each(open_ids[:2], bob.assign("bob"))
        alice.each(open_ids[2:4], alice.status(Status.SOLVED))
        alice.each(open_ids[4:5], alice.status(Status.PENDING, "waiting for the invoice"))
        alice.merge_cases(open_ids[1:2], open_ids[5])
        alice.each(open_ids[:1], alice.priority(95))
        assert kept(conn) == afresh(conn)
        alice.undo()  # the priority back
        assert kept(conn) == afresh(conn)


def test_a_store_from_before_the_tallies_gets_them_filled(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with Store(path) as store:
        build_demo(store, Settings(), customers=30, messages=120)
        expected = afresh(store.conn)
        store.conn.executescript("DROP TRIGGER cases_tally_insert; DROP TRIGGER"
                                 " cases_tally_update; DROP TRIGGER cases_tally_delete;"
                                 " DROP TABLE tallies; DROP INDEX audit_left_owner;"
                                 f" PRAGMA user_version = {len(MIGRATIONS) - 2};")
    with Store(path) as store:  # opening migrates
        assert kept(store.conn) == expected
