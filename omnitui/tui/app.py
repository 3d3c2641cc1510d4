"""The console application: the queue and case screens on one store, live.

Reads for the rows on screen run on the UI thread (a page is well under a millisecond at
a million cases); the whole ordered id list of a view, which can take half a second at that
size, loads in a thread worker with its own connection. Another process's commit shows
within half a second: `data_version` is polled, and the audit feed says which cases changed.
"""

from __future__ import annotations

from array import array
from dataclasses import replace
from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.widgets import Static

from omnitui.config import Settings, attachments_dir
from omnitui.store.changes import changed_cases_since, data_version, last_change
from omnitui.store.db import Store
from omnitui.store.queries import CaseQuery, case_detail, list_cases, queue_ids, summaries
from omnitui.tui.screens.case import CaseScreen
from omnitui.tui.screens.queue import QueueScreen
from omnitui.tui.widgets.case_list import CaseList

POLL_SECONDS = 0.5
FIRST_PAGE = 100  # rows painted before the full id list of the view arrives


class OmnituiApp(App[None]):
    TITLE = "omnitui"
    BINDINGS = [Binding("ctrl+r", "refresh_now", "Refresh", id="app.refresh", show=False)]

    def __init__(self, db_path: Path, settings: Settings, agent: str) -> None:
        super().__init__()
        self.db_path = db_path
        self.settings = settings
        self.agent = agent
        self.store = Store(db_path, attachments_dir=attachments_dir(settings, db_path))
        self.view = CaseQuery()
        self.view_name = "all open"
        self._seen_version = data_version(self.store.conn)
        self._seen_change = last_change(self.store.conn)

    async def on_mount(self) -> None:
        await self.push_screen(QueueScreen(lambda ids: summaries(self.store.conn, ids)))
        self._show_first_page()
        self.set_interval(POLL_SECONDS, self._poll)

    def _show_first_page(self) -> None:
        """Paint the top of the view at once (an indexed page costs under a millisecond at
        a million cases), then load the whole ordered id list behind it."""
        first = list_cases(self.store.conn, replace(self.view, limit=FIRST_PAGE))
        self.screen_queue().query_one(CaseList).set_ids(array("q", (c.id for c in first)))
        self._load_ids(None)

    def on_unmount(self) -> None:
        self.store.close()

    @work(thread=True, exclusive=True, group="ids")
    def _load_ids(self, changed: set[int] | None) -> None:
        with Store(self.db_path, migrate=False) as own:
            ids = queue_ids(own.conn, self.view)
        self.call_from_thread(self._show_ids, ids, changed)

    def _show_ids(self, ids: array[int], changed: set[int] | None) -> None:
        self.screen_queue().query_one(CaseList).set_ids(ids, changed)
        self._update_status(len(ids))

    def screen_queue(self) -> QueueScreen:
        return next(s for s in self.screen_stack if isinstance(s, QueueScreen))

    def _update_status(self, count: int) -> None:
        self.screen_queue().query_one("#status-bar", Static).update(
            f" {self.agent} · {self.view_name} · {count:,} cases")

    def _poll(self) -> None:
        version = data_version(self.store.conn)
        if version == self._seen_version:
            return
        self._seen_version = version
        self._seen_change, changed = changed_cases_since(self.store.conn, self._seen_change)
        self._load_ids(changed)
        if isinstance(self.screen, CaseScreen) and self.screen.detail.case.id in changed:
            self.screen.show(case_detail(self.store.conn, self.screen.detail.case.id))

    def action_refresh_now(self) -> None:
        self._load_ids(None)

    def on_case_list_opened(self, message: CaseList.Opened) -> None:
        detail = case_detail(self.store.conn, message.case_id)
        if detail is not None:
            self.push_screen(CaseScreen(detail))


def run_console(db_path: Path, settings: Settings, agent: str) -> None:
    OmnituiApp(db_path, settings, agent).run()
