"""The unified queue: every channel's cases in one list, with a status bar."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from omnitui.tui.widgets.case_list import CaseList, RowFetcher, header_text


class QueueScreen(Screen[None]):
    DEFAULT_CSS = """
    QueueScreen #narrow { display: none; height: 3; }
    QueueScreen #narrow.-open { display: block; }
    """

    def __init__(self, fetch_rows: RowFetcher) -> None:
        super().__init__()
        self.fetch_rows = fetch_rows

    def compose(self) -> ComposeResult:
        yield Static("", id="queue-header")
        yield CaseList(self.fetch_rows, id="queue")
        yield Input(id="narrow", select_on_focus=False,
                    placeholder="search: words | filter: status: tag: owner: channel: queue:"
                                " (enter keeps it, escape clears)")
        yield Static("", id="status-bar")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(CaseList).focus()

    def on_resize(self) -> None:
        self.query_one("#queue-header", Static).update(Text(header_text(self.size.width)))
