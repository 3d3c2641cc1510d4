"""Time every SQL statement omnitui runs, grouped by statement text (benchmark helper).

    with sql_timing() as stats:
        ...open a Store and work...
    print(report(stats))

Stores opened inside the block get a Connection subclass whose execute() is timed; nothing in
omnitui is edited. COMMIT's time includes what SQLite does at commit: writing the WAL frames,
FTS5 flushing its pending terms, and the automatic WAL checkpoint when it falls due.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

import omnitui.store.db as store_db

_SPACE = re.compile(r"\s+")


@contextmanager
def sql_timing() -> Iterator[dict[str, list[float]]]:
    stats: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])

    class TimedConnection(sqlite3.Connection):
        def execute(self, sql, params=()):  # type: ignore[override]
            started = time.perf_counter()
            try:
                return super().execute(sql, params)
            finally:
                entry = stats[_SPACE.sub(" ", sql).strip()[:120]]
                entry[0] += 1
                entry[1] += time.perf_counter() - started

    real = store_db.sqlite3
    shim = SimpleNamespace(**{name: getattr(sqlite3, name) for name in dir(sqlite3)
                              if not name.startswith("__")})
    shim.connect = lambda *a, **k: sqlite3.connect(*a, factory=TimedConnection, **k)
    store_db.sqlite3 = shim  # type: ignore[assignment]
    try:
        yield stats
    finally:
        store_db.sqlite3 = real


def report(stats: dict[str, list[float]], wall: float, top: int = 15) -> str:
    total = sum(t for _, t in stats.values())
    calls = sum(n for n, _ in stats.values())
    lines = [f"SQL: {total:.2f} s of {wall:.2f} s wall in {calls:,} statements "
             f"({100 * total / wall:.0f}%)", "",
             "| seconds | calls | µs/call | statement |", "|---:|---:|---:|---|"]
    for sql, (n, t) in sorted(stats.items(), key=lambda kv: -kv[1][1])[:top]:
        lines.append(f"| {t:.2f} | {n:,} | {1e6 * t / n:.0f} | `{sql[:100]}` |")
    return "\n".join(lines)
