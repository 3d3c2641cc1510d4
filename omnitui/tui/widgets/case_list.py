"""The queue: a virtual list that stays instant at a million cases.

It holds only the ordered case ids of the view (8 bytes a case) and asks for the rows on
screen, one page either side, through `fetch_rows`; it never measures or renders rows it
does not show (the built-in DataTable does both, for every row). The cursor is anchored by
case id, so a reload from another agent's change keeps the agent on the same case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

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
from omnitui.store.db import parse_db_time, utc_now

COLUMNS = (("#", 7), ("prio", 5), ("SLA", 9), ("age", 5), ("channel", 10), ("customer", 18),
           ("subject", 0), ("owner", 8), ("status", 8), ("queue", 10), ("tags", 12))
FIXED = sum(width for _, width in COLUMNS)
CACHE_LIMIT = 5000
AT_RISK = timedelta(hours=1)
SLA_STYLES = {"breached": Style(color="red", bold=True), "at risk": Style(color="yellow"),
              "on track": Style(color="green"), "paused": Style(dim=True)}

RowFetcher = Callable[[list[int]], dict[int, CaseSummary]]


def _cell(text: str, width: int) -> str:
    text = sanitize(text, multiline=False)
    return (text[: width - 2] + "…" if len(text) > width - 1 else text).ljust(width)


def sla_state(case: CaseSummary, now: datetime) -> str:
    """on track / at risk / breached / paused, for the SLA column's colour."""
    if case.sla_due is None:
        return "paused" if case.status in ("pending", "on_hold") else ""
    due = parse_db_time(case.sla_due)
    return "breached" if due < now else "at risk" if due - now < AT_RISK else "on track"


def age(created_at: str, now: datetime) -> str:
    seconds = (now - parse_db_time(created_at)).total_seconds()
    return (f"{seconds / 86400:.0f}d" if seconds >= 86400 else
            f"{seconds / 3600:.0f}h" if seconds >= 3600 else f"{max(0, seconds) / 60:.0f}m")


def row_cells(case: CaseSummary, width: int, now: datetime) -> list[tuple[str, Style | None]]:
    """One queue row as fixed-width cells (no measuring: widths come from COLUMNS), with
    the SLA cell coloured by its state."""
    subject_width = max(12, width - FIXED)
    values = (str(case.id), f"{case.priority:g}", sla_countdown(case.sla_due, case.status, now),
              age(case.created_at, now), case.channel, case.customer_name,
              case.subject or "(no subject)", case.owner or "-",
              case.status.replace("_", " "), case.queue, " ".join(case.tags))
    cells = [(_cell(value, w or subject_width), None)
             for value, (_, w) in zip(values, COLUMNS, strict=True)]
    cells[2] = (cells[2][0], SLA_STYLES.get(sla_state(case, now)))
    return cells


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

    def __init__(self, fetch_rows: RowFetcher, clock: Callable[[], datetime] = utc_now,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._fetch_rows = fetch_rows
        self.clock = clock  # what "now" is for SLA countdowns and ages (fixed in snapshots)
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

    def set_ids(self, ids: Sequence[int], changed: set[int] | None = None, *,
                complete: bool = True) -> None:
        """Show a new id list, keeping the cursor on the same case where it still is.

        A complete list also drops the marks of cases that left the view (solved, snoozed,
        taken by someone else): an action must never reach a case the agent cannot see.
        """
        keep = self.current_id
        self._ids = ids
        gone = {case_id for case_id in self.marked if case_id not in ids} if complete else set()
        if gone:
            self.marked -= gone
            self.post_message(self.MarksChanged())
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
        base = self.rich_style + Style(reverse=True) if index == self.cursor else \
            self.rich_style
        case = self._rows.get(self._ids[index])
        cells = row_cells(case, width, self.clock()) if case else [("…", None)]
        if self._ids[index] in self.marked:
            cells[0] = ("●" + cells[0][0][1:], cells[0][1])
        segments = [Segment(text, base + style if style else base) for text, style in cells]
        return Strip(segments).crop_extend(0, width, base)

    def move_to(self, index: int) -> None:
        if not self._ids:
            return
        self.cursor = max(0, min(index, len(self._ids) - 1))
        self._scroll_to_cursor()
        self.refresh()

    def _scroll_to_cursor(self) -> None:
        self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, force=True)

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_half_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * max(1, self.size.height // 2))

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self._ids) - 1)

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
