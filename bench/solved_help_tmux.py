#!/usr/bin/env python3
"""`status:solved` in the queue's orders, and the help, in a real terminal (tmux), timed as
console_tmux_bench.py times its steps: polling `capture-pane`, from the key to the first
frame that changed and to the frame that shows the step done.

* `status:solved` by priority, SLA and last activity: the order picked with `s`, `/` and
  `status:solve` typed, then the last key `d`: to its echo in the box (the first frame), to
  the first page of solved cases, and to the status bar's count of them (the id list read
  in a worker); escape clears it;
* `?` the help, twice a run (the first builds the screen), to the frame with it, settled;
  escape closes it.

    python bench/solved_help_tmux.py /tmp/speed-1m.db --runs 4 --size 200x50

Run it with another checkout's `omnitui` first on PATH to time that one.
"""

from __future__ import annotations

import argparse
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import console_tmux_bench as terminal
from board_case_tmux import until
from console_tmux_bench import HELP, MARKER, QUEUE, screen, tmux

ORDERS = {"priority": 0, "sla": 1, "updated": 3}  # `s` presses from priority
CYCLE = 4  # `s` steps through priority, SLA, newest, last activity
SOLVED = " solved "  # a row's status


def settled(since: float, settle: float, done: Callable[[str], bool] = bool) -> float:
    """Poll until the screen has held still for `settle` s and `done(frame)`: the last
    change, in ms after `since` (0: none after the first look)."""
    last, changed = screen(), since
    while time.perf_counter() - since < 30:
        frame = screen()
        now = time.perf_counter()
        if frame != last:
            last, changed = frame, now
        elif now - changed >= settle and done(frame):
            return (changed - since) * 1000
    raise SystemExit(f"never settled:\n{last}")


def key(keys: str, literal: bool = False) -> float:
    pressed = time.perf_counter()
    tmux("send-keys", "-t", terminal.SESSION, *(["-l"] if literal else []), keys)
    return pressed


def run(db: Path, size: str, settle: float, count: str) -> dict[str, list[float]]:
    width, height = size.split("x")
    home = tempfile.mkdtemp(prefix="omnitui-bench-home-")
    tmux("kill-session", "-t", terminal.SESSION)
    command = f"omnitui --db {shlex.quote(str(db))} --agent farid; echo {MARKER}; sleep 600"
    subprocess.run(["tmux", "-L", terminal.SOCKET, "new-session", "-d", "-s",
                    terminal.SESSION, "-x", width, "-y", height, "-e", f"HOME={home}",
                    command], check=True)
    until(lambda frame: QUEUE in frame, time.perf_counter(), timeout=60)
    settled(time.perf_counter(), settle)
    found: dict[str, list[float]] = {}
    for order, presses in ORDERS.items():
        for _ in range(presses):
            key("s")
            settled(time.perf_counter(), settle)
        key("/")
        key("status:solve", literal=True)
        settled(time.perf_counter(), settle)
        pressed = key("d")
        first, page = until(lambda frame: SOLVED in frame, pressed)
        _, counted = until(lambda frame: f"{count} cases" in frame, pressed)
        found.setdefault(f"{order}: echo", []).append(first)
        found.setdefault(f"{order}: first page", []).append(page)
        found.setdefault(f"{order}: counted", []).append(counted)
        key("Escape")
        until(lambda frame: SOLVED not in frame, time.perf_counter())
        key("Escape")
        settled(time.perf_counter(), settle)
        for _ in range((CYCLE - presses) % CYCLE):  # back to priority
            key("s")
            settled(time.perf_counter(), settle)
    for label in ("help, first", "help, again"):
        pressed = key("?")
        found.setdefault(label, []).append(
            settled(pressed, settle, lambda frame: HELP in frame))
        key("Escape")
        settled(time.perf_counter(), settle, lambda frame: HELP not in frame)
    key("q")
    settled(time.perf_counter(), settle, lambda frame: "Quit omnitui?" in frame)
    key("y")
    until(lambda frame: MARKER in frame, time.perf_counter())
    tmux("kill-session", "-t", terminal.SESSION)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--size", default="200x50")
    parser.add_argument("--settle", type=float, default=400, help="ms without a change")
    parser.add_argument("--socket", default=terminal.SOCKET, help="tmux -L")
    parser.add_argument("--solved", default="236,620", help="the status bar's count")
    args = parser.parse_args()
    terminal.SOCKET = args.socket
    runs = [run(args.store, args.size, args.settle / 1000, args.solved)
            for _ in range(args.runs)]
    print(f"{args.store}, {args.size}, {args.runs} runs: ms, median (min-max)")
    for label in runs[0]:
        values = [value for found in runs for value in found[label]]
        print(f"{label:28} {statistics.median(values):6.0f} "
              f"({min(values):.0f}-{max(values):.0f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
