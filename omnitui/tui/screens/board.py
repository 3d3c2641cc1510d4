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
from datetime import datetime
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Static

from omnitui.metrics.board import AT_RISK_WITHIN, PRIORITY_BANDS, TREND_DAYS, Board, read_board
from omnitui.metrics.funnel import day_zone
from omnitui.sanitize import sanitize
from omnitui.store.db import STORE_ERRORS, Store, parse_db_time
from omnitui.tui.keys import bind
from omnitui.tui.screens.work import WorkScreen
from omnitui.tui.widgets.key_bar import KeyBar
from omnitui.wording import countdown_words, plural, span

if TYPE_CHECKING:
    from omnitui.model import CaseDetail

BANDS = [name for name, _ in PRIORITY_BANDS] + ["low"]
BAND_STYLES = {"high": "bold red", "medium": "yellow", "low": "dim"}
BAR = 24  # cells of the longest aging bar
REFRESH_EVERY = 1.0  # seconds: a busy store redraws the board at most this often
WIDE = 110  # columns from which aging and the queues sit side by side


class BoardScreen(WorkScreen):
    """F3, or `omnitui --supervisor`."""

    DEFAULT_CSS = """
    BoardScreen #board { height: 1fr; }
    BoardScreen #top { height: auto; }
    BoardScreen #aging { width: 1fr; height: auto; }
    BoardScreen #queues { width: 1fr; height: auto; }
    BoardScreen.-narrow #top { layout: vertical; }
    BoardScreen #due { height: auto; max-height: 14; }
    BoardScreen .title { text-style: bold; margin-top: 1; }
    """
    BINDINGS = [*WorkScreen.BINDINGS, bind("board.close", "close")]

    def __init__(self) -> None:
        super().__init__()
        self.board: Board | None = None
        self._ids: list[int] = []
        self._asked = 0.0  # when the last read was started (monotonic)
        self._again = False  # a change came while a read was running

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="board"):
            yield Static("", id="headline")
            with Horizontal(id="top"):
                yield Static("", id="aging")
                yield Static("", id="queues")
            yield Static("", id="due-title", classes="title")
            table: DataTable[str] = DataTable(id="due", cursor_type="row", zebra_stripes=True)
            yield table
            yield Static("", id="team")
            yield Static("", id="flow")
        yield KeyBar()

    def on_resize(self) -> None:
        self.set_class(self.app.size.width < WIDE, "-narrow")

    def on_mount(self) -> None:
        self.on_resize()
        table = self.query_one("#due", DataTable)
        for name in ("#", "due", "prio", "queue", "owner", "status", "subject"):
            table.add_column(name, key=name)
        self.query_one("#headline", Static).update(Text("reading the store…", style="dim"))
        self._read()
        table.focus()

    # -- what the keys act on ------------------------------------------------------------

    def targets(self) -> list[int]:
        case_id = self._highlighted()
        return [case_id] if case_id is not None else []

    def one_case(self) -> int | None:
        case_id = self._highlighted()
        if case_id is None:
            self.notify("no case is due soon: nothing to act on here", severity="warning")
        return case_id

    def _highlighted(self) -> int | None:
        table = self.query_one("#due", DataTable)
        if not self._ids or table.cursor_row < 0:
            return None
        return self._ids[min(table.cursor_row, len(self._ids) - 1)]

    def show_case(self, detail: CaseDetail) -> None:
        from omnitui.tui.screens.case import CaseScreen

        self.console.push_screen(CaseScreen(detail))

    def action_open_highlighted(self) -> None:
        if (case_id := self.one_case()) is not None:
            self.console.open_case(case_id)

    def action_close(self) -> None:
        self.console.pop_screen()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_open_highlighted()

    # -- reading the store ---------------------------------------------------------------

    def cases_changed(self, changed: set[int] | None) -> None:
        """Read again, at most once a second (the latest change is never left unread)."""
        if time.monotonic() - self._asked >= REFRESH_EVERY:
            self._read()
        else:
            self._again = True

    def follow(self) -> None:
        if self._again and time.monotonic() - self._asked >= REFRESH_EVERY:
            self._read()

    def _read(self) -> None:
        self._asked, self._again = time.monotonic(), False
        self.run_worker(self._read_board, thread=True, group="board", exclusive=True)

    def _read_board(self) -> None:
        console = self.console
        try:
            with Store(console.db_path, migrate=False) as own:
                found = read_board(own.conn, console.settings, console.desk.router,
                                   console.desk.keeper, console.clock())
        except STORE_ERRORS as exc:
            self.app.call_from_thread(self.notify, f"the board could not be read: {exc}",
                                      severity="error")
            return
        self.app.call_from_thread(self.draw, found)

    # -- drawing -------------------------------------------------------------------------

    def draw(self, board: Board) -> None:
        if not self.is_mounted:
            return
        self.board = board
        now = board.now
        waiting = sum(sum(row.values()) for _, row in board.aging)
        local = now.astimezone(day_zone(self.console.settings))
        head = Text(f"Supervisor · {local:%a %d %b %H:%M} · ", style="bold")
        head.append(f"{plural(waiting, 'case')} waiting · ")
        head.append(f"{board.due_soon_total:,} breached or due within "
                    f"{span(AT_RISK_WITHIN.total_seconds())}",
                    style="bold red" if board.due_soon_total else "")
        self.query_one("#headline", Static).update(head)
        self.query_one("#aging", Static).update(aging_panel(board))
        self.query_one("#queues", Static).update(queues_panel(board))
        self.query_one("#due-title", Static).update(
            f"Due soon and breached — enter opens, the queue's keys act "
            f"({min(len(board.due_soon), board.due_soon_total)} of "
            f"{board.due_soon_total:,} shown)")
        self._fill_due(board, now)
        self.query_one("#team", Static).update(team_panel(board))
        self.query_one("#flow", Static).update(flow_panel(board))

    def _fill_due(self, board: Board, now: datetime) -> None:
        table = self.query_one("#due", DataTable)
        keep = self._highlighted()
        table.clear()
        self._ids = [row["id"] for row in board.due_soon]
        for row in board.due_soon:
            left = (parse_db_time(row["sla_due"]) - now).total_seconds()
            table.add_row(str(row["id"]), countdown_words(left, row["status"]),
                          f"{row['priority']:g}", clean(row["queue"]),
                          clean(row["owner"] or "-"), row["status"].replace("_", " "),
                          clean(row["subject"] or "(no subject)")[:60])
        if keep in self._ids:
            table.move_cursor(row=self._ids.index(keep))


def clean(text: str) -> str:
    return sanitize(text, multiline=False)


def aging_panel(board: Board) -> Group:
    table = Table(title="Waiting cases by age", title_justify="left", box=None,
                  padding=(0, 1, 0, 0))
    table.add_column("age", no_wrap=True)
    for band in BANDS:
        table.add_column(band, justify="right", style=BAND_STYLES[band])
    table.add_column("", no_wrap=True)
    biggest = max((sum(row.values()) for _, row in board.aging), default=0) or 1
    for label, row in board.aging:
        bar = Text()
        for band in BANDS:
            bar.append("█" * round(BAR * row[band] / biggest), style=BAND_STYLES[band])
        table.add_row(label, *(f"{row[band]:,}" for band in BANDS), bar)
    return Group(table)


def queues_panel(board: Board) -> Table:
    table = Table(title="Queues today: first reply", title_justify="left", box=None,
                  padding=(0, 1, 0, 0))
    for name, justify in (("queue", "left"), ("opened", "right"), ("p50", "right"),
                          ("p90", "right"), ("target", "right")):
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for line in board.queues:
        late = line.target is not None and line.first_response.p90 is not None and \
            line.first_response.p90 > line.target
        table.add_row(clean(line.name), f"{line.opened_today:,}", _span(line.first_response.p50),
                      Text(_span(line.first_response.p90), style="bold red" if late else ""),
                      _span(line.target))
    return table


def team_panel(board: Board) -> Table:
    table = Table(title="Team", title_justify="left", box=None, padding=(0, 1, 0, 0))
    for name, justify in (("agent", "left"), ("state", "left"), ("open", "right"),
                          ("waiting", "right"), ("capacity", "left"),
                          ("1st reply p50/p90 today", "right"), ("solved today", "right")):
        table.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for agent in board.team:
        name = Text(clean(agent.name)) + (Text(" (supervisor)", style="dim")
                                          if agent.role == "supervisor" else Text(""))
        capacity = " · ".join(f"{k} {v}" for k, v in agent.capacity.items()) or "-"
        table.add_row(name, Text(agent.state, style="green" if agent.state == "here" else
                                 "dim"),
                      Text(f"{agent.working:,}", style="bold red" if agent.overloaded else ""),
                      f"{agent.waiting:,}", capacity,
                      f"{_span(agent.first_response.p50)}/{_span(agent.first_response.p90)}",
                      f"{agent.solved_today:,}")
    return table


def flow_panel(board: Board) -> Group:
    title = Text(f"Flow, last {TREND_DAYS} days", style="bold")
    rates = Text(f"reopened {_share(board.reopened.share)} of the solved · reassigned "
                 f"{_share(board.reassigned.share)} of the assigned · satisfaction ")
    answers, mean, happy = board.csat
    rates.append(f"{mean:.1f} of 5 ({plural(answers, 'answer')}, {happy / answers:.0%} 4-5)"
                 if answers and mean is not None else "no answers")
    lines = [title, rates]
    biggest = max((max(opened, solved) for _, opened, solved in board.flow), default=0) or 1
    for day, opened, solved in board.flow:
        line = Text(f"{day[5:]}  ")
        line.append(f"{opened:>6,} in  ", style="")
        line.append("▇" * round(20 * opened / biggest), style="cyan")
        line.append(" " * (21 - round(20 * opened / biggest)))
        line.append(f"{solved:>6,} solved  ")
        line.append("▇" * round(20 * solved / biggest), style="green")
        lines.append(line)
    return Group(*lines)


def _span(seconds: float | None) -> str:
    return span(seconds) if seconds is not None else "-"


def _share(share: float | None) -> str:
    return f"{share:.0%}" if share is not None else "-"
