"""The unified queue: every channel's cases in one list, with a status bar."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.screen import Screen
from textual.suggester import Suggester
from textual.widgets import Footer, Static

from omnitui.filters import Vocabulary, complete
from omnitui.tui.keys import bind
from omnitui.tui.screens.modals import ConfirmScreen
from omnitui.tui.widgets.case_list import CaseList, RowFetcher, header_text
from omnitui.tui.widgets.typing import TypingInput


class FilterSuggester(Suggester):
    """Completes filter keys and values as the agent types (→ takes the suggestion)."""

    def __init__(self, vocabulary: Callable[[], Vocabulary]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.vocabulary = vocabulary

    async def get_suggestion(self, value: str) -> str | None:
        return complete(value, self.vocabulary())


class QueueScreen(Screen[None]):
    BINDINGS = [bind("app.quit_confirm", "quit_confirm"),
                bind("queue.sort", "app.cycle_sort")]

    DEFAULT_CSS = """
    QueueScreen #narrow { display: none; height: 3; }
    QueueScreen #narrow.-open { display: block; }
    QueueScreen #narrow-help { display: none; height: auto; padding: 0 1; }
    QueueScreen #narrow-help.-open { display: block; }
    """

    def __init__(self, fetch_rows: RowFetcher, clock: Callable[[], datetime]) -> None:
        super().__init__()
        self.fetch_rows = fetch_rows
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield Static("", id="queue-header")
        yield CaseList(self.fetch_rows, self.clock, id="queue")
        yield TypingInput(id="narrow", select_on_focus=False,
                    suggester=FilterSuggester(lambda: self.app.vocabulary),  # type: ignore[attr-defined]
                    placeholder="search words, #N, or filter: status: owner: channel: queue:"
                                " tag:")
        yield Static("", id="narrow-help")
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
        self.call_after_refresh(self._draw_header)

    def _draw_header(self) -> None:
        """Column names over the rows, at the rows' own width (after the scrollbar)."""
        width = self.query_one(CaseList).row_width
        self.query_one("#queue-header", Static).update(Text(header_text(width)))
