#!/usr/bin/env python3
"""The supervisor's board and `omnitui report` on a big store: one full read of the board
(what the console's worker does on every change, at most once a second) and a 30-day
report, each timed several times (the first cold).

    omnitui demo --db bench/out/similar-1000k.db --no-console --customers 200000 \\
        --messages 1000000      # once, about 10 min
    python bench/board_bench.py bench/out/similar-1000k.db --runs 5

Writes bench/out/board-results.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line, write_report

from omnitui.config import Settings
from omnitui.demo_team import with_demo_team
from omnitui.metrics.board import read_board
from omnitui.metrics.funnel import period, report
from omnitui.services.routing import Router
from omnitui.store.db import Store, utc_now


def timed(runs: int, work: object) -> list[float]:
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        work()  # type: ignore[operator]
        found.append((time.perf_counter() - started) * 1000)
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    settings = with_demo_team(Settings())
    with Store(args.db) as store:
        conn = store.conn
        cases = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
        messages = conn.execute("SELECT max(id) FROM messages").fetchone()[0]
        audit = conn.execute("SELECT max(id) FROM audit").fetchone()[0]
        now = utc_now()
        since, until = period(None, None, settings, now)
        board = timed(args.runs, lambda: read_board(conn, settings, Router(settings), now))
        month = timed(max(1, args.runs // 2), lambda: report(conn, settings, since, until,
                                                            now))
    rows = [f"| {name} | {runs[0]:.0f} | {statistics.median(runs[1:] or runs):.0f} |"
            for name, runs in (("board, a full read", board), ("report, 30 days", month))]
    lines = ["# The board and the report on a big store", "", machine_line(), "",
             f"{args.db.name}: {cases:,} cases, {messages:,} messages, {audit:,} audit rows.",
             "", "| what | first (cold) ms | then, median ms |", "|---|---:|---:|", *rows]
    write_report("board-results.md", "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
