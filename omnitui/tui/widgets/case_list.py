"""The queue: a virtual list that stays instant at a million cases.

It holds only the ordered case ids of the view (8 bytes a case) and asks for the rows on
screen, one page either side, through `fetch_rows`; it never measures or renders rows it
does not show (the built-in DataTable does both, for every row). The cursor is anchored by
case id, so a reload — another agent's change, a new order, the full list arriving behind
its first page — keeps the agent on the same case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from functools import lru_cache

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from omnitui.model import PAUSED_STATUSES, CaseSummary, Countdown
from omnitui.sanitize import sanitize
from omnitui.store.db import parse_db_time, utc_now
from omnitui.tui.keys import bind, bound_action
from omnitui.wording import NO_NAME, countdown_words, span, status_words, wait_cells

# (name, width, rank): 0 for the subject, which takes what is left; the others are dropped
# from the highest rank down until the subject has MIN_SUBJECT columns (an 80-column
# terminal keeps number, SLA, channel, customer, the irritated flag, subject, owner and
# status). "!": the customer's latest message reads irritated.
COLUMNS = (("", 2, 0), ("#", 8, 0), ("prio", 5, 3), ("SLA", 9, 0), ("age", 5, 5),
           ("channel", 10, 2), ("customer", 16, 0), ("!", 2, 0), ("subject", 0, 0),
           ("intent", 10, 5), ("lang", 5, 7), ("owner", 8, 1), ("status", 8, 0),
           ("queue", 10, 4), ("tags", 12, 6))
# A list of snoozed or of paused cases (`CaseQuery.waits`) shows what they wait for after the
# SLA column (`wording.wait_cells`). In a paused list the status gives way before the owner
# (what the case waits on says most of it): at 80 columns the snoozed list drops the
# channel, the paused one the channel, the status and the owner.
WAIT_COLUMNS = {"snoozed": (("until", 9, 0),),
                "paused": (("waiting on", 16, 0), ("waited", 7, 0))}
WAIT_RANKS = {"paused": {"status": 1.5}}
# A pause reason is free text: on a wide terminal its column takes a third of what the
# subject has beyond SUBJECT_WITH_EXTRAS, up to this width.
WIDEST_REASON = 40
NONE_CHOSEN = "no case to act on: this list is empty"  # a case key on an empty list
ON_A_CASE = ("open", "mark", "mark_next")  # the list's own keys that need a case
# A subject wider than ROOMY_SUBJECT gives the columns cut most often their whole names,
# in this order, up to these widths (a cell keeps one column of space).
ROOMY_SUBJECT = 44
WIDEST = {"queue": 16, "customer": 24, "channel": 11, "owner": 13, "intent": 14}
IRRITATED = Style(color="red", bold=True)
MIN_SUBJECT = 15  # 80 columns with a scrollbar keep the channel
NARROWEST_SUBJECT = 5  # "Wh…", on a terminal narrower than we design for
EXTRA_RANK = 5  # age, intent, tags, lang: shown only while the subject keeps ...
SUBJECT_WITH_EXTRAS = 32  # ... this many columns (the subject is what an agent reads)
CACHE_LIMIT = 5000
AT_RISK = 3600.0  # seconds of the policy's time left
MARK = "●"
SLA_STYLES = {"breached": Style(color="red", bold=True), "at risk": Style(color="yellow"),
              "on track": Style(color="green"), "paused": Style(dim=True)}

RowFetcher = Callable[[list[int]], dict[int, CaseSummary]]


def columns(waits: str) -> list[tuple[str, int, float]]:
    """The columns of a list whose cases wait for `waits` ("": the plain queue's)."""
    ranks = WAIT_RANKS.get(waits, {})
    shown: list[tuple[str, int, float]] = []
    for name, width, rank in COLUMNS:
        shown.append((name, width, ranks.get(name, rank)))
        if name == "SLA":
            shown += WAIT_COLUMNS.get(waits, ())
    return shown


@lru_cache(maxsize=32)
def layout(width: int, waits: str = "") -> tuple[tuple[str, int], ...]:
    """The columns shown at a terminal width, each with its width."""
    shown = columns(waits)
    while (top := max(r for *_, r in shown)) and width - sum(w for _, w, _ in shown) < (
            SUBJECT_WITH_EXTRAS if top >= EXTRA_RANK else MIN_SUBJECT):
        shown.remove(max(shown, key=lambda column: column[2]))
    # With nothing left to drop (under 62 columns), the subject gives up cells before the
    # row runs past the list's edge and cuts the status ("pendin", "on hol").
    subject = max(NARROWEST_SUBJECT, width - sum(w for _, w, _ in shown))
    widths = {name: w for name, w, _ in shown}
    if "waiting on" in widths:
        wider = min(WIDEST_REASON - widths["waiting on"], (subject - SUBJECT_WITH_EXTRAS) // 3)
        widths["waiting on"] += max(0, wider)
        subject -= max(0, wider)
    for name, widest in WIDEST.items():  # "account-…" beside 90 cells of subject
        if name in widths and subject > ROOMY_SUBJECT:
            wider = min(widest - widths[name], subject - ROOMY_SUBJECT)
            widths[name] += wider
            subject -= wider
    return tuple((name, w or subject) for name, w in widths.items())


def _cell(text: str, width: int) -> str:
    """`text` in exactly `width` terminal cells, cut with "…" (a Japanese subject's
    characters take two cells each: cut by characters, it pushed the row's last columns
    off the screen)."""
    text = sanitize(text, multiline=False)
    if text.isascii():  # a cell a character: nearly every row, at half the cost
        return (text[: width - 2] + "…" if len(text) > width - 1 else text).ljust(width)
    if cell_len(text) > width - 1:
        text = set_cell_size(text, width - 2) + "…"
    return set_cell_size(text, width)


COUNTDOWN_TICK = 5  # seconds: how stale an SLA countdown may be on screen (the rows on screen
# are drawn again from the data they keep)

# The countdown from now to a due time of a case in a queue, in its SLA policy's time
# (business hours or 24x7): the SLA keeper's `countdown`; a bare list counts the wall clock.
Countdowns = Callable[[str, datetime, datetime], Countdown]


def wall_clock(queue: str, due: datetime, now: datetime) -> Countdown:
    return Countdown((due - now).total_seconds())


def sla_countdown(case: CaseSummary, now: datetime, countdown: Countdowns = wall_clock
                  ) -> Countdown | None:
    """The countdown to the case's nearest due time in its policy's time."""
    if case.sla_due is None:
        return None
    return countdown(case.queue, parse_db_time(case.sla_due), now)


def sla_state(countdown: Countdown | None, status: str) -> str:
    """on track / at risk / breached / paused, for the SLA column's colour."""
    if countdown is None:
        return "paused" if status in PAUSED_STATUSES else ""
    left = countdown.left
    return "breached" if left <= 0 else "at risk" if left < AT_RISK else "on track"


def row_cells(case: CaseSummary, width: int, now: datetime, *, marked: bool = False,
              countdown: Countdowns = wall_clock, waits: str = "", zone: tzinfo | None = None
              ) -> dict[str, tuple[str, Style | None]]:
    """One queue row as fixed-width cells by column name (no measuring: widths come from
    the layout), with the SLA cell counted in the case's policy time and coloured by its
    state; `waits`: what the list's cases wait for, said in the agent's `zone`."""
    left = sla_countdown(case, now, countdown)
    values = {"": f"{MARK} " if marked else "", "#": str(case.id), "prio": f"{case.priority:g}",
              "SLA": countdown_words(left, case.status, now),
              "age": span(max(0.0, (now - parse_db_time(case.created_at)).total_seconds())),
              "channel": case.channel,
              "customer": case.customer_name or NO_NAME, "!": "!" if case.irritation else "",
              "lang": case.language or "", "intent": case.intent or "",
              "subject": case.subject or "(no subject)",
              "owner": case.owner or "-", "status": status_words(case.status),
              "queue": case.queue, "tags": " ".join(case.tags),
              **wait_cells(case, waits, now, zone)}
    cells: dict[str, tuple[str, Style | None]] = {
        name: (_cell(values[name], w) if name else values[name].ljust(w), None)
        for name, w in layout(width, waits)}
    cells["SLA"] = (cells["SLA"][0], SLA_STYLES.get(sla_state(left, case.status)))
    cells["!"] = (cells["!"][0], IRRITATED)
    return cells


def header_text(width: int, waits: str = "") -> str:
    """The column names over rows `width` wide, cut where the rows are (below the
    narrowest layout: a panel docked beside the list on a small terminal)."""
    return "".join(name.ljust(w) for name, w in layout(width, waits))[:width]


class CaseList(ScrollView, can_focus=True):
    """The ordered ids of a view, drawn a screen at a time.

    Marks belong to the agent, not to a view: they survive a change of view, search or
    order (the status bar counts the ones the view hides), and actions reach only the marked
    cases the agent can see. A case that leaves the view because it changed (solved, taken
    by someone else) loses its mark.
    """

    BINDINGS = [
        bind("queue.down", "cursor_down"),
        bind("queue.up", "cursor_up"),
        bind("queue.half_down", "half_page(1)"),
        bind("queue.half_up", "half_page(-1)"),
        bind("queue.page_down", "page(1)"),
        bind("queue.page_up", "page(-1)"),
        bind("queue.first", "first"),
        bind("queue.last", "last"),
        bind("case.open", "open"),
        bind("queue.mark", "mark"),
        bind("queue.mark_next", "mark_next"),
        bind("queue.clear", "clear_marks"),
    ]

    DEFAULT_CSS = """
    CaseList { height: 1fr; overflow-x: hidden; }  /* rows fit the width: no sideways bar */
    """

    # Set by `_set_length`, which lays out only when a scrollbar comes or goes; a change
    # of length repaints no row (set_ids repaints when the rows shown change).
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=True, repaint=False)

    class Opened(Message):
        """The agent opened the highlighted case."""

        def __init__(self, case_id: int) -> None:
            self.case_id = case_id
            super().__init__()

    class CursorMoved(Message):
        """The cursor is on another case (the queue looks ahead for what opening it shows)."""

        def __init__(self, case_id: int) -> None:
            self.case_id = case_id
            super().__init__()

    class MarksChanged(Message):
        """The set of marked cases changed (the status bar shows how many)."""

    class NothingMarked(Message):
        """escape with no case marked: the screen clears what else narrows the list."""

    class RowWidthChanged(Message):
        """The list was resized (the terminal, a panel docked beside it) or its scrollbar
        came or went: the rows' width, and so their columns, changed (the column names
        above them must follow)."""

    def watch_show_vertical_scrollbar(self) -> None:
        self.post_message(self.RowWidthChanged())

    def on_resize(self) -> None:
        self.post_message(self.RowWidthChanged())

    def __init__(self, fetch_rows: RowFetcher, clock: Callable[[], datetime] = utc_now,
                 countdown: Countdowns = wall_clock, zone: tzinfo | None = None,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._fetch_rows = fetch_rows
        self.clock = clock  # what "now" is for SLA countdowns and ages (fixed in snapshots)
        self.countdown = countdown  # SLA time left in each case's policy time
        self.zone = zone  # the agent's, for when snoozed cases come back (None: the machine's)
        self.waits = ""  # what the view's cases wait for (`CaseQuery.waits`): its columns
        self._ids: Sequence[int] = ()
        self._rows: dict[int, CaseSummary] = {}
        self.cursor = 0
        self.marked: set[int] = set()
        self.complete = False  # the whole list of the view, not only its first page
        self._anchor: int | None = None  # the case the agent is on
        self._to_end = False  # G pressed before the whole list arrived: land on the last
        self._id_set: set[int] | None = None
        self._painted: tuple[object, ...] = ()  # what the screen's lines show (see _window)
        self._drawn_at = 0  # the clock's tick (COUNTDOWN_TICK) the countdowns were drawn at
        self._told: int | None = None  # the case CursorMoved last named

    @property
    def ids(self) -> Sequence[int]:
        return self._ids

    @property
    def current_id(self) -> int | None:
        return self._ids[self.cursor] if 0 <= self.cursor < len(self._ids) else None

    def visible_marks(self) -> list[int]:
        """The marked cases of this view, the ones actions may reach."""
        return sorted(self.marked & self._members()) if self.marked else []

    def _members(self) -> set[int]:
        """The view's ids as a set, built once per list and only while cases are marked (a
        scan of a million ids per question would cost tens of milliseconds)."""
        if self._id_set is None:
            self._id_set = set(self._ids)
        return self._id_set

    def set_ids(self, ids: Sequence[int], *, complete: bool = True,
                changed: set[int] | None = None) -> None:
        """Show a new id list, keeping the cursor on the agent's case where it still is.

        `changed`: the cases whose change caused the reload; a marked one that is no longer
        in the list left the view for good (solved, taken) and loses its mark. Marks of
        cases another view shows stay.
        """
        self._ids = ids
        self._id_set = None
        self.complete = complete
        candidates = self.marked & changed if changed and complete else set()
        if candidates and (gone := candidates - self._members()):
            self.marked -= gone
            self.post_message(self.MarksChanged())
        self._set_length(len(ids))
        found = self._find(self._anchor) if self._anchor is not None else None
        if self._to_end and complete:
            self._to_end = False
            self.cursor = len(ids) - 1
        elif found is not None:
            self.cursor = found
        self.cursor = max(0, min(self.cursor, len(ids) - 1))
        if found is not None or complete:
            self._anchor = self.current_id
        self._scroll_to_cursor()
        self._tell_cursor()
        if self._window() != self._painted:
            self.refresh()  # rows moved: otherwise only the changed rows are drawn again

    def _set_length(self, rows: int) -> None:
        """A longer or shorter list moves the scrollbar, not the rows on screen: the scroll
        range and the bar are updated in place, as Textual does on a resize without layout
        (a scrollbar that comes or goes still lays the screen out). A layout reflows every
        widget on the screen, and was most of what following a new case cost each console."""
        size = Size(self.size.width, rows)
        if not (self.is_mounted and self.container_size):
            self.virtual_size = size
        elif size != self.virtual_size:
            self.set_reactive(CaseList.virtual_size, size)
            self._scroll_update(size)

    def forget_rows(self, changed: set[int] | None) -> None:
        """Fetch these cases' rows again when drawn (None: every row)."""
        if changed is None:
            self._rows.clear()
            self.refresh()
            return
        for case_id in changed:
            self._rows.pop(case_id, None)
        top = self.scroll_offset.y
        for index in range(top, min(len(self._ids), top + self.size.height)):
            if self._ids[index] in changed:
                self.refresh_line(index)

    def _window(self) -> tuple[object, ...]:
        """What decides the screen's lines besides the rows' own data: which cases show,
        where, with which highlighted. Every console redraws at every change anyone makes,
        so a change that moves nothing on screen repaints only its own row."""
        top = self.scroll_offset.y
        return (top, self.cursor, self.size, tuple(self._ids[top: top + self.size.height]))

    def follow_clock(self) -> None:
        """Draw the ages and SLA countdowns again every COUNTDOWN_TICK seconds (nothing
        else repaints a queue where nobody changes anything). Each due time turns its
        minute at its own second: redrawn as the clock's minute turned, a case read "in 1m"
        for up to a minute after it had less, and breached while it said so."""
        tick = int(self.clock().timestamp() // COUNTDOWN_TICK)
        if tick != self._drawn_at:
            self._drawn_at = tick
            self.refresh()

    def show_waits(self, waits: str) -> bool:
        """Show the columns of a list whose cases wait for `waits` (a view or filter of
        snoozed or of paused cases: `CaseQuery.waits`); whether they changed."""
        if waits == self.waits:
            return False
        self.waits = waits
        self.refresh()
        return True

    def to_top(self) -> None:
        """A new view or search starts at its first case."""
        self.cursor = 0
        self._anchor = None
        self._to_end = False

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
        self._painted = self._window()
        return super().render_lines(crop)

    @property
    def row_width(self) -> int:
        """Columns a row may use (the scrollbar takes the rest)."""
        return self.scrollable_content_region.width

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.row_width
        if index >= len(self._ids):
            return Strip.blank(width, self.rich_style)
        base = self.rich_style + Style(reverse=True) if index == self.cursor else \
            self.rich_style
        case = self._rows.get(self._ids[index])
        cells = (row_cells(case, width, self.clock(), marked=case.id in self.marked,
                           countdown=self.countdown, waits=self.waits, zone=self.zone).values()
                 if case else [("…", None)])
        segments = [Segment(text, base + style if style else base) for text, style in cells]
        return Strip(segments).crop_extend(0, width, base)

    def move_to_case(self, case_id: int) -> bool:
        """Put the cursor on a case, if the list has it."""
        index = self._find(case_id)
        if index is not None:
            self.move_to(index)
        return index is not None

    def move_to(self, index: int) -> None:
        self._to_end = False
        if not self._ids:
            return
        self.cursor = max(0, min(index, len(self._ids) - 1))
        self._anchor = self.current_id
        self._scroll_to_cursor()
        self._tell_cursor()
        self.refresh()

    def _tell_cursor(self) -> None:
        if (case_id := self.current_id) is not None and case_id != self._told:
            self._told = case_id
            self.post_message(self.CursorMoved(case_id))

    def _scroll_to_cursor(self) -> None:
        self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, force=True)

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_half_page(self, direction: int) -> None:
        self.move_to(self.cursor + direction * max(1, self.size.height // 2))

    def action_page(self, direction: int) -> None:
        """A page at once, the cursor with it, as mutt's PageDown (the scroll view's own
        PageDown animated the rows for half a second and left the cursor behind)."""
        page = max(1, self.size.height)
        self.scroll_to(y=self.scroll_y + direction * page, animate=False, force=True)
        self.move_to(self.cursor + direction * page)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self._ids) - 1)
        self._to_end = not self.complete

    def row(self, case_id: int) -> CaseSummary | None:
        return self._rows.get(case_id)

    def rows_of(self, case_ids: list[int]) -> list[CaseSummary]:
        """These cases' rows, read once and kept like the rows drawn (a case gone from the
        store has none)."""
        if missing := [case_id for case_id in case_ids if case_id not in self._rows]:
            self._rows.update(self._fetch_rows(missing))
        return [self._rows[case_id] for case_id in case_ids if case_id in self._rows]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Open and Mark leave the key bar on an empty list (pressed, they say why:
        `on_key`)."""
        return self.current_id is not None or action not in ON_A_CASE

    def on_key(self, event: events.Key) -> None:
        if self.current_id is None and bound_action(self, event.key) in ON_A_CASE:
            event.stop()
            self.notify(NONE_CHOSEN, severity="warning")  # x on an empty list was silent

    def action_mark(self) -> None:
        if (case_id := self.current_id) is None:
            return
        self.marked.symmetric_difference_update({case_id})
        self.refresh()
        self.post_message(self.MarksChanged())

    def action_mark_next(self) -> None:
        self.action_mark()
        self.action_cursor_down()

    def action_clear_marks(self) -> None:
        if not self.marked:
            self.post_message(self.NothingMarked())
            return
        self.marked.clear()
        self.refresh()
        self.post_message(self.MarksChanged())

    def action_open(self) -> None:
        if self.current_id is not None:
            self.post_message(self.Opened(self.current_id))
