#!/usr/bin/env python3
"""The console at 10k, 100k and 1M cases, headless (Textual's run_test, no terminal):

* first paint: from creating the app to the first page of the queue on screen;
* full list: until the whole ordered id list of the view is loaded behind it;
* keystrokes: median and worst time for `j` (down), `ctrl+d` (half page), `G` (last row),
  each through Pilot (press, then wait until the screen is idle); an unbound key gives the
  harness's own cost, to subtract;
* filtering: time from typing a character into the search box to the narrowed list;
* opening a case (timeline of the customer's history and the customer pane drawn), and
  opening the reply composer on it;
* memory: the process's peak RSS after all of that.

    python bench/console_bench.py                      # the stores queue_bench.py built
    python bench/console_bench.py bench/out/queue-1M.db

Writes bench/out/console-results.md.
"""

from __future__ import annotations

import asyncio
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line, write_report

from omnitui.config import Settings
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens.case import CaseScreen
from omnitui.tui.widgets.case_list import CaseList

OUT = Path(__file__).resolve().parent / "out"
DEFAULT = [OUT / "queue-10k.db", OUT / "queue-100k.db", OUT / "queue-1M.db"]


async def measure(path: Path) -> dict[str, float]:
    started = time.perf_counter()
    app = OmnituiApp(path, Settings(), "alice")
    result: dict[str, float] = {}
    async with app.run_test(size=(160, 50)) as pilot:
        cases = app.queue.query_one(CaseList)
        while not cases.ids:
            await asyncio.sleep(0.001)
        await pilot.pause()
        result["first paint ms"] = (time.perf_counter() - started) * 1000
        await app.workers.wait_for_complete()
        result["full id list ms"] = (time.perf_counter() - started) * 1000
        result["cases"] = len(cases.ids)
        for key, label in (("f12", "unbound key (harness cost)"), ("j", "j"),
                           ("ctrl+d", "ctrl+d"), ("G", "G"), ("g", "g")):
            times = []
            for _ in range(20 if key in ("f12", "j", "ctrl+d") else 3):
                t = time.perf_counter()
                await pilot.press(key)
                await pilot.pause()
                times.append((time.perf_counter() - t) * 1000)
            result[f"{label} median ms"] = statistics.median(times)
            result[f"{label} worst ms"] = max(times)
        times = []
        await pilot.press("slash")
        for char in "refund":
            t = time.perf_counter()
            await pilot.press(char)
            await app.workers.wait_for_complete()
            await pilot.pause()
            times.append((time.perf_counter() - t) * 1000)
        result["filter keystroke median ms"] = statistics.median(times)
        result["filter keystroke worst ms"] = max(times)
        await pilot.press("escape")  # clear the search: back to the whole view
        await app.workers.wait_for_complete()
        opens, replies = [], []
        for _ in range(8):
            t = time.perf_counter()
            await pilot.press("enter")  # the case screen, timeline and customer pane drawn
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert isinstance(app.screen, CaseScreen)
            opens.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            await pilot.press("r")  # the composer, addressed
            await pilot.pause()
            replies.append((time.perf_counter() - t) * 1000)
            await pilot.press("escape", "escape", "j")
            await pilot.pause()
        result["open case median ms"] = statistics.median(opens)
        result["open case worst ms"] = max(opens)
        result["open reply composer median ms"] = statistics.median(replies)
    result["peak RSS MB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def main() -> int:
    paths = [Path(p) for p in sys.argv[1:]] or [p for p in DEFAULT if p.exists()]
    if not paths:
        raise SystemExit("no stores: run bench/queue_bench.py first, or name a store")
    rows = {}
    for path in paths:
        print(f"measuring {path.name} ...", flush=True)
        rows[path.name] = asyncio.run(measure(path))
        print(rows[path.name], flush=True)
    names = list(rows)
    lines = [f"### Console, headless (160x50), {machine_line()}", "",
             "| measure | " + " | ".join(names) + " |",
             "|---|" + "---:|" * len(names)]
    for key in next(iter(rows.values())):
        lines.append(f"| {key} | " + " | ".join(
            f"{rows[n][key]:,.1f}" if key != "cases" else f"{rows[n][key]:,.0f}"
            for n in names) + " |")
    write_report("console-results.md", "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
