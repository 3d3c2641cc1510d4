#!/usr/bin/env python3
"""F3 back to the supervisor's board, and opening a long case with `#`, in a real terminal
(tmux), timed as console_tmux_bench.py times its steps: polling `capture-pane`, from the key
to the first frame that changed and to the frame that shows the step done.

* F3 back: the console starts on the board (`--supervisor`); F3 leaves it for the queue and
  F3 shows it again: first frame, then filled (its headline read anew: no "updating…",
  no "reading the store…");
* open case N: `#`, N, enter on the queue: first frame, then the case's timeline settled
  (nothing changed for --settle ms); escape back.

    python bench/board_case_tmux.py /tmp/speed-1m.db --case 16 --runs 5 --size 200x50

Run it with another checkout's `omnitui` first on PATH to time that one.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from console_tmux_bench import CASE, MARKER, QUEUE, SESSION, SOCKET, screen, tmux, watch

BOARD = "late or due in"  # the board's headline, once read
NOT_YET = ("updating…", "reading the store…")


def until(condition: Callable[[str], bool], since: float, timeout: float = 30.0
          ) -> tuple[float, float]:
    """Poll until `condition(frame)`: (first frame that changed, the frame that holds) in ms
    after `since`."""
    before = screen()
    first = None
    while time.perf_counter() - since < timeout:
        frame = screen()
        now = time.perf_counter()
        if first is None and frame != before:
            first = now
        if condition(frame):
            return ((first or now) - since) * 1000, (now - since) * 1000
    raise SystemExit(f"timed out:\n{screen()}")


def board_filled(frame: str) -> bool:
    return BOARD in frame and not any(words in frame for words in NOT_YET)


def run(db: Path, case: int, runs: int, size: str, settle: float) -> dict[str, list[float]]:
    width, height = size.split("x")
    home = tempfile.mkdtemp(prefix="omnitui-bench-home-")
    tmux("kill-session", "-t", SESSION)
    command = (f"omnitui --db {shlex.quote(str(db))} --agent farid --supervisor;"
               f" echo {MARKER}; sleep 600")
    subprocess.run(["tmux", "-L", SOCKET, "new-session", "-d", "-s", SESSION, "-x", width,
                    "-y", height, "-e", f"HOME={home}", command], check=True)
    until(board_filled, time.perf_counter(), timeout=120)
    watch(time.perf_counter(), settle)
    found: dict[str, list[float]] = {}
    for _ in range(runs):
        tmux("send-keys", "-t", SESSION, "F3")
        until(lambda frame: QUEUE in frame and BOARD not in frame, time.perf_counter())
        watch(time.perf_counter(), settle)
        pressed = time.perf_counter()
        tmux("send-keys", "-t", SESSION, "F3")
        first, filled = until(board_filled, pressed)
        found.setdefault("F3 back: first frame", []).append(first)
        found.setdefault("F3 back: filled", []).append(filled)
        watch(time.perf_counter(), settle)
    tmux("send-keys", "-t", SESSION, "F3")
    until(lambda frame: QUEUE in frame and BOARD not in frame, time.perf_counter())
    for _ in range(runs):
        watch(time.perf_counter(), settle)
        tmux("send-keys", "-t", SESSION, "#")
        until(lambda frame: "Go to case number" in frame, time.perf_counter())
        tmux("send-keys", "-t", SESSION, str(case))
        until(lambda frame: f"{case}" in frame, time.perf_counter())
        watch(time.perf_counter(), settle)
        pressed = time.perf_counter()
        tmux("send-keys", "-t", SESSION, "Enter")
        first, shown = until(lambda frame: CASE in frame, pressed)
        seen = time.perf_counter()
        _, later, frames, _ = watch(seen, settle)  # more frames after the first with it?
        found.setdefault(f"open case {case}: first frame", []).append(first)
        found.setdefault(f"open case {case}: settled", []).append(
            (seen - pressed) * 1000 + later if frames else shown)
        tmux("send-keys", "-t", SESSION, "Escape")
        until(lambda frame: QUEUE in frame and CASE not in frame, time.perf_counter())
    tmux("send-keys", "-t", SESSION, "q")
    watch(time.perf_counter(), settle, done="Quit omnitui?")
    tmux("send-keys", "-t", SESSION, "y")
    until(lambda frame: MARKER in frame, time.perf_counter())
    tmux("kill-session", "-t", SESSION)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--case", type=int, default=16)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="200x50")
    parser.add_argument("--settle", type=float, default=300, help="ms of a still screen")
    args = parser.parse_args()
    found = run(args.db, args.case, args.runs, args.size, args.settle / 1000)
    which = subprocess.run(["which", "omnitui"], capture_output=True, text=True).stdout
    print(f"omnitui: {which.strip()} · {args.size} · {args.runs} runs"
          f" · load {os.getloadavg()[0]:.1f}")
    print("| step | median | min | max |\n|---|---:|---:|---:|")
    for step, values in found.items():
        print(f"| {step} | {statistics.median(values):.0f} | {min(values):.0f} |"
              f" {max(values):.0f} |")


if __name__ == "__main__":
    main()
