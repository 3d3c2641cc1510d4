"""Solved cases like each case, found in worker threads and kept for a few minutes.

The queue looks them up for the case under its cursor while the agent reads the row, so the
case screen shows them in its first paint: found when the case opened, they came 0.1-0.2 s
after it (full-text search over the solved cases of a big store, then ranking by meaning),
and their line moved the screen a second time.
"""

from __future__ import annotations

import threading
import time

from omnitui.config import Settings
from omnitui.services.similar import SimilarCase, similar_solved
from omnitui.store.readers import Readers

FRESH_SECONDS = 300.0  # newly solved cases join the answer after this long at most
KEPT = 256  # cases remembered; the oldest is forgotten first


class SimilarCases:
    def __init__(self, readers: Readers, settings: Settings) -> None:
        self.readers = readers
        self.settings = settings
        self._found: dict[int, tuple[float, list[SimilarCase]]] = {}
        self._lock = threading.Lock()

    def known(self, case_id: int) -> list[SimilarCase] | None:
        """What was found for the case lately, or None: not looked up yet (or too long ago)."""
        with self._lock:
            entry = self._found.get(case_id)
        if entry is None or time.monotonic() - entry[0] > FRESH_SECONDS:
            return None
        return entry[1]

    def find(self, case_id: int) -> list[SimilarCase]:
        """Look the case up (in a worker thread: it may take a while) and keep the answer.
        A store failure reaches the caller."""
        with self.readers.reading() as conn:
            found = similar_solved(conn, self.settings, case_id)
        with self._lock:
            self._found.pop(case_id, None)
            if len(self._found) >= KEPT:
                del self._found[next(iter(self._found))]
            self._found[case_id] = (time.monotonic(), found)
        return found
