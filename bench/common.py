"""Shared bits of the benchmark scripts: which machine and code a result came from, and
measuring a process tree (wall time, CPU time, peak memory)."""

from __future__ import annotations

import hashlib
import os
import platform
import resource
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent


def code_state() -> str:
    """The commit measured, and whether omnitui/ had uncommitted changes (with their hash)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True,
                              text=True).stdout
    head = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    diff = git("diff", "HEAD", "--", "omnitui")
    if not diff:
        return f"omnitui at {head}"
    digest = hashlib.sha1(diff.encode()).hexdigest()[:8]
    return f"omnitui at {head} + uncommitted changes (diff {digest})"


def machine_line() -> str:
    return (f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, "
            f"{psutil.virtual_memory().total / 2**30:.0f} GB RAM, Python "
            f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}; {code_state()}")


SAMPLE_EVERY = 0.1  # seconds


def measure(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None
            ) -> dict[str, float | int | str]:
    """Run `cmd`; wall seconds, CPU seconds (the tree's), peak RSS (tree sum, main alone).

    Output goes to temporary files, not pipes, so a chatty child never blocks on a full pipe.
    The memory is sampled every SAMPLE_EVERY seconds: finding a process's children walks
    all of /proc, and every 20 ms that took 8% of a core, which a command using both cores
    (omnitui's import with its parser processes) lost to it, and a one-process contender
    (notmuch, the floor) did not: about 0.3 s of the import's 7 s.
    """
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = psutil.Popen(cmd, env=env, cwd=cwd, stdout=out_file, stderr=err_file)
        peak_tree = peak_main = 0
        seen: set[int] = set()
        while proc.poll() is None:
            try:
                tree = [proc, *proc.children(recursive=True)]
            except psutil.Error:
                tree = [proc]
            total = 0
            for p in tree:
                try:
                    rss = p.memory_info().rss
                except psutil.Error:
                    continue
                seen.add(p.pid)
                total += rss
                if p.pid == proc.pid:
                    peak_main = max(peak_main, rss)
            peak_tree = max(peak_tree, total)
            time.sleep(SAMPLE_EVERY)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    return {"wall": wall,
            "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "peak_tree_mb": peak_tree / 2**20, "peak_main_mb": peak_main / 2**20,
            "max_single_mb": after.ru_maxrss / 1024,  # largest descendant ever (Linux: KiB)
            "processes": len(seen), "stdout": out.decode()[-500:]}


def cprofile_section(run: Callable[[], object], dump: Path, title: str, top: int) -> list[str]:
    """cProfile `run`, save the raw stats to `dump`, and return a markdown section with the
    top functions by own time and by cumulative time."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    run()
    profiler.disable()
    profiler.dump_stats(dump)
    buffer = io.StringIO()
    stats = pstats.Stats(profiler, stream=buffer)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top + 10)
    return [f"#### {title}", "", "```", buffer.getvalue().strip(), "```"]


def write_report(name: str, report: str) -> None:
    """Keep a benchmark's table in bench/out/<name> and show it."""
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / name).write_text(report)
    print(report)
