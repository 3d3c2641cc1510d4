"""Presence over time: a console's marks every few seconds make one interval while the
agent stays on a case doing the same thing; a switch, a gap or leaving ends it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from omnitui.store import presence
from omnitui.store.db import Store, db_time

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
CONTINUES = timedelta(seconds=15)


def mark(store: Store, seconds: int, case_id: int | None, activity: str = "viewing") -> None:
    now = T0 + timedelta(seconds=seconds)
    with store.write() as conn:
        if case_id is None:
            presence.leave(conn, "alice", db_time(now), db_time(now - CONTINUES))
        else:
            presence.announce(conn, "alice", case_id, activity, db_time(now),
                              db_time(now - CONTINUES))


def test_marks_become_intervals(store: Store) -> None:
    for seconds in (0, 5, 10):
        mark(store, seconds, 7)
    mark(store, 12, 7, "writing")  # a switch: viewing ends, writing starts
    mark(store, 17, 7, "writing")
    mark(store, 60, 7, "writing")  # 43 s without a mark: the console was gone
    mark(store, 62, None)  # back to the queue
    rows = store.conn.execute("SELECT case_id, activity, started_at, ended_at FROM"
                              " presence_intervals ORDER BY id").fetchall()
    assert rows == [(7, "viewing", "2026-11-30 10:00:00", "2026-11-30 10:00:12"),
                    (7, "writing", "2026-11-30 10:00:12", "2026-11-30 10:00:17"),
                    (7, "writing", "2026-11-30 10:01:00", "2026-11-30 10:01:02")]
    assert store.conn.execute("SELECT count(*) FROM presence").fetchone()[0] == 0


def test_leaving_again_does_not_stretch_the_interval(store: Store) -> None:
    """A console starting (or quitting from the queue) takes a mark that is not there off
    every case: the interval ended when the agent left, and the seconds since are no
    handle time."""
    mark(store, 0, 7)
    mark(store, 5, None)  # back to the queue
    mark(store, 10, None)  # the console quits, and another starts
    rows = store.conn.execute("SELECT started_at, ended_at FROM presence_intervals").fetchall()
    assert rows == [("2026-11-30 10:00:00", "2026-11-30 10:00:05")]


def test_a_mark_reads_one_interval_however_many_the_agent_had(store: Store) -> None:
    """Opening a case after a break asked for the agent's latest interval marked lately:
    with none, SQLite looked through every interval of theirs (40 ms at a million cases,
    on the console's UI thread)."""
    with store.write() as conn:
        for n in range(20):  # yesterday's stretches
            presence.record_interval(conn, "alice", 100 + n, "viewing", "2026-11-29 09:00:00",
                                     "2026-11-29 09:05:00")
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        mark(store, 0, 7)  # a case opened: no interval running
        mark(store, 5, 7)
        mark(store, 10, None)
    finally:
        store.conn.set_trace_callback(None)
    steps = [row[3] for sql in statements if sql.startswith("SELECT")
             for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
    read = [step for step in steps if "presence_intervals" in step]
    assert read and all("INTEGER PRIMARY KEY (rowid=?)" in step
                        or "COVERING INDEX presence_intervals_agent" in step
                        for step in read), read
    assert store.conn.execute("SELECT started_at, ended_at FROM presence_intervals"
                              " WHERE case_id = 7").fetchall() == [
        ("2026-11-30 10:00:00", "2026-11-30 10:00:10")]
