"""The unified queue: every channel's cases in one list, with a status bar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from omnitui.tui.screens.modals import ConfirmScreen
from omnitui.tui.widgets.case_list import CaseList, RowFetcher, header_text


class QueueScreen(Screen[None]):
    BINDINGS = [Binding("q", "quit_confirm", "Quit", id="app.quit_confirm", show=False),
                Binding("s", "app.cycle_sort", "Sort", id="queue.sort", show=False)]

    DEFAULT_CSS = """
    QueueScreen #narrow { display: none; height: 3; }
    QueueScreen #narrow.-open { display: block; }
    """

    def __init__(self, fetch_rows: RowFetcher, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.fetch_rows = fetch_rows
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield Static("", id="queue-header")
        yield CaseList(self.fetch_rows, self.clock, id="queue")
        yield Input(id="narrow", select_on_focus=False,
                    placeholder="search: words | filter: status: tag: owner: channel: queue:"
                                " (enter keeps it, escape clears)")
        yield Static("", id="status-bar")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(CaseList).focus()

    def action_quit_confirm(self) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes:
                self.app.exit()

        self.app.push_screen(ConfirmScreen("Quit omnitui?"), confirmed)

    def on_resize(self) -> None:
        self.query_one("#queue-header", Static).update(Text(header_text(self.size.width)))
