#!/usr/bin/env python3
"""How much `PRAGMA temp_store` costs an UPDATE that moves a case in or out of the queue.

    python bench/temp_store_check.py [STORE]     # default: bench/out/queue-10k.db

Every statement that writes `cases.status` evaluates `status IN (...)` lists (the CHECK
constraint and the WHERE of the partial queue indexes cases_active_priority and
cases_active_sla, old row and new), and SQLite builds a small ephemeral table for each list
on each run (EXPLAIN shows five OpenEphemeral). Measured on the 10k demo store, those cost
several times the update itself under the default temp_store and much less under
temp_store=MEMORY; on the 1M store the index page writes dominate and the setting makes no
difference. This times 1,000 status changes (and, for contrast, 1,000 updates that leave
status alone) in a transaction that is rolled back, so the store is not changed.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def time_updates(path: Path, temp_store: str) -> tuple[float, float]:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA temp_store={temp_store}")
    ids = [r[0] for r in conn.execute("SELECT id FROM cases WHERE status IN ('new','open')")]
    random.Random(1).shuffle(ids)
    ids = ids[:1000]
    conn.execute("BEGIN IMMEDIATE")
    try:
        started = time.perf_counter()
        for case_id in ids:
            conn.execute("UPDATE cases SET status = ?, updated_at = ?, sla_due = ?,"
                         " solved_at = ?, version = version + 1 WHERE rowid = ?",
                         ("solved", "2026-01-01 00:00:00", None, "2026-01-01 00:00:00", case_id))
        status = (time.perf_counter() - started) / len(ids)
        started = time.perf_counter()
        for case_id in ids:
            conn.execute("UPDATE cases SET updated_at = ?, version = version + 1 WHERE rowid = ?",
                         ("2026-01-02 00:00:00", case_id))
        plain = (time.perf_counter() - started) / len(ids)
    finally:
        conn.execute("ROLLBACK")
        conn.close()
    return status * 1e6, plain * 1e6


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "out" / "queue-10k.db"
    if not path.exists():
        print(f"{path} not found: run bench/queue_bench.py --sizes 10000 first", file=sys.stderr)
        return 1
    print(f"{path.name}, SQLite {sqlite3.sqlite_version}; µs per UPDATE, median of 5 rounds\n")
    print("| temp_store | status change (leaves the queue indexes) | no status change |")
    print("|---|---:|---:|")
    for mode in ("DEFAULT", "MEMORY"):
        rounds = [time_updates(path, mode) for _ in range(5)]
        print(f"| {mode} | {statistics.median(r[0] for r in rounds):.0f} | "
              f"{statistics.median(r[1] for r in rounds):.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
