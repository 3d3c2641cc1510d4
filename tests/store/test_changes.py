"""The refresh feed a console polls, and claiming a case from several processes at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Status
from omnitui.services.actions import claim, set_status
from omnitui.services.desk import Desk
from omnitui.store.changes import changed_cases_since, data_version, last_change, solved_since
from omnitui.store.db import Store, utc_now
from omnitui.store.queries import CaseQuery, list_cases, queue_ids, summaries
from tests.conftest import chat_event


def test_another_connections_writes_show_in_the_feed(store: Store, pipeline: Pipeline) -> None:
    first = pipeline.ingest(chat_event("telegram", "1", "hi")).case_id
    pipeline.ingest(chat_event("telegram", "2", "hello"))
    with Store(store.path) as console:
        seen, version = last_change(console.conn), data_version(console.conn)
        with store.write() as conn:  # another process, as far as SQLite is concerned
            set_status(conn, first, Status.PENDING, actor="bob", at=utc_now(),
                       pause_reason="waiting on customer")
        assert data_version(console.conn) != version
        newest, cases = changed_cases_since(console.conn, seen)
        assert cases == {first} and newest > seen
        assert changed_cases_since(console.conn, newest) == (newest, set())


def test_a_message_moved_out_of_a_case_and_back_names_that_case(store: Store,
                                                                 pipeline: Pipeline) -> None:
    """A console on case #3 went on showing a message another agent split off into #5, and
    the split's undo from the shell left #5's message showing on #5."""
    first = pipeline.ingest(chat_event("telegram", "1", "printer broken"))
    second = pipeline.ingest(chat_event("telegram", "1", "and charged twice"))
    with Store(store.path) as console:
        seen = last_change(console.conn)
        desk = Desk(store, "bob")  # another process, as far as SQLite is concerned
        split_to = desk.move_messages([second.message_id], None)[0]
        seen, cases = changed_cases_since(console.conn, seen)
        assert cases == {first.case_id, split_to}
        desk.undo()
        assert changed_cases_since(console.conn, seen)[1] == {first.case_id, split_to}


def test_queue_ids_and_rows_on_screen_match_the_pages(store: Store, pipeline: Pipeline) -> None:
    for n in range(30):
        pipeline.ingest(chat_event("chat" if n % 3 else "email", str(n),
                                   "URGENT down" if n % 4 == 0 else "question"))
    query = CaseQuery(limit=12)
    ids = queue_ids(store.conn, query)
    first_page = list_cases(store.conn, query)
    assert list(ids[:12]) == [c.id for c in first_page]
    rows = summaries(store.conn, list(ids[12:24]))
    second_page = list_cases(store.conn, query, after=(first_page[-1].priority,
                                                       first_page[-1].id))
    assert [rows[i] for i in ids[12:24]] == second_page


CLAIM = """
import sys
from pathlib import Path
from omnitui.services.actions import claim
from omnitui.store.db import Store, utc_now
with Store(Path(sys.argv[1])) as store:
    sys.stdin.readline()  # start together
    with store.write() as conn:
        print(claim(conn, int(sys.argv[2]), sys.argv[3], at=utc_now()))
"""


def test_two_agents_claim_at_once_exactly_one_wins(store: Store, pipeline: Pipeline,
                                                    tmp_path: Path) -> None:
    case = pipeline.ingest(chat_event("telegram", "1", "hi")).case_id
    procs = [subprocess.Popen([sys.executable, "-c", CLAIM, str(store.path), str(case), agent],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for agent in ("alice", "bob")]
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = sorted(proc.communicate(timeout=60)[0].strip() for proc in procs)
    assert results == ["False", "True"]
    owner = store.conn.execute("SELECT owner FROM cases WHERE id = ?", (case,)).fetchone()[0]
    assert owner in ("alice", "bob")
    with store.write() as conn:  # the winner claiming again is fine; the loser still loses
        assert claim(conn, case, owner, at=utc_now())
        assert not claim(conn, case, "carol", at=utc_now())


def test_the_feeds_read_only_the_audit_rows_past_the_mark(store: Store,
                                                           pipeline: Pipeline) -> None:
    """After every action the Desk asks which cases it solved: a plan that walks the whole
    audit log through an index took 1.1 s an action on a store with 9M audit rows."""
    case = pipeline.ingest(chat_event("telegram", "1", "hi")).case_id
    mark = last_change(store.conn)
    with store.write() as conn:
        set_status(conn, case, Status.SOLVED, actor="bob", at=utc_now())
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        assert solved_since(store.conn, mark) == [case]
        assert changed_cases_since(store.conn, mark)[1] == {case}
    finally:
        store.conn.set_trace_callback(None)
    for sql in statements:
        plan = " ".join(row[3] for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        assert "PRIMARY KEY (rowid>?)" in plan and "SCAN" not in plan, (sql, plan)
