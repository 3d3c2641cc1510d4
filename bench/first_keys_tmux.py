#!/usr/bin/env python3
"""The console's first seconds in a real terminal (tmux): the start, and a filter typed as
soon as the queue shows, timed as console_tmux_bench.py times its steps (polling
`capture-pane`), for several versions of omnitui in interleaved rounds.

* first paint: from starting the command to the first frame with queue rows; counted:
  until the status bar has the view's exact count ("30,140 cases", not "100+");
* --after ms after the first paint (an agent who knows what they want), `/` and
  `status:solved` typed, every key --gap ms after the one before (0: at once, as pasted
  or typed ahead): from `/` to the box on screen, and from the last key to the first page
  of solved cases and to the status bar's count of them;
* the console's CPU (user + system) over the whole run, start to quit: `/usr/bin/time`.

    python bench/first_keys_tmux.py /tmp/wtstart-1m.db --rounds 4 \\
        --version before="PYTHONPATH=/tmp/before python -m omnitui" \\
        --version after="PYTHONPATH=/work/wt-start python -m omnitui"
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import console_tmux_bench as terminal
from board_case_tmux import until
from console_tmux_bench import MARKER, QUEUE, tmux
from solved_help_tmux import key, settled

FILTER = "status:solved"
SOLVED = " solved "  # a row's status


def evict(db: Path) -> None:
    """Drop the store's pages (and its WAL's) from the page cache, this file's only: the
    start of the day, or a store the machine's other work pushed out."""
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        if path.exists():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def run(command: str, db: Path, size: str, after: float, gap: float, open_count: str,
        solved_count: str, cold: bool) -> dict[str, float]:
    width, height = size.split("x")
    home = tempfile.mkdtemp(prefix="omnitui-bench-home-")
    cpu = Path(home) / "cpu"
    if cold:
        evict(db)
    tmux("kill-session", "-t", terminal.SESSION)
    for _ in range(3):  # (the server of the run before may still be exiting)
        started = time.perf_counter()
        if not subprocess.run(["tmux", "-L", terminal.SOCKET, "new-session", "-d", "-s",
                               terminal.SESSION, "-x", width, "-y", height, "-e",
                               f"HOME={home}", f"/usr/bin/time -f '%U %S' -o {cpu} {command}"
                               f" --db {db} --agent farid; echo {MARKER}; sleep 600"]
                              ).returncode:
            break
        time.sleep(0.5)
    else:
        raise SystemExit("tmux would not start a session")
    found: dict[str, float] = {}
    _, found["first paint"] = until(lambda frame: QUEUE in frame, started, timeout=120)
    time.sleep(after)
    opened = key("/")
    for char in FILTER:
        if gap:
            time.sleep(gap)
        last = key(char, literal=True)
    _, box = until(lambda frame: "search words, #N" in frame or FILTER[:8] in frame, opened)
    found["/ to the box"] = box
    _, found["last key to page"] = until(lambda frame: SOLVED in frame, last)
    _, found["last key to count"] = until(lambda frame: f"{solved_count} cases" in frame,
                                          last)
    key("Escape")
    key("Escape")
    _, found["back: counted"] = until(lambda frame: f"{open_count} cases" in frame
                                      and SOLVED not in frame, time.perf_counter())
    settled(time.perf_counter(), 0.3)
    key("q")
    settled(time.perf_counter(), 0.3, lambda frame: "Quit omnitui?" in frame)
    key("y")
    until(lambda frame: MARKER in frame, time.perf_counter())
    tmux("kill-session", "-t", terminal.SESSION)
    user, system = cpu.read_text().split()[-2:]
    found["CPU s (whole run)"] = float(user) + float(system)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", type=Path)
    parser.add_argument("--version", action="append", required=True,
                        help="name=command (the command runs omnitui)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--size", default="200x50")
    parser.add_argument("--after", type=float, default=300, help="ms after the first paint")
    parser.add_argument("--gap", type=float, default=0, help="ms between typed keys")
    parser.add_argument("--cold", action="store_true",
                        help="drop the store's pages from the page cache before each start")
    parser.add_argument("--socket", default=terminal.SOCKET, help="tmux -L")
    parser.add_argument("--open", default="30,140", help="the queue's count at start")
    parser.add_argument("--solved", default="236,620", help="the count of status:solved")
    args = parser.parse_args()
    terminal.SOCKET = args.socket
    versions = dict(version.split("=", 1) for version in args.version)
    found: dict[str, dict[str, list[float]]] = {name: {} for name in versions}
    loads = []
    for _ in range(args.rounds):
        for name, command in versions.items():
            loads.append(os.getloadavg()[0])
            for label, value in run(command, args.store, args.size, args.after / 1000,
                                    args.gap / 1000, args.open, args.solved,
                                    args.cold).items():
                found[name].setdefault(label, []).append(value)
    print(f"{args.store}{' (cold)' if args.cold else ''}, {args.size}, {args.rounds}"
          f" interleaved rounds, keys typed "
          f"{args.after:.0f} ms after the first paint, {args.gap:.0f} ms apart; load "
          f"{min(loads):.1f}-{max(loads):.1f}: median (min-max), ms unless said")
    for label in found[next(iter(versions))]:
        digits = 2 if "CPU" in label else 0
        cells = [f"{statistics.median(v):.{digits}f} ({min(v):.{digits}f}-{max(v):.{digits}f})"
                 for v in (found[name][label] for name in versions)]
        print(f"{label:22} " + " | ".join(f"{name}: {cell}" for name, cell in
                                          zip(versions, cells, strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
