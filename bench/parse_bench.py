#!/usr/bin/env python3
"""The parser processes' work alone: parsing and reading the import bench's 10,000 messages
(`importer._parse_many`, attachments stored too), in one process, then split between two
processes running at once, as `omnitui import` runs them on two cores.

    python bench/parse_bench.py

What the two take together against the one says how much more the same work costs when
both cores are busy (on the machine of 2026-12-07: 5.48 CPU-s alone, 6.50 in two).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MBOX = HERE / "out" / "mail-10000-s1.mbox"


def main() -> int:
    from omnitui.channels.email.parse import mail_reading
    from omnitui.channels.email.sources import iter_mail_files
    from omnitui.config import Settings
    from omnitui.importer import _parse_many
    from omnitui.triage.classify import load_models

    if not MBOX.exists():
        raise SystemExit(f"{MBOX} is missing: run bench/import_bench.py once first")
    settings = Settings()
    items = list(iter_mail_files([MBOX]))
    load_models(settings.triage)
    blobs = Path(tempfile.mkdtemp())

    def cpu_of(part: list) -> float:
        started = time.process_time()
        _parse_many(part, blob_dir=blobs, triage=settings.triage, intents=settings.intents,
                    semantic=settings.semantic, **mail_reading(settings))
        return time.process_time() - started

    alone = cpu_of(items)
    print(f"one process, {len(items):,} messages: {alone:.2f} CPU-s "
          f"({1e6 * alone / len(items):.0f} µs a message)")
    half = len(items) // 2
    reads = []
    for part in (items[:half], items[half:]):
        read, write = os.pipe()
        if os.fork() == 0:
            os.close(read)
            os.write(write, f"{cpu_of(part):.4f}".encode())
            os._exit(0)
        os.close(write)
        reads.append(read)
    spent = []
    for read in reads:
        with os.fdopen(read) as pipe:
            spent.append(float(pipe.read()))
        os.wait()
    print(f"two processes at once, {half:,} each: {' + '.join(f'{s:.2f}' for s in spent)} "
          f"= {sum(spent):.2f} CPU-s ({sum(spent) / alone:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
