"""The scheduler's re-score pass at a million cases: waiting points rise per business hour,
so each pass re-scores only the cases whose next step has come (the `cases_rescore` index).

Builds (or reuses) bench/out/rescore-1M.db with `omnitui demo`, then on a copy:
- the pass when nothing is due (the daemon's tick, most of the time);
- passes with N cases due (N = 500: about what a 5 s tick meets at a million cases with a
  few hundred thousand waiting; 5,000: a daemon back from an outage), timed as
  `rescore_due` runs them: each case re-scored, one summary audit row per batch.

    python bench/rescore_bench.py                 # 1M messages (builds once, minutes)
    python bench/rescore_bench.py --messages 100000
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from common import REPO, machine_line

from omnitui.config import Settings
from omnitui.demo_team import with_demo_team
from omnitui.services.upkeep import Upkeep, rescore_due
from omnitui.store.db import Store, parse_db_time

OUT = REPO / "bench" / "out"


def build(messages: int) -> Path:
    path = OUT / f"rescore-{messages // 1000}k.db"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "omnitui", "--db", str(path), "demo",
                        "--no-console", "--customers", str(messages), "--messages",
                        str(messages)], check=True, stdout=subprocess.DEVNULL)
        print(f"built {path.name} in {time.perf_counter() - started:.0f} s")
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1_000_000)
    args = parser.parse_args()
    source = build(args.messages)
    print(machine_line())
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "store.db"
        shutil.copy(source, copy)
        with Store(copy) as store:
            cases = store.conn.execute("SELECT count(*) FROM cases").fetchone()[0]
            dues = [row[0] for row in store.conn.execute(
                "SELECT rescore_at FROM cases WHERE rescore_at IS NOT NULL AND status IN"
                " ('new', 'open', 'pending', 'on_hold') ORDER BY rescore_at")]
            print(f"{cases:,} cases, {len(dues):,} with a waiting step to come")
            upkeep = Upkeep(with_demo_team(Settings()))
            started = time.perf_counter()
            done = rescore_due(store, upkeep, parse_db_time(dues[0]) - timedelta(seconds=1))
            idle = time.perf_counter() - started
            print(f"| nothing due | {done} | {idle * 1000:.2f} ms |")
            for wanted in (500, 5000):
                if len(dues) < wanted:
                    break
                now = parse_db_time(dues[wanted - 1])
                started = time.perf_counter()
                done = rescore_due(store, upkeep, now)
                took = time.perf_counter() - started
                print(f"| {wanted:,} due | {done:,} re-scored | {took:.3f} s "
                      f"({took / max(done, 1) * 1000:.2f} ms a case) |")
                dues = [row[0] for row in store.conn.execute(
                    "SELECT rescore_at FROM cases WHERE rescore_at IS NOT NULL AND status IN"
                    " ('new', 'open', 'pending', 'on_hold') ORDER BY rescore_at")]


if __name__ == "__main__":
    main()
