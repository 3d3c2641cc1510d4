#!/usr/bin/env python3
"""The console as an agent sees it: `omnitui` in a real terminal (tmux), timed by polling
`tmux capture-pane` every few milliseconds, so start-up, imports, paints and shutdown all
count (Pilot hides them).

For each store and terminal size, over --runs fresh starts:

* first paint: from starting the command to the first frame with queue rows on it; queue
  counted: until the status bar has the view's exact count ("477,386 cases", not "100+");
* open case (enter on the first row), reply composer (`r`, and once more later: the console
  keeps one composer), cancel it (escape), back to the queue (`h`, `q`, escape), open the
  help (`?`) and close it: from the key to the LAST frame
  that changed (the screen then stays still for --settle ms), with how many distinct frames
  were drawn in between ("paints": 1 means the final state came in one paint);
* quit (`q` on the queue, then `y`): from the `y` until the shell prints the marker after omnitui.

And, without a terminal, each headless command's start against `python -c "import typer,
rich"` (the floor a typer CLI pays), interleaved over --cli-runs:

    python bench/console_tmux_bench.py                          # the 1M store, 200x50
    python bench/console_tmux_bench.py --size 200x50 --size 80x24 --store bench/out/queue-100k.db
    python bench/console_tmux_bench.py --cli-only

The stores are the ones queue_bench.py builds. Writes bench/out/console-tmux-results.md.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line, write_report

OUT = Path(__file__).resolve().parent / "out"
SESSION = "omnitui-bench"
SOCKET = "omnitui-bench"  # tmux -L: a server of its own, apart from the user's sessions
AGENT = "omnitui-bench"  # the console's agent: its drafts are the bench's to throw away
MARKER = "__omnitui_exited__"
# words only that screen shows
QUEUE, CASE, COMPOSER, HELP = "cases │", "esc Back", "^j send", "Keys (change them"
# (label, keys, the words on screen once it is done; "!" before a word: no longer there)
STEPS = [
    ("open case", "Enter", CASE),
    ("reply composer", "r", COMPOSER),
    ("cancel composer", "Escape", "!" + COMPOSER),
    ("back (h)", "h", QUEUE),
    ("open case again", "Enter", CASE),
    ("reply composer again", "r", COMPOSER),  # the console's one composer, filled again
    ("cancel it again", "Escape", "!" + COMPOSER),
    ("back (q)", "q", QUEUE),
    ("open case, 3rd", "Enter", CASE),
    ("back (escape)", "Escape", QUEUE),
    ("help (?)", "?", HELP),
    ("close help", "Escape", "!" + HELP),
]


def shows(frame: str, words: str) -> bool:
    return words[1:] not in frame if words.startswith("!") else words in frame


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True).stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", SESSION)


def watch(since: float, settle: float, timeout: float = 20.0,
          done: str | None = None) -> tuple[float, float, int, str]:
    """Poll until the screen has held still for `settle` s (and shows `done`, if given):
    (first change, last change) in ms after `since`, distinct frames, the final frame."""
    last = screen()
    frames, first, changed = 0, None, since
    end = since + timeout
    while time.perf_counter() < end:
        now_screen = screen()
        now = time.perf_counter()
        if now_screen != last:
            frames += 1
            first = first or now
            changed, last = now, now_screen
        elif now - changed >= settle and frames and (done is None or shows(last, done)):
            break
    return ((first or since) - since) * 1000, (changed - since) * 1000, frames, last


def has_rows(text: str) -> bool:
    """The queue's first page and its status bar (the count may still say "100 cases+")."""
    return " cases" in text and "│" in text and any(
        line.strip()[:1].isdigit() for line in text.splitlines())


def one_run(store: Path, size: str, env: dict[str, str], settle: float) -> dict[str, float]:
    width, height = size.split("x")
    tmux("kill-session", "-t", SESSION)
    forget_drafts(store)
    command = (f"omnitui --db {shlex.quote(str(store))} --agent {AGENT}; echo {MARKER};"
               " sleep 600")
    started = time.perf_counter()
    subprocess.run(["tmux", "-L", SOCKET, "new-session", "-d", "-s", SESSION, "-x", width,
                    "-y", height, "-e", f"HOME={env['HOME']}", command], check=True)
    result: dict[str, float] = {}
    while not has_rows(screen()):
        if time.perf_counter() - started > 60:
            raise SystemExit(f"no queue on screen after 60 s:\n{screen()}")
    result["first paint"] = (time.perf_counter() - started) * 1000
    while QUEUE not in screen():
        if time.perf_counter() - started > 60:
            raise SystemExit(f"the queue was never counted:\n{screen()}")
    result["queue counted"] = (time.perf_counter() - started) * 1000
    watch(time.perf_counter(), settle)  # let the id list and the counts arrive
    for label, key, ready in STEPS:
        pressed = time.perf_counter()
        tmux("send-keys", "-t", SESSION, key)
        _, last, frames, frame = watch(pressed, settle, done=ready)
        if not shows(frame, ready):
            raise SystemExit(f"{label}: {ready!r} never came on screen:\n{frame}")
        result[label] = last
        result[f"{label} paints"] = frames
    tmux("send-keys", "-t", SESSION, "q")  # the queue asks first
    watch(time.perf_counter(), settle, done="Quit omnitui?")
    pressed = time.perf_counter()
    tmux("send-keys", "-t", SESSION, "y")
    while MARKER not in screen():
        if time.perf_counter() - pressed > 30:
            raise SystemExit(f"omnitui did not quit:\n{screen()}")
    result["quit"] = (time.perf_counter() - pressed) * 1000
    tmux("kill-session", "-t", SESSION)
    return result


def console_table(store: Path, size: str, runs: int, env: dict[str, str],
                  settle: float) -> list[str]:
    samples = [one_run(store, size, env, settle) for _ in range(runs)]
    lines = [f"### {store.name}, {size}, {runs} runs (ms; paints = distinct frames drawn)", "",
             "| step | median | min | max | paints (median) |", "|---|---:|---:|---:|---:|"]
    for key in samples[0]:
        if key.endswith(" paints"):
            continue
        values = [s[key] for s in samples]
        paints = samples[0].get(f"{key} paints")
        paint = (f"{statistics.median(s[f'{key} paints'] for s in samples):g}"
                 if paints is not None else "")
        lines.append(f"| {key} | {statistics.median(values):.0f} | {min(values):.0f} | "
                     f"{max(values):.0f} | {paint} |")
    return [*lines, ""]


# {read} and {write}: cases of usual size (the demo's case 1 has thousands of messages:
# printing them is not start-up). Two of them: every run tags {write} and undoes it, two
# audit rows more on its history each time, and `case` would then time the bench's own
# history (347 rows on case 1 of queue-1M.db by 2026-12-04, against 6 to 13 on its
# neighbours).
CLI = ["--help", "cases --help", "cases --bogus", "cases --limit 20",
       "cases --format json --limit 20", "cases --format ids --status new --owner none",
       "case {read} --format json", "tag --add bench {write}", "suggestions --format json",
       "undo"]


def forget_drafts(store: Path) -> None:
    """The bench's own agent starts with no kept draft: one left by an interrupted run (or
    typed by hand) would come back in the composer, and escape would then ask first."""
    with closing(sqlite3.connect(store)) as conn, conn:
        conn.execute("DELETE FROM drafts WHERE agent = ?", (AGENT,))


def usual_cases(store: Path) -> dict[str, int]:
    """The first case of usual size to write (the one earlier runs wrote), and the first
    other one whose history is of usual size too, to read."""
    with closing(sqlite3.connect(store)) as conn:
        usual = [r[0] for r in conn.execute(
            "SELECT case_id FROM messages GROUP BY case_id HAVING count(*) BETWEEN 2 AND 20"
            " ORDER BY case_id LIMIT 100")]
        read = next(c for c in usual[1:] if conn.execute(
            "SELECT count(*) FROM audit WHERE case_id = ?", (c,)).fetchone()[0] <= 20)
    return {"write": usual[0], "read": read}


def cli_table(store: Path, runs: int, env: dict[str, str]) -> list[str]:
    floor = f"{shlex.quote(sys.executable)} -c 'import typer, rich'"
    omnitui = str(Path(sys.executable).parent / "omnitui")
    cases = usual_cases(store)
    labels = [c.format(**cases) for c in CLI]
    commands = [floor, *(f"{omnitui} --db {shlex.quote(str(store))} {c}" for c in labels)]
    times: dict[str, list[float]] = {c: [] for c in commands}
    for _ in range(runs):  # interleaved: a busy moment of the machine hits every command
        for command in commands:
            started = time.perf_counter()
            subprocess.run(command, shell=True, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
            times[command].append((time.perf_counter() - started) * 1000)
    base = statistics.median(times[floor])
    lines = [f"### Headless commands on {store.name}, {runs} interleaved runs", "",
             f"`python -c \"import typer, rich\"`: {base:.0f} ms (median).", "",
             "| command | median ms | over the floor |", "|---|---:|---:|"]
    for command, label in zip(commands[1:], labels, strict=True):
        median = statistics.median(times[command])
        lines.append(f"| `omnitui {label}` | {median:.0f} | {median - base:+.0f} |")
    return [*lines, ""]


def compile_bytecode() -> None:
    """Time omnitui as an installed copy starts: from its cached bytecode. An editable
    install writes it on the first run, unless PYTHONDONTWRITEBYTECODE is set (as on this
    machine), and then every start compiled each module changed since: 70 of 176 modules on
    2026-12-03, which inflated every start-up figure before that day. Forced: compileall
    trusts a cached file stamped with the source's second, but an edit later in that second
    (a formatter's) leaves it stale for the import, which also checks the size (2026-12-04:
    eleven modules compiled at every start after a bulk edit)."""
    import compileall

    import omnitui

    compileall.compile_dir(Path(omnitui.__file__).parent, quiet=1, force=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, action="append")
    parser.add_argument("--size", action="append")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cli-runs", type=int, default=15)
    parser.add_argument("--settle", type=float, default=400, help="ms without a change")
    parser.add_argument("--cli-only", action="store_true")
    parser.add_argument("--console-only", action="store_true")
    args = parser.parse_args(argv)
    stores = args.store or [OUT / "queue-1M.db"]
    compile_bytecode()
    sizes = args.size or ["200x50"]
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": f"{home}/.config",
               "XDG_DATA_HOME": f"{home}/.local/share"}
        env.pop("OMNITUI_CONFIG", None)
        lines = ["# The console in a real terminal (tmux) and the CLI's start", "",
                 machine_line(), "", f"`python bench/console_tmux_bench.py "
                 f"{' '.join(argv if argv is not None else sys.argv[1:])}`", ""]
        for store in stores:
            if not args.cli_only:
                for size in sizes:
                    lines += console_table(store, size, args.runs, env, args.settle / 1000)
                    print("\n".join(lines[-20:]), flush=True)
            if not args.console_only:
                lines += cli_table(store, args.cli_runs, env)
                print("\n".join(lines[-16:]), flush=True)
    write_report("console-tmux-results.md", "\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
