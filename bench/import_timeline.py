#!/usr/bin/env python3
"""Where an import's wall time goes: its phases, and the CPU of this process (the one writer)
against its parser processes', every half second.

    python bench/import_timeline.py [MBOX]     # default: the import bench's 10,000 messages

It runs `import_mail` in-process as `omnitui import` does (its default workers, old mail
filed as history), on a fresh store. Read it with the import bench's model: on two cores the
filing phase cannot take less than the writer's CPU in it (each message waits for the one
writer), nor less than the CPU of all three processes over two (both cores busy).
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
MBOX = HERE / "out" / "mail-10000-s1.mbox"


def main() -> int:
    from omnitui.channels.email.sources import iter_mail_files
    from omnitui.config import Settings
    from omnitui.importer import import_mail
    from omnitui.store.db import Store

    mbox = Path(sys.argv[1]) if len(sys.argv) > 1 else MBOX
    if not mbox.exists():
        raise SystemExit(f"{mbox} is missing: run bench/import_bench.py once first")
    started = time.monotonic()
    me = psutil.Process()
    phases: list[tuple[str, float, float]] = []
    samples: list[tuple[float, float, float]] = []

    def mark(name: str) -> None:
        cpu = os.times()
        phases.append((name, time.monotonic() - started, cpu.user + cpu.system))

    def sample() -> None:  # a thread, started once the parser processes are forked
        while True:
            try:
                helpers = sum(sum(p.cpu_times()[:2]) for p in me.children())
                samples.append((time.monotonic() - started, sum(me.cpu_times()[:2]), helpers))
            except psutil.Error:
                pass
            time.sleep(0.5)

    class Progress:
        def filed(self, messages: int, consumed: int) -> None:
            if messages == 50:
                mark("first 50 filed")
                threading.Thread(target=sample, daemon=True).start()

        def finishing(self, messages: int) -> None:
            mark(f"all {messages:,} filed; the load's end begins")

    with Store(Path(tempfile.mkdtemp()) / "timeline.db") as store:
        mark("store open")
        counts = import_mail(store, Settings(), iter_mail_files([mbox]), progress=Progress(),
                             history_before=datetime.now(UTC) - timedelta(days=30))
        mark("import done")
    print(f"{counts}\n\n| s | writer CPU-s | phase |\n|---:|---:|---|")
    for name, at, cpu in phases:
        print(f"| {at:.2f} | {cpu:.2f} | {name} |")
    print("\n| s | writer CPU-s | parser processes CPU-s |\n|---:|---:|---:|")
    for at, writer, helpers in samples:
        print(f"| {at:.1f} | {writer:.2f} | {helpers:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
