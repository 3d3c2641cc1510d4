#!/usr/bin/env python3
"""Start-up cost as a count of CPU instructions (valgrind's cachegrind), for the figures a
shared machine's noise hides: wall time from one minute to the next moves by a third here,
a command's instruction count by under 0.1%, with hash randomization fixed
(PYTHONHASHSEED=0).

For each command: the instructions of the whole process, against `python -c "import typer,
rich"` (the floor a typer CLI pays, as in console_tmux_bench.py); and for the console, from
its start to its first paint of the queue (this script's --first-paint mode: the real
`omnitui` command, which quits at the moment it would start its after-paint work), in a
200x50 tmux, the least of three runs (the thread that loads the queue's id list competes
with the first paint, by up to 10% of the count). Milliseconds are estimated from the
floor's own wall time on this machine, to read the counts against the targets; the counts
are what to compare between commits.

    python bench/start_instructions.py                      # the 1M store
    python bench/start_instructions.py --store bench/out/queue-100k.db

Needs valgrind (apt-get install valgrind) and tmux. Writes bench/out/start-instructions.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_line, write_report
from console_tmux_bench import AGENT, CLI, compile_bytecode, forget_drafts, usual_cases

OUT = Path(__file__).resolve().parent / "out"
FLOOR = [sys.executable, "-c", "import typer, rich"]
SESSION = "omnitui-instructions"


def instructions(command: list[str], env: dict[str, str]) -> int:
    """The instructions `command` and its children ran, by cachegrind."""
    with tempfile.NamedTemporaryFile("r", suffix=".log") as log:
        subprocess.run(["valgrind", "--tool=cachegrind", "--cache-sim=no",
                        "--trace-children=yes", "--cachegrind-out-file=/dev/null",
                        f"--log-file={log.name}", *command], env=env, check=False,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        return total_refs(Path(log.name).read_text())


def total_refs(log: str) -> int:
    found = re.findall(r"I\s+refs:\s+([\d,]+)", log)
    if not found:
        raise SystemExit(f"cachegrind gave no count:\n{log[-2000:]}")
    return sum(int(n.replace(",", "")) for n in found)


def first_paint_instructions(store: Path, env: dict[str, str]) -> int:
    """The console, in tmux, from its start to its first paint (then it quits)."""
    forget_drafts(store)
    with tempfile.NamedTemporaryFile("r", suffix=".log") as log:
        command = shlex.join(["valgrind", "--tool=cachegrind", "--cache-sim=no",
                              "--cachegrind-out-file=/dev/null", f"--log-file={log.name}",
                              sys.executable, __file__, "--first-paint", str(store)])
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
        subprocess.run(["tmux", "new-session", "-d", "-s", SESSION, "-x", "200", "-y", "50",
                        *(f"-e{k}={env[k]}" for k in ("HOME", "PYTHONHASHSEED")), command],
                       check=True)
        deadline = time.monotonic() + 300
        while "I   refs" not in (text := Path(log.name).read_text()):
            if time.monotonic() > deadline:
                raise SystemExit(f"the console never painted under valgrind:\n{text[-2000:]}")
            time.sleep(0.5)
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
        return total_refs(text)


def run_to_first_paint(store: Path) -> None:
    """--first-paint: `omnitui --db STORE` as typed, ending where the console would start
    what waits for its first paint."""
    import omnitui.tui.app as console_app
    from omnitui.cli import main

    console_app.OmnituiApp._after_first_paint = lambda self: os._exit(0)  # type: ignore[method-assign]
    sys.argv = ["omnitui", "--db", str(store), "--agent", AGENT]
    main()


def floor_ms(env: dict[str, str], runs: int = 15) -> float:
    """The floor's fastest wall time here: the machine's rate, to turn counts into ms."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(FLOOR, env=env, check=True)
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, default=OUT / "queue-1M.db")
    parser.add_argument("--first-paint", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.first_paint:
        run_to_first_paint(args.first_paint)
        return 0
    compile_bytecode()
    omnitui = str(Path(sys.executable).parent / "omnitui")
    cases = usual_cases(args.store)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": f"{home}/.config",
               "XDG_DATA_HOME": f"{home}/.local/share", "PYTHONHASHSEED": "0"}
        env.pop("OMNITUI_CONFIG", None)
        floor = instructions(FLOOR, env)
        rate = floor / statistics.median([floor_ms(env) for _ in range(3)])  # per ms
        # The queue's id-list thread competes with the first paint, so its share of the count
        # varies from run to run: the least of three is the paint's own.
        paints = [first_paint_instructions(args.store, env) for _ in range(3)]
        rows = [(f"console: start to first paint (200x50; least of 3, the most "
                 f"{max(paints) / 1e6:,.0f}M)", min(paints))]
        for label in (c.format(**cases) for c in CLI):
            rows.append((f"`omnitui {label}`", instructions(
                [omnitui, "--db", str(args.store), *shlex.split(label)], env)))
    lines = ["# Start-up in CPU instructions", "", machine_line(), "",
             f"`python bench/start_instructions.py --store {args.store}`", "",
             f"`python -c \"import typer, rich\"`: {floor / 1e6:,.0f} M instructions; "
             f"{floor / rate:.0f} ms at its best here, so 1 ms is about {rate / 1e6:.1f} M.",
             "", "| what | M instructions | over the floor | ~ms over the floor |",
             "|---|---:|---:|---:|"]
    for label, count in rows:
        lines.append(f"| {label} | {count / 1e6:,.0f} | {(count - floor) / 1e6:+,.0f} | "
                     f"{(count - floor) / rate:+.0f} |")
    write_report("start-instructions.md", "\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
