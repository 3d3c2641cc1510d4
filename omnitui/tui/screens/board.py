"""The supervisor's board (F3): how old the waiting cases are, which are about to breach or
have, each queue's and each agent's first responses today against the target, the team's
load, and the last two weeks' flow.

The list of cases due soon is the board's working list: enter opens the highlighted case,
and the queue's keys (assign, escalate, priority, ...) act on it through the Desk, as
anywhere else. The board reads the store in a worker thread on its own connection (a big
store's aggregates take a moment) and again, at most once a second, when the store changes.
"""

from __future__ import annotations

import time
from collections import Counter
from contextlib import suppress
from datetime import datetime
from itertools import accumulate
from math import ceil, floor
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.errors import NoWidget
from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from omnitui.keymap import BOARD
from omnitui.metrics.board import (
    AT_RISK_WITHIN,
    BANDS,
    TREND_DAYS,
    Board,
    FirstReplies,
    age_filters,
    read_board,
)
from omnitui.metrics.funnel import Rate, day_zone
from omnitui.sanitize import sanitize
from omnitui.store.agents import agents
from omnitui.store.db import STORE_ERRORS, parse_db_time
from omnitui.tui.keys import bind
from omnitui.tui.screens.work import CASE_ACTIONS, WorkScreen
from omnitui.tui.widgets.case_list import Countdowns
from omnitui.tui.widgets.key_bar import KeyBar
from omnitui.wording import BOARD_UPDATING, arrowed, countdown_words, plural, span, status_words

if TYPE_CHECKING:
    from omnitui.model import CaseDetail

BAND_STYLES = {"high": "bold red", "medium": "yellow", "low": "dim"}
BAR = 24  # cells of the longest aging bar
REFRESH_EVERY = 1.0  # seconds: a busy store redraws the board at most this often
READ_ANYWAY = 30.0  # seconds between reads of a quiet store
WIDE = 110  # columns from which aging and the queues sit side by side
FLOW_WHY_LEAST = 20  # cells of a reason beside its label, else it goes under it
LAYOUTS_AWAITED = 5  # refreshes the first focus waits at most for the due list's rows
LIST_EDGES = 2 * 7 + 4  # cells of the due list and the team (7 columns each) that are no
# text: each column's padding, the list's scrollbar and the board's
ALL_DUE = 'all: the view "at risk or breached", F2 then v'
LATE_SHARE = 0.1  # of a queue's first replies late today: past this, its "late" is red
SUBJECT_LEAST = 12  # cells of subject, however narrow the screen (the list scrolls sideways)
SPREAD_BINS = 12  # bars of the first replies' spread
FLOW_EDGES = 8  # cells of the flow's line that are no column's text: padding, scrollbar


class BoardScreen(WorkScreen):
    """F3, or `omnitui --supervisor`."""

    HELP_FIRST = (BOARD,)  # the help, asked for here, starts with these keys

    DEFAULT_CSS = """
    BoardScreen #board { height: 1fr; }
    BoardScreen #top { height: auto; }
    BoardScreen #aging-panel { width: 1fr; height: auto; }
    BoardScreen #queues-panel { width: 1fr; height: auto; }
    BoardScreen DataTable { height: auto; max-height: 14; }
    BoardScreen.-narrow #top { layout: vertical; }
    BoardScreen #charts { height: 14; }
    BoardScreen.-narrow #charts { layout: vertical; height: 28; }
    BoardScreen .title { text-style: bold; margin-top: 1; }
    BoardScreen #satisfaction { padding: 0 1; }  /* in line with the lists' cells */
    """
    AUTO_FOCUS = ""  # on_mount focuses, leaving the board at its top (Textual's own
    # focus scrolled it to centre the first list, hiding the headline at 80x24)
    BINDINGS = [*WorkScreen.BINDINGS, bind("board.close", "close"),
                bind("board.quit", "app.quit_confirm"), bind("board.down", "step(1)"),
                bind("board.up", "step(-1)"), bind("board.next_list", "app.focus_next"),
                bind("board.open", "open_row"),
                bind("board.first", "edge(False)", priority=True),
                bind("board.last", "edge(True)", priority=True),
                bind("board.page_down", "page(1)", priority=True),
                bind("board.page_up", "page(-1)", priority=True)]

    def __init__(self) -> None:
        super().__init__()
        self.board: Board | None = None
        self._ids: list[int] = []
        self._asked = 0.0  # when the last read was started (monotonic)
        self._again = False  # a change came while a read was running
        self._layouts = 0  # refreshes waited for the first draw's layout
        self._team_read: tuple[tuple[str, str], ...] = ()  # each agent's state, last read
        self._walked_queue = False  # J / K last walked the queue, not the due list
        self._walking: int | None = None  # the case opened from the due list, J and K on
        self._last_list: str | None = None  # the list that had the focus last
        # the headline of the last read drawn: its clock (day, time) and its counts
        self._head: tuple[str, str, Text] | None = None
        self._updating = False  # shown again, its read under way: the headline says so

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="board", can_focus=False):  # tab stops on the lists only
            yield Static("", id="headline")
            with Horizontal(id="top"):
                with Vertical(id="aging-panel"):
                    yield Static("Waiting cases by age — enter shows them", classes="title")
                    yield DataTable(id="aging", cursor_type="row")
                with Vertical(id="queues-panel"):
                    yield Static("Queues today: first reply; late = past its own"
                                 " target — enter shows the queue", classes="title")
                    yield DataTable(id="queues", cursor_type="row")
                    yield Static("Channels today: first reply — enter shows the channel",
                                 classes="title")
                    yield DataTable(id="channels", cursor_type="row")
            yield Static("", id="due-title", classes="title")
            yield DataTable(id="due", cursor_type="row", zebra_stripes=True)
            yield Static("Team today (1st reply: p50/p90) — enter shows the agent's cases",
                         classes="title")
            yield DataTable(id="team", cursor_type="row")
            yield Static(f"Flow, last {TREND_DAYS} days — enter shows the open ones",
                         classes="title")
            yield DataTable(id="flow", cursor_type="row", show_header=False)
            yield Static("", id="satisfaction")
            with Horizontal(id="charts"):
                yield PlotextPlot(id="trend")
                yield PlotextPlot(id="spread")
        yield KeyBar()

    def on_resize(self) -> None:
        self.set_class(self.app.size.width < WIDE, "-narrow")
        self._fill_to_width()
        self.call_after_refresh(self._show_headline)
        self.call_after_refresh(self._align_side_by_side)

    def _align_side_by_side(self) -> None:
        """Side by side, the ages' title takes as many lines as the queues' title beside
        it, so both lists' column names share a row: from 110 to about 155 columns the
        queues' longer title wraps, and its names sat a row below the ages'."""
        ages = self.query_one("#aging-panel > .title", Static)
        queues = self.query_one("#queues-panel > .title", Static)
        lines = queues.outer_size.height if not self.has_class("-narrow") else None
        if ages.styles.min_height != lines:  # (set only when it changes: a new layout)
            ages.styles.min_height = lines

    def on_mount(self) -> None:
        self.on_resize()
        for table_id, names in COLUMNS.items():
            table = self.query_one(f"#{table_id}", DataTable)
            for name in names:
                table.add_column(name, key=name)
        self.query_one("#headline", Static).update(Text("reading the store…", style="dim"))
        self.read_now()
        self.query_one("#aging", DataTable).focus(scroll_visible=False)  # the headline shows

    # -- what the keys act on ------------------------------------------------------------

    def targets(self) -> list[int]:
        case_id = self._highlighted()
        return [case_id] if case_id is not None else []

    def owners(self) -> list[str | None] | None:
        case_id = self._highlighted()
        if self.board is None or case_id is None:
            return None
        return [row["owner"] for row in self.board.due_soon if row["id"] == case_id] or None

    def declined(self, action: str) -> str | None:
        """The queue's keys act on the due list's case: with another list focused they
        leave the key bar, and pressed they say where to go."""
        if action in CASE_ACTIONS and not self.query_one("#due", DataTable).has_focus:
            return "this key acts on a case of the list of cases due soon: tab moves there"
        return super().declined(action)

    def one_case(self) -> int | None:
        if (case_id := self._highlighted()) is None:
            self.say_none_chosen()
        return case_id

    def say_none_chosen(self) -> None:
        """A key pressed for the due list's case while that case is out of sight brings it
        into view instead of acting; with no case due, it says where the others are."""
        table = self.query_one("#due", DataTable)
        if self._ids and table.has_focus and not self._in_sight(table):
            table.scroll_visible(animate=False)
            self.notify("the case is in the due list, now in view: press the key again",
                        severity="warning")
        else:
            self.notify("no case is due soon or breached: the queue (F2) has the others",
                        severity="warning")

    def _highlighted(self) -> int | None:
        """The case highlighted in the due list, while that list has the focus and the
        case is on screen: on a short terminal the list sat below the fold, and `a` took a
        case never seen. Asked at every draw of the key bar, it only looks (it scrolled and
        said "press the key again" there, dozens of times, with no key pressed)."""
        table = self.query_one("#due", DataTable)
        if not self._ids or table.cursor_row < 0 or not table.has_focus or \
                not self._in_sight(table):
            return None
        return self._ids[min(table.cursor_row, len(self._ids) - 1)]

    def _in_sight(self, table: DataTable) -> bool:
        """Whether the table's highlighted row is on screen."""
        try:
            where = self.screen.find_widget(table)
        except NoWidget:
            return False
        seen = where.region.intersection(where.clip)
        row = where.region.y + table.header_height + table.cursor_row - round(table.scroll_y)
        return seen.y <= row < seen.bottom

    def show_case(self, detail: CaseDetail) -> None:
        from omnitui.tui.screens.case import CaseScreen

        self.console.push_screen(CaseScreen(detail))

    def step_from(self, case_id: int, step: int) -> int | None:
        """J / K on a case opened from the due list: the next or previous one there. A case
        that left the list since (solved, answered) left the cursor on its successor, which
        is the next case (as in the queue); a case opened otherwise (`#`) walks the queue."""
        table = self.query_one("#due", DataTable)
        if case_id in self._ids:
            at = self._ids.index(case_id) + step
        elif case_id == self._walking:
            at = table.cursor_row + (step if step < 0 else 0)
        else:
            self._walked_queue = True
            return self.console.queue.step_from(case_id, step)
        self._walked_queue = False
        if not 0 <= at < len(self._ids):
            return None
        table.move_cursor(row=at)
        self._walking = self._ids[at]
        return self._walking

    def list_end(self, step: int) -> str:
        """The due list shows its first DUE_SHOWN cases: past the last, where the rest are."""
        if self._walked_queue or (found := self.board) is None:
            return self.console.queue.list_end(step)
        if step > 0 and len(self._ids) < found.due_soon_total:
            return (f"the last of the {len(self._ids)} shown of {found.due_soon_total:,}"
                    f" due; {ALL_DUE}")
        return f"the {'last' if step > 0 else 'first'} case due on the board"

    def action_open_highlighted(self) -> None:
        if (case_id := self.one_case()) is not None:
            self._walking = case_id  # J and K walk the due list from it
            self.console.open_case(case_id)

    def action_step(self, step: int) -> None:
        """j and k move in the list that has the focus, as in the queue (only the arrows
        did), and bring it into view (below the fold at 80x24, they seemed to do nothing)."""
        if isinstance(table := self.focused, DataTable):
            table.move_cursor(row=min(max(0, table.cursor_row + step), table.row_count - 1))
            if not self._in_sight(table):
                table.scroll_visible(animate=False)

    def action_open_row(self) -> None:
        """The focused list's row, as enter on it does (its key rebound in [keymap])."""
        if isinstance(table := self.focused, DataTable) and table.row_count:
            table.action_select_cursor()

    def action_edge(self, last: bool) -> None:
        """g and G (home and end), as in the queue: the list's first or last row (home and
        end scrolled the list sideways, hiding its first columns)."""
        if isinstance(table := self.focused, DataTable) and table.row_count:
            self.action_step(table.row_count if last else -table.row_count)

    def action_page(self, pages: int) -> None:
        """PageDown and PageUp scroll the whole board, whichever list has the focus (each
        list took them for its cursor, and at 80x24 the board below the fold was out of
        reach of the keyboard); then the focus goes to a list in sight, so the keys that
        follow act on what is seen."""
        board = self.query_one("#board", VerticalScroll)
        board.scroll_to(y=board.scroll_y + pages * max(board.size.height - 2, 1),
                        animate=False, immediate=True)
        self.call_after_refresh(self._focus_in_sight)

    def _focus_in_sight(self, *, first: bool = False) -> None:
        """The focus to a list in sight, unless it is on one: the due list (the board's
        working list) if it is, else the first. `first`: the board was just drawn, with the
        focus on its first list (at 80x24 the due list sat below the fold with the focus,
        and the keys in the bar acted on cases unseen)."""
        focused = self.focused
        if first and isinstance(focused, DataTable) and focused.id != "aging":
            return  # the supervisor moved on already
        due = self.query_one("#due", DataTable)
        place = self.console.board_place
        if first and place is not None and place[0] is not None:  # F3 back: where it was
            self.query_one(f"#{place[0]}", DataTable).focus()
            return
        if first and due.row_count and due.region.height <= due.header_height and \
                self._layouts < LAYOUTS_AWAITED:  # its rows not laid out yet
            self._layouts += 1
            self.call_after_refresh(self._focus_in_sight, first=True)
            return
        if not first and isinstance(focused, DataTable) and self._in_sight(focused):
            return
        tables = [due, *self.query(DataTable)]
        if seen := next((t for t in tables if t.row_count and self._in_sight(t)), None):
            seen.focus(scroll_visible=False)

    def action_close(self) -> None:
        self.console.pop_screen()

    def on_screen_suspend(self) -> None:
        """Where the supervisor was, for the next board (F3 away and back lost it: the
        focus on the first list, the due list's cursor on its first row). Kept as the
        board leaves the top (closed, or a case opened over it): unmounted, it has no
        lists left to ask."""
        self.console.board_place = (self._last_list, {
            table.id: table.cursor_row for table in self.query(DataTable) if table.id})

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, DataTable):  # the focus is gone by the time it leaves
            self._last_list = event.widget.id

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter: a case due soon opens; an age, a queue, a channel or an agent shows its
        cases in the queue (filtered: esc in the search box clears it)."""
        table, row = event.data_table, event.cursor_row
        if table.id == "due":
            self.action_open_highlighted()
        elif self.board is not None and (filter_ := self._filter_of(table.id, row)):
            self.console.action_to_queue()
            self.console.queue.narrow_to(filter_)

    def _filter_of(self, table: str | None, row: int) -> str | None:
        """The queue filter that shows the cases behind a row of the board."""
        board = self.board
        assert board is not None
        rows = {"aging": age_filters(),
                "queues": [f"queue:{line.name}" for line in board.queues],
                "channels": [f"channel:{line.name}" for line in board.channels],
                "team": [f"owner:{agent.name}" for agent in board.team],
                "flow": ["is:reopened", "is:bounced"]}.get(table or "", [])
        return rows[row] if 0 <= row < len(rows) else None

    # -- reading the store ---------------------------------------------------------------

    def cases_changed(self, changed: set[int] | None) -> None:
        """Read again, at most once a second (the latest change is never left unread)."""
        if time.monotonic() - self._asked >= REFRESH_EVERY:
            self.read_now()
        else:
            self._again = True

    def follow(self) -> None:
        """Read again after a change (at most every REFRESH_EVERY), and every READ_ANYWAY on
        a quiet store: the clock and due times move without a case changing (the board said
        the supervisor was gone a minute after they came). An agent's state (here, away,
        gone) changes no case either: it is looked at every poll (a few rows), and read
        again as it changes (`agents away bob` showed on the board 30 s later)."""
        since = time.monotonic() - self._asked
        if (team := self._team_now()) != self._team_read:
            self._again = True
        if (self._again and since >= REFRESH_EVERY) or since >= READ_ANYWAY:
            self.read_now(team)

    def read_now(self, team: tuple[tuple[str, str], ...] | None = None) -> None:
        """Read in a worker now (also on the console's own change, `@`, and ctrl+r);
        `team`: each agent's state as the poll just found it."""
        self._asked, self._again = time.monotonic(), False
        if team is None:
            with suppress(*STORE_ERRORS):  # the read in the worker says what failed
                team = self._team_now()
        self._team_read = team or ()
        self.run_worker(self._read_board, thread=True, group="board", exclusive=True)

    def shown_again(self) -> None:
        """F3 back to the board: its numbers are as old as its last read (the board away is
        not read), so the headline says they are being updated until the read started now
        is drawn."""
        self._updating = True
        self._show_headline()
        self.read_now()

    def _show_headline(self) -> None:
        """The headline, on one line: "Supervisor · Mon 07 Dec 23:25 UTC · 44 waiting ·
        37 late or due in 1h", its clock the time of the read shown, "updating…" in its
        place while a newer one is under way (said after it, it wrapped the headline at 80
        columns); too wide (60 columns), without the day, then without "Supervisor"."""
        if self._head is None:
            return
        day, time_of_day, counts = self._head
        clocks = [Text(BOARD_UPDATING, style="dim")] if self._updating else [
            Text(day + time_of_day, style="bold"), Text(time_of_day, style="bold")]
        fits = [Text.assemble((title, "bold"), clock, (" · ", "bold"), counts) for title, clock
                in [*(("Supervisor · ", clock) for clock in clocks), ("", clocks[-1])]]
        headline = self.query_one("#headline", Static)
        width = headline.content_size.width or self.app.size.width
        headline.update(next((line for line in fits if line.cell_len <= width), fits[-1]))

    def _team_now(self) -> tuple[tuple[str, str], ...]:
        """Each agent's state now, as the team panel shows it."""
        console = self.console
        router, now = console.desk.router, console.clock()
        return tuple((agent.name, router.state_of(agent, now))
                     for agent in agents(console.store.conn))

    def _read_board(self) -> None:
        console = self.console
        try:
            with console.readers.reading() as conn:
                found = read_board(conn, console.settings, console.desk.router,
                                   console.clock())
        except STORE_ERRORS as exc:
            self.app.call_from_thread(self.notify, f"the board could not be read: {exc}",
                                      severity="error")
            return
        self.app.call_from_thread(self.draw, found)

    # -- drawing -------------------------------------------------------------------------

    def draw(self, board: Board) -> None:
        if not self.is_mounted:
            return
        first = self.board is None
        self.board = board
        now = board.now
        waiting = sum(sum(row.values()) for _, row in board.aging)
        local = now.astimezone(day_zone(self.console.settings))
        counts = Text(f"{waiting:,} waiting · ")
        counts.append(f"{board.due_soon_total:,} late or due in "
                      f"{span(AT_RISK_WITHIN.total_seconds())}",
                      style="bold red" if board.due_soon_total else "")
        self._head = (f"{local:%a %d %b} ", f"{local:%H:%M %Z}", counts)  # whose clock: the
        # team's hours' zone, not the timeline's UTC nor the machine's
        self._updating = False
        self._show_headline()
        fill(self.query_one("#aging", DataTable), aging_rows(board.aging))
        fill(self.query_one("#queues", DataTable), reply_rows(board.queues))
        fill(self.query_one("#channels", DataTable), reply_rows(board.channels))
        shown = min(len(board.due_soon), board.due_soon_total)
        self.query_one("#due-title", Static).update(
            f"Due soon, then breached — enter opens, the case keys act ({shown} of "
            f"{board.due_soon_total:,} shown" + (
                f"; {ALL_DUE})"
                if shown < board.due_soon_total else ")"))
        due = self.query_one("#due", DataTable)
        kept = self._ids[due.cursor_row] if 0 <= due.cursor_row < len(self._ids) else None
        self._ids = [row["id"] for row in board.due_soon]
        self._fill_to_width()
        if kept in self._ids:  # the cursor stays on its case when the list sorts again (an
            due.move_cursor(row=self._ids.index(kept))  # escalation moved its due time: the
            # next key acted on the case that took its row)
        self.query_one("#satisfaction", Static).update(satisfaction(board))
        self._chart_trend(board)
        self._chart_spread(board)
        if first:
            for table_id, row in (self.console.board_place or (None, {}))[1].items():
                table = self.query_one(f"#{table_id}", DataTable)
                if table.row_count:
                    table.move_cursor(row=min(row, table.row_count - 1))
            self.call_after_refresh(self._focus_in_sight, first=True)

    def _fill_to_width(self) -> None:
        """The lists whose last column takes the screen's width (the due list's subjects,
        the team's capacities, the flow's reasons) follow it."""
        if self.board is None:
            return
        width = self.app.size.width
        fill(self.query_one("#due", DataTable),
             due_rows(self.board, self.board.now, self.console.sla.countdown, width))
        fill(self.query_one("#team", DataTable), team_rows(self.board, width), height=None)
        fill(self.query_one("#flow", DataTable), flow_rows(self.board, width), height=None)

    def _chart_trend(self, board: Board) -> None:
        widget = self.query_one("#trend", PlotextPlot)
        plt = widget.plt
        plt.clear_figure()
        days = [day[5:] for day, _, _ in board.flow]
        if days:
            plt.plot([n for _, n, _ in board.flow], label="opened", marker="braille")
            plt.plot([n for _, _, n in board.flow], label="solved", marker="braille")
            plt.xticks(list(range(1, len(days) + 1, 3)), days[::3])
        plt.title(f"Opened and solved, last {TREND_DAYS} days")
        widget.refresh()

    def _chart_spread(self, board: Board) -> None:
        widget = self.query_one("#spread", PlotextPlot)
        draw_spread(widget.plt, board.first_responses_today)
        widget.refresh()


def draw_spread(plt: Any, hours: list[float]) -> None:
    """The first replies' spread: SPREAD_BINS bars over their range, binned here, so the
    count's axis fits them (plotext's own binning put a bar of 3 under a top tick of 2), in
    whole replies (it read 0.17, 0.33 ... of two); no ticks with none yet."""
    plt.clear_figure()
    if hours:
        centres, counts = spread_bins(hours)
        plt.bar(centres, counts, reset_ticks=False)
        step = max(1, -(-max(counts) // 4))  # at most 5 ticks, the top one over every bar
        top = step * -(-max(counts) // step)  # (a bar of 5 rose above ticks 0, 2, 4)
        plt.ylim(0, top)
        plt.yticks(range(0, top + 1, step))
        plt.xticks(*_hour_ticks(min(hours), max(hours)))
    else:
        plt.yticks([])
        plt.xticks([])
    plt.title(f"First replies today: {len(hours):,}, hours")


def _hour_ticks(low: float, high: float) -> tuple[list[float], list[str]]:
    """Five ticks over the replies' hours, as exact as their spread needs (replies seconds
    apart read 7.16390 7.16424 7.16458 ...); one when they are alike to a hundredth."""
    digits = 0 if high - low >= 10 else 1 if high - low >= 1 else 2
    ticks = [low + (high - low) * n / 4 for n in range(5)]
    if not digits:  # whole hours where they read (23.7 read "24")
        ticks = sorted({min(max(round(tick), ceil(low)), floor(high)) for tick in ticks})
    labels = [f"{tick:.{digits}f}" for tick in ticks]
    if len(set(labels)) == 1:
        return [(low + high) / 2], [labels[0]]
    return ticks, labels


def spread_bins(values: list[float]) -> tuple[list[float], list[int]]:
    """SPREAD_BINS equal bins over the values' range: each one's centre and how many it
    holds (one bin when all are equal)."""
    low = min(values)
    width = (max(values) - low) / SPREAD_BINS
    if not width:
        return [low], [len(values)]
    held = Counter(min(int((v - low) / width), SPREAD_BINS - 1) for v in values)
    return ([low + (n + 0.5) * width for n in range(SPREAD_BINS)],
            [held[n] for n in range(SPREAD_BINS)])


COLUMNS = {
    "aging": ("age", *BANDS, ""),
    "queues": ("queue", "opened", "p50", "p90", "late"),
    "channels": ("channel", "opened", "p50", "p90", "late"),
    "due": ("#", "due", "prio", "queue", "owner", "status", "subject"),
    "team": ("agent", "state", "open", "paused", "solved", "1st reply", "open/cap"),
    # (today, p50/p90, capacity: the title says it; at 80 columns the names ran off, then
    # "solved", then the capacities; "paused", not "waiting": the headline's waiting is
    # every case)
    "flow": ("what", "share", "most common")}


def fill(table: DataTable, rows: list[tuple[object, ...]], height: int | None = 1) -> None:
    """The rows again, the cursor where it was (`height` None: each row as high as its
    cells' lines). A cell given as a string is shown literally: a DataTable reads strings
    as markup, and a subject "[/]" stopped the console."""
    row = table.cursor_row
    table.clear()
    for column, *cells in zip(table.columns.values(), *rows, strict=False):
        # as wide as what they hold now: a clear keeps the widest ever seen, and after a
        # resize from 200 to 80 columns the due list scrolled sideways into blank space;
        # measured here, not when the table is next idle: on a busy store the board was
        # drawn first with the names' widths, its ages cut to "< 1", "4-2" for a second
        column.content_width = max([column.label.cell_len, *map(_cells, cells)])
    for values in rows:
        table.add_row(*(Text(v) if isinstance(v, str) else v for v in values), height=height)
    if rows:
        table.move_cursor(row=min(max(row, 0), len(rows) - 1))


def _cells(value: object) -> int:
    """The cells a list's value takes across: its widest line."""
    return max(cell_len(line) for line in str(value).split("\n"))


def clean(text: str) -> str:
    return sanitize(text, multiline=False)


def due_rows(board: Board, now: datetime, countdown: Countdowns, width: int
             ) -> list[tuple[object, ...]]:
    """Time left in each case's policy time, as the queue counts it; each subject in what
    a screen `width` cells wide leaves beside the other columns as wide as they are now,
    cut with "…" (at 60 characters mid-word, with 90 columns empty beside it; at 80x24 the
    list ran past the screen's edge, under the board's scrollbar)."""
    rows = []
    for row in board.due_soon:
        left = countdown(row["queue"], parse_db_time(row["sla_due"]), now)
        rows.append((str(row["id"]), Text(countdown_words(left, row["status"], now),
                                          style="bold red" if left.left <= 0 else "yellow"),
                     f"{row['priority']:g}", clean(row["queue"]), clean(row["owner"] or "-"),
                     status_words(row["status"])))
    room = _room("due", rows, width)
    return [(*cells, cut(clean(row["subject"] or "(no subject)"), room))
            for cells, row in zip(rows, board.due_soon, strict=True)]


def _room(table: str, rows: list[tuple[object, ...]], width: int) -> int:
    """The cells a list's last column has on a screen `width` cells wide beside its other
    columns (`rows` without it) as wide as they are now; SUBJECT_LEAST at the least (the
    list then scrolls sideways)."""
    others = [max(cell_len(str(cell)) for cell in (name, *column)) for name, *column in
              zip(COLUMNS[table], *rows, strict=False)]
    return max(SUBJECT_LEAST, width - sum(others) - LIST_EDGES)


def cut(text: str, width: int) -> Text:
    """`text` in at most `width` cells, ending "…" when cut."""
    shown = Text(text)
    shown.truncate(width, overflow="ellipsis")
    return shown


def aging_rows(aging: list[tuple[str, dict[str, int]]]) -> list[tuple[object, ...]]:
    """Each age's counts by priority band, and a bar as long as its cases beside the
    biggest age's (`band_cells`)."""
    biggest = max((sum(row.values()) for _, row in aging), default=0) or 1
    rows = []
    for label, row in aging:
        bar = Text()
        for band, cells in zip(BANDS, band_cells(row, biggest), strict=True):
            bar.append("█" * cells, style=BAND_STYLES[band])
        rows.append((label, *(Text(f"{row[band]:,}", style=BAND_STYLES[band], justify="right")
                              for band in BANDS), bar))
    return rows


def band_cells(row: dict[str, int], biggest: int) -> list[int]:
    """The cells of each band's part of an age's bar, BAR for `biggest` cases: each part
    ends where the cases up to it would end (rounded apart, 134 cases drew 24 cells and 133
    drew 25), a band with cases has a cell at least (2 of 134 drew none), taken from the
    widest part when the bar would pass BAR."""
    ends = [round(BAR * count / biggest) for count in accumulate(row[band] for band in BANDS)]
    cells = [end - start for start, end in zip([0, *ends], ends, strict=False)]
    for index, band in enumerate(BANDS):
        if row[band] and not cells[index]:
            cells[index] = 1
            if sum(cells) > BAR:
                cells[max(range(len(cells)), key=cells.__getitem__)] -= 1
    return cells


def reply_rows(lines: list[FirstReplies]) -> list[tuple[object, ...]]:
    """Each line's first replies today; "late": of its cases answered or past their due
    time, how many missed their own target (red when more than one in ten did)."""
    return [(clean(line.name), Text(f"{line.opened_today:,}", justify="right"),
             _span(line.first_response.p50), _span(line.first_response.p90),
             late_words(line.late)) for line in lines]


def late_words(late: Rate) -> Text:
    """"2 of 9": red past LATE_SHARE, yellow for any, green for none; "-": none judged."""
    if not late.whole:
        return Text("-", style="dim")
    share = late.share or 0
    return Text(f"{late.part:,} of {late.whole:,}",
                style="bold red" if share > LATE_SHARE else "yellow" if late.part else "green")


def team_rows(board: Board, width: int) -> list[tuple[object, ...]]:
    """Each agent's line; their load of each channel class against its capacity on one
    line if what a screen `width` cells wide leaves it holds them, else one a line (at 80
    columns "chat 30/3" ran off the screen's edge, uncut)."""
    rows, loads = [], []
    for agent in board.team:
        name = Text(clean(agent.name)) + (Text(" (supervisor)", style="dim")
                                          if agent.role == "supervisor" else Text(""))
        loads.append([Text(f"{clean(k)} {agent.load.get(k, 0)}/{v}"
                           + ("!" if agent.over(k) else ""),
                           style="bold red" if agent.over(k) else "")
                      for k, v in agent.capacity.items()] or [Text("-")])
        rows.append((name, Text(agent.state, style="green" if agent.state == "here"
                                else "dim"),
                     Text(f"{agent.working:,}", style="bold red" if agent.overloaded else ""),
                     f"{agent.paused:,}", f"{agent.solved_today:,}",
                     f"{_span(agent.first_response.p50)}/{_span(agent.first_response.p90)}"))
    room = _room("team", rows, width)

    def fitted(parts: list[Text]) -> Text:
        if cell_len(" · ".join(str(p) for p in parts)) <= room:
            return Text(" · ").join(parts)
        for part in parts:
            part.truncate(room, overflow="ellipsis")
        return Text("\n").join(parts)

    return [(*cells, fitted(parts)) for cells, parts in zip(rows, loads, strict=True)]


def flow_rows(board: Board, width: int) -> list[tuple[object, ...]]:
    """Reopened and reassigned: the share, and the three most common whats and whys, in
    what a screen `width` cells wide leaves them: on one line when they fit, else one a
    line (under their label when even that is tight), a long one wrapped onto a second
    and cut at a word there; measured in cells (three routing reasons ran past a
    120-column screen, to be read only by scrolling sideways)."""
    rows = [("reopened", f"{_share(board.reopened.share)} of the solved", "about: ",
             board.reopened_what),
            ("reassigned", f"{_share(board.reassigned.share)} of the assigned",
             "left their owner: ", [(arrowed(why), n) for why, n in board.reassigned_why])]
    room = width - FLOW_EDGES - max(cell_len(r[0]) for r in rows) - max(
        cell_len(r[1]) for r in rows)

    def top(label: str, counted: list[tuple[str, int]]) -> Text:
        shown = [f"{clean(what)} ({count:,})" for what, count in counted] or ["-"]
        if cell_len(label + " · ".join(shown)) <= room:
            return Text(label + " · ".join(shown), style="dim")
        beside = room - cell_len(label) >= FLOW_WHY_LEAST  # else under the label
        fit = room - cell_len(label) if beside else max(room, 1)
        lines = [line for what, count in counted
                 for line in _two_lines(clean(what), count, fit)]
        if beside:
            return Text(label + ("\n" + " " * cell_len(label)).join(lines), style="dim")
        return Text("\n".join([label.rstrip(), *lines]), style="dim")

    return [(what, share, top(label, counted)) for what, share, label, counted in rows]


def _two_lines(what: str, count: int, width: int) -> list[str]:
    """`what (count)` wrapped at `width` cells, on two lines at most: cut at a word, the
    count kept."""
    tail = f" ({count:,})"
    lines = _wrapped(what + tail, width)
    if len(lines) <= 2:
        return lines
    first = _wrapped(what, width)[0]
    rest = _wrapped(what[len(first):].strip(), width - cell_len(tail) - 1)
    return [first, rest[0] + ("…" if len(rest) > 1 else "") + tail]


def _wrapped(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` cells, broken between words (a word longer than
    a line is cut)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        joined = f"{line} {word}" if line else word
        if cell_len(joined) <= width:
            line = joined
            continue
        if line:
            lines.append(line)
        line = set_cell_size(word, width) if cell_len(word) > width else word
    return [*lines, line] if line else lines


def satisfaction(board: Board) -> Text:
    answers, mean, happy = board.csat
    return Text("satisfaction: " + (
        f"{mean:.1f} of 5 ({plural(answers, 'answer')}, {happy / answers:.0%} 4-5)"
        if answers and mean is not None else "no answers"))


def _span(seconds: float | None) -> str:
    return span(seconds) if seconds is not None else "-"


def _share(share: float | None) -> str:
    return f"{share:.0%}" if share is not None else "-"
