#!/usr/bin/env python3
"""The import's writer alone: CPU and wall of filing 10,000 parsed messages on a fresh store.

    python bench/filing_bench.py                 # 3 runs, the import's own batching
    python bench/filing_bench.py --batch 1000    # what-if: 1,000 messages a commit
    python bench/filing_bench.py --sql           # and every SQL statement timed (sqlprof)

The messages of `import_bench.py`'s mailbox are parsed and read once (by the import's own
parser processes) and kept in bench/out/filing-events.pickle; each run files them through
`intake_pipeline` inside `pipeline.bulk()`, as `omnitui import` does, so a change to the
writer is measured without the parsers' noise (the import's wall time moves ±10% from run
to run on a shared machine; this moves ±3%).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MBOX = HERE / "out" / "mail-10000-s1.mbox"
EVENTS = HERE / "out" / "filing-events.pickle"
sys.path.insert(0, str(HERE))


def parsed() -> bytes:
    if not EVENTS.exists():
        from omnitui.channels.email.sources import iter_mail_files
        from omnitui.config import Settings
        from omnitui.importer import parsed_events, parser_helpers
        from omnitui.ingest.readahead import default_workers

        if not MBOX.exists():
            raise SystemExit(f"{MBOX} is missing: run bench/import_bench.py once first")
        blobs = Path(tempfile.mkdtemp())
        with parser_helpers(default_workers(), Settings()) as helpers:
            events = list(parsed_events(iter_mail_files([MBOX]), helpers, blobs, Settings()))
        EVENTS.write_bytes(pickle.dumps(events))
    return EVENTS.read_bytes()


def file_once(blob: bytes, batch: int | None) -> tuple[float, float]:
    from omnitui.config import Settings
    from omnitui.services.intake import intake_pipeline
    from omnitui.store.db import Store

    events = pickle.loads(blob)
    with Store(Path(tempfile.mkdtemp()) / "store.db") as store:
        pipeline = intake_pipeline(store, Settings())
        limits = {} if batch is None else {"max_batch": batch, "max_seconds": 3600}
        cpu, wall = time.process_time(), time.perf_counter()
        with pipeline.bulk():
            for _ in pipeline.ingest_many(events, **limits):
                pass
        return time.process_time() - cpu, time.perf_counter() - wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch", type=int, help="messages a commit (what-if)")
    parser.add_argument("--sql", action="store_true", help="also time every SQL statement")
    args = parser.parse_args()
    blob = parsed()
    for _ in range(args.runs):
        cpu, wall = file_once(blob, args.batch)
        print(f"filing: {cpu:.2f} CPU-s, {wall:.2f} s wall", flush=True)
    if args.sql:
        from sqlprof import report, sql_timing

        with sql_timing() as stats:
            _, wall = file_once(blob, args.batch)
        print(report(stats, wall))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
