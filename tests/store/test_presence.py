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
