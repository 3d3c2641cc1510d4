#!/usr/bin/env python3
"""The console's presence beat on a big store: the SQL an open case's console runs on the UI
thread (store/presence.py), for the agent with the most presence intervals and for one with
few. Each beat runs in a transaction rolled back after, so every run meets the same store.

    python bench/presence_bench.py STORE [--runs 15]
    PYTHONPATH=OLD_CHECKOUT python bench/presence_bench.py STORE    # an older omnitui

The moments are an hour after the store's last interval ended, so an opened case's first
beat finds no running interval, as after a break.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line

from omnitui.store import presence
from omnitui.store.db import Store, db_time, parse_db_time

CONTINUES = timedelta(seconds=15)  # the console's PRESENCE_CONTINUES


def timed(conn, runs: int, setup: Callable[[], None], beat: Callable[[], None]) -> list[float]:
    """Milliseconds of `beat`, each run after `setup` in a transaction rolled back."""
    found = []
    for _ in range(runs):
        conn.execute("BEGIN IMMEDIATE")
        try:
            setup()
            started = time.perf_counter()
            beat()
            found.append((time.perf_counter() - started) * 1000)
        finally:
            conn.execute("ROLLBACK")
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    print(machine_line())
    with Store(args.db, migrate=False) as store:
        conn = store.conn
        counts = conn.execute("SELECT agent, count(*) FROM presence_intervals GROUP BY agent"
                              " ORDER BY 2 DESC").fetchall()
        last = parse_db_time(conn.execute("SELECT max(ended_at) FROM presence_intervals")
                             .fetchone()[0])
        case_id = conn.execute("SELECT max(id) FROM cases").fetchone()[0]
        at = [last + timedelta(hours=1, seconds=5 * n) for n in range(3)]

        def mark(agent: str, n: int) -> None:
            presence.announce(conn, agent, case_id, "viewing", db_time(at[n]),
                              db_time(at[n] - CONTINUES))

        def off(agent: str) -> None:
            presence.leave(conn, agent, db_time(at[2]), db_time(at[2] - CONTINUES))

        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        timed(conn, 1, lambda: None, lambda: mark(counts[0][0], 0))
        conn.set_trace_callback(None)
        for sql in dict.fromkeys(s for s in statements if s.startswith("SELECT")):
            print(sql)
            for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"):
                print("   ", row[3])
        print(f"{sum(n for _, n in counts):,} presence intervals; ms, median (min) of"
              f" {args.runs} warm runs")
        for agent, n in (counts[0], counts[len(counts) // 2]):
            for name, setup, beat in (
                    ("opening a case", lambda: None, partial(mark, agent, 0)),
                    ("still on it, 5 s later", partial(mark, agent, 0), partial(mark, agent, 1)),
                    ("back to the queue", partial(mark, agent, 1), partial(off, agent))):
                runs = timed(conn, args.runs, setup, beat)
                print(f"  {agent} ({n:,} intervals), {name}: {statistics.median(runs):.2f}"
                      f" ({min(runs):.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
