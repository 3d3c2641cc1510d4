"""Saving an agent's drafts as they type, off the UI thread (the composer hands each new
text over; omnitui/tui/work/writing.py says what a draft is for)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from omnitui.store.db import STORE_ERRORS, Store, expected, store_problem

if TYPE_CHECKING:
    from omnitui.model import Draft


class DraftKeeper:
    """Saves an agent's drafts off the UI thread, the newest text last, and never after the
    draft was sent or thrown away. The keyboard never waits for the store: handing a draft
    over takes a lock that is never held across a write."""

    def __init__(self, db_path: Path, agent: str, warn: Callable[[str], None]) -> None:
        self.db_path = db_path
        self.agent = agent
        self.warn = warn  # called from the saving thread
        self._pending_lock = threading.Lock()  # short: only the dict below
        self._writing = threading.Lock()  # held across a save's write
        self._pending: dict[tuple[int | None, str], Draft] = {}
        self._threads: list[threading.Thread] = []

    def later(self, case_id: int | None, draft: Draft) -> None:
        with self._pending_lock:
            self._pending[(case_id, draft.slot)] = draft
        thread = threading.Thread(target=self._save, args=((case_id, draft.slot),),
                                  daemon=True)
        thread.start()
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def wait(self, timeout: float = 5.0) -> None:
        """Let the saves on their way finish (the console is quitting)."""
        for thread in self._threads:
            thread.join(timeout)

    def settle(self, case_id: int | None, slot: str) -> None:
        """Wait for a save in flight and drop any not started: the draft is being sent or
        thrown away."""
        with self._writing, self._pending_lock:
            self._pending.pop((case_id, slot), None)

    def _save(self, key: tuple[int | None, str]) -> None:
        with self._writing:
            with self._pending_lock:
                draft = self._pending.pop(key, None)
            if draft is None:
                return  # a newer save took it, or it was sent
            from omnitui.services import drafts  # the action layer: not before a first draft

            try:
                with Store(self.db_path, console_running=True) as own:
                    drafts.keep(own, self.agent, key[0], draft)
            except STORE_ERRORS as exc:
                if not expected(exc):
                    raise  # a bug: keep its traceback
                self.warn(f"draft not saved: {store_problem(exc)} (the text is still in "
                          "the composer)")
