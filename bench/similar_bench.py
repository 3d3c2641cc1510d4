#!/usr/bin/env python3
"""How long "solved before" takes on a big store: similar_solved (full-text candidates,
then, with the semantic extra, ranked again by meaning) for a sample of open cases.

    omnitui demo --db bench/out/similar-1000k.db --no-console --customers 200000 \\
        --messages 1000000      # once, about 10 min
    python bench/similar_bench.py bench/out/similar-1000k.db --cases 200

The case screen runs it in a worker thread, so it never holds the UI; what matters is
how soon the line appears. Writes bench/out/similar-results.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line, write_report

from omnitui.config import SemanticSettings, Settings
from omnitui.services.similar import similar_solved
from omnitui.store.db import Store
from omnitui.triage.semantic import available


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db", type=Path)
    parser.add_argument("--cases", type=int, default=200)
    args = parser.parse_args()
    with Store(args.db, migrate=False) as store:
        conn = store.conn
        total = conn.execute("SELECT count(*) FROM cases").fetchone()[0]
        messages = conn.execute("SELECT max(id) FROM messages").fetchone()[0]
        open_ids = [r[0] for r in conn.execute(
            "SELECT id FROM cases WHERE status IN ('new', 'open') ORDER BY id")]
        sample = random.Random(1).sample(open_ids, min(args.cases, len(open_ids)))
        rows = []
        modes = [("full-text only", Settings(semantic=SemanticSettings(enabled=False)))]
        if available():
            modes.append(("with the semantic extra", Settings()))
        for name, settings in modes:
            times, shown = [], 0
            for case_id in sample:
                started = time.perf_counter()
                shown += bool(similar_solved(conn, settings, case_id))
                times.append((time.perf_counter() - started) * 1000)
            times.sort()
            rows.append(f"| {name} | {statistics.median(times):.1f} | "
                        f"{times[int(len(times) * 0.9)]:.1f} | {times[-1]:.1f} | "
                        f"{shown}/{len(sample)} |")
    lines = ["# Solved cases like this one", "", machine_line(), "",
             f"{args.db.name}: {total:,} cases, {messages:,} messages; {len(sample)} open "
             "cases picked at random (seed 1).", "",
             "| ranking | p50 ms | p90 ms | max ms | cases with a line |",
             "|---|---:|---:|---:|---:|", *rows]
    write_report("similar-results.md", "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
