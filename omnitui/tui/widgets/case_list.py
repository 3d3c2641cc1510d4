"""The queue: a virtual list that stays instant at a million cases.

It holds only the ordered case ids of the view (8 bytes a case) and asks for the rows on
screen, one page either side, through `fetch_rows`; it never measures or renders rows it
does not show (the built-in DataTable does both, for every row). The cursor is anchored by
case id, so a reload from another agent's change keeps the agent on the same case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from omnitui.model import CaseSummary
from omnitui.output import sla_countdown
from omnitui.sanitize import sanitize
from omnitui.store.db import utc_now

COLUMNS = (("#", 7), ("prio", 5), ("SLA", 9), ("channel", 9), ("customer", 18),
           ("subject", 0), ("owner", 8), ("status", 8), ("queue", 10))
FIXED = sum(width for _, width in COLUMNS)
CACHE_LIMIT = 5000

RowFetcher = Callable[[list[int]], dict[int, CaseSummary]]


def _cell(text: str, width: int) -> str:
    text = sanitize(text, multiline=False)
    return (text[: width - 2] + "…" if len(text) > width - 1 else text).ljust(width)


def row_text(case: CaseSummary, width: int, now: datetime) -> str:
    """One queue row as fixed-width text (no measuring: widths come from COLUMNS)."""
    subject_width = max(12, width - FIXED)
    values = (str(case.id), f"{case.priority:g}", sla_countdown(case.sla_due, case.status, now),
              case.channel, case.customer_name, case.subject or "(no subject)",
              case.owner or "-", case.status, case.queue)
    return "".join(_cell(value, w or subject_width)
                   for value, (_, w) in zip(values, COLUMNS, strict=True))


def header_text(width: int) -> str:
    subject_width = max(12, width - FIXED)
    return "".join(name.ljust(w or subject_width) for name, w in COLUMNS)


class CaseList(ScrollView, can_focus=True):
    """The ordered ids of a view, drawn a screen at a time."""

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", id="queue.down", show=False),
        Binding("k,up", "cursor_up", "Up", id="queue.up", show=False),
        Binding("ctrl+d", "half_page(1)", "Half page down", id="queue.half_down", show=False),
        Binding("ctrl+u", "half_page(-1)", "Half page up", id="queue.half_up", show=False),
        Binding("g,home", "first", "First", id="queue.first", show=False),
        Binding("G,end", "last", "Last", id="queue.last", show=False),
        Binding("enter,l,o", "open", "Open", id="case.open"),
        Binding("x", "mark", "Mark", id="queue.mark"),
        Binding("space", "mark_next", "Mark and down", id="queue.mark_next", show=False),
        Binding("escape", "clear_marks", "Clear marks", id="queue.clear", show=False),
    ]

    DEFAULT_CSS = """
    CaseList { height: 1fr; }
    """

    class Opened(Message):
        """The agent opened the highlighted case."""

        def __init__(self, case_id: int) -> None:
            self.case_id = case_id
            super().__init__()

    def __init__(self, fetch_rows: RowFetcher, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._fetch_rows = fetch_rows
        self._ids: Sequence[int] = ()
        self._rows: dict[int, CaseSummary] = {}
        self.cursor = 0
        self.marked: set[int] = set()

    @property
    def ids(self) -> Sequence[int]:
        return self._ids

    @property
    def current_id(self) -> int | None:
        return self._ids[self.cursor] if 0 <= self.cursor < len(self._ids) else None

    def set_ids(self, ids: Sequence[int], changed: set[int] | None = None) -> None:
        """Show a new id list, keeping the cursor on the same case where it still is."""
        keep = self.current_id
        self._ids = ids
        if changed is None:
            self._rows.clear()
        else:
            for case_id in changed:
                self._rows.pop(case_id, None)
        self.virtual_size = Size(self.size.width, len(ids))
        found = self._find(keep) if keep is not None else None
        if found is not None:
            self.cursor = found
        self.cursor = min(self.cursor, max(0, len(ids) - 1))
        self._scroll_to_cursor()
        self.refresh()

    def _find(self, case_id: int) -> int | None:
        """Where a case sits in the list: near the old cursor first, then anywhere."""
        for index in range(max(0, self.cursor - 200), min(len(self._ids), self.cursor + 200)):
            if self._ids[index] == case_id:
                return index
        try:
            return self._ids.index(case_id)  # type: ignore[attr-defined]
        except ValueError:
            return None

    def render_lines(self, crop: Region) -> list[Strip]:
        top = self.scroll_offset.y
        window = self._ids[max(0, top - self.size.height): top + 2 * self.size.height]
        missing = [case_id for case_id in window if case_id not in self._rows]
        if missing:
            if len(self._rows) > CACHE_LIMIT:
                self._rows.clear()
            self._rows.update(self._fetch_rows(missing))
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.size.width
        if index >= len(self._ids):
            return Strip.blank(width, self.rich_style)
        case = self._rows.get(self._ids[index])
        text = row_text(case, width, utc_now()) if case else "…"
        if self._ids[index] in self.marked:
            text = "●" + text[1:]
        style = self.rich_style
        if index == self.cursor:
            style = style + Style(reverse=True)
        return Strip([Segment(text[:width].ljust(width), style)], width)

    def _move(self, index: int) -> None:
        if not self._ids:
            return
        self.cursor = max(0, min(index, len(self._ids) - 1))
        self._scroll_to_cursor()
        self.refresh()

    def _scroll_to_cursor(self) -> None:
        self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, force=True)

    def action_cursor_down(self) -> None:
        self._move(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._move(self.cursor - 1)

    def action_half_page(self, direction: int) -> None:
        self._move(self.cursor + direction * max(1, self.size.height // 2))

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(len(self._ids) - 1)

    def row(self, case_id: int) -> CaseSummary | None:
        return self._rows.get(case_id)

    def action_mark(self) -> None:
        if (case_id := self.current_id) is not None:
            self.marked.symmetric_difference_update({case_id})
            self.refresh()
            self.post_message(self.MarksChanged())

    def action_mark_next(self) -> None:
        self.action_mark()
        self.action_cursor_down()

    def action_clear_marks(self) -> None:
        self.marked.clear()
        self.refresh()
        self.post_message(self.MarksChanged())

    class MarksChanged(Message):
        """The set of marked cases changed (the status bar shows how many)."""

    def action_open(self) -> None:
        if self.current_id is not None:
            self.post_message(self.Opened(self.current_id))
