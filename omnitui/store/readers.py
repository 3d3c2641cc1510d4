"""Connections kept open for a console's reads in worker threads (the queue's id list,
the board, the scan for the next waiting case, similar cases).

A new connection parses the whole schema at its first statement and starts with an empty
page cache: opening one for every reload was a third of what each console spent when
another agent changed a case (bench/team_bench.py, 30 consoles on one server). A
connection is lent to one thread at a time; one that failed is closed, not lent again.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from omnitui.store.db import Store


class Readers:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._idle: list[Store] = []
        self._lock = threading.Lock()
        self._closed = False

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            store = self._idle.pop() if self._idle else None
        if store is None:
            store = Store(self.path, console_running=True)
        try:
            yield store.conn
        except BaseException:
            store.close()  # it may hold a half-read statement: never lend it again
            raise
        with self._lock:
            if not self._closed:
                self._idle.append(store)
                return
        store.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for store in idle:
            store.close()
