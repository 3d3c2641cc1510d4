"""The unified queue: every channel's cases in one list, its views, orders and search, and a
status bar.

Reads for the rows on screen run on the UI thread (a page is well under a millisecond at a
million cases); the whole ordered id list of a view, which can take half a second at that
size, loads in a thread worker with its own connection. Each new query (a view, an order,
what the agent typed) starts a generation: a list that arrives for an older one is dropped.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.suggester import Suggester
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import get_current_worker

from omnitui.choices import SORTS
from omnitui.filters import KEYS, KEYS_HINT, Narrowing, Vocabulary, complete, vocabulary_of
from omnitui.model import Status
from omnitui.sanitize import sanitize
from omnitui.services.merge import after_move
from omnitui.store.cases import live_case_id
from omnitui.store.db import STORE_ERRORS, expected, store_problem
from omnitui.store.queries import (
    CaseQuery,
    awaiting_reply,
    distinct_values,
    known_agents,
    list_cases,
    queue_ids,
    summaries,
)
from omnitui.tui.hits import nothing_to_walk
from omnitui.tui.keys import bind, bound_action
from omnitui.tui.screens.work import CASE_ACTIONS, WorkScreen
from omnitui.tui.status import incidents_text
from omnitui.tui.views import ALL_OPEN, View, narrow, saved_views, standard_views
from omnitui.tui.widgets import show_line
from omnitui.tui.widgets.case_list import CaseList, header_text
from omnitui.tui.widgets.key_bar import KeyBar
from omnitui.tui.widgets.typing import SearchInput
from omnitui.wording import act_on_live, moved_words, plural

if TYPE_CHECKING:
    from omnitui.model import CaseDetail, CaseSummary
    from omnitui.store.business_events import BusinessEvent
    from omnitui.tui.app import OmnituiApp

FIRST_PAGE = 100  # rows painted before the full id list of the view arrives
LOOK_AHEAD_AFTER = 0.15  # seconds on a row before what opening its case shows is looked up
# Seconds after the queue first shows before any look-ahead: the first one loads the semantic
# model (1-2 s of the interpreter's lock in a thread), and at start it fell on the agent's
# first keys (a filter typed then took 0.8-3.2 s at a million cases, its page 10 ms of it).
QUIET_START = 2.0
NEW_SCAN = 500  # cases checked per query when looking for the next one awaiting an answer
FILTER_START = "status:"  # what `\` opens the box with: the filter most often typed
MIN_FILTER_ECHO = 12  # cells of the view and filter the status bar keeps when it is full


class FilterSuggester(Suggester):
    """Completes filter keys and values as the agent types (tab or → takes the suggestion)."""

    def __init__(self, vocabulary: Callable[[], Vocabulary]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.vocabulary = vocabulary

    async def get_suggestion(self, value: str) -> str | None:
        return complete(value, self.vocabulary())


class QueueScreen(WorkScreen):
    BINDINGS = [replace(binding, priority=True) for binding in [
        bind("queue.search", "narrow('')"),
        bind("queue.filter", f"narrow('{FILTER_START}')"),
        bind("view.pick", "pick_view"),
        bind("view.next", "step_view(1)"),
        bind("view.prev", "step_view(-1)"),
        bind("queue.sort", "cycle_sort"),
        bind("queue.search_next", "step(1)"),
        bind("queue.search_prev", "step(-1)"),
        bind("queue.next_new", "step_new(1)"),
        bind("queue.prev_new", "step_new(-1)"),
        bind("case.merge", "merge"),
        bind("app.quit_confirm", "app.quit_confirm"),
    ]]

    DEFAULT_CSS = """
    QueueScreen #narrow { display: none; height: 3; }
    QueueScreen #narrow.-open { display: block; }
    QueueScreen #narrow-help { display: none; height: auto; padding: 0 1; }
    QueueScreen #narrow-help.-open { display: block; }
    QueueScreen #incidents { display: none; height: auto; background: $warning 30%; }
    QueueScreen #incidents.-on { display: block; }
    """

    def __init__(self, console: OmnituiApp) -> None:
        super().__init__()
        store, agent, settings = console.store, console.agent, console.settings
        self.views = [*saved_views(settings.views, agent),
                      *standard_views(agent, distinct_values(store.conn, "queue"),
                                      distinct_values(store.conn, "channel"), console.clock())]
        self.view_index = 0
        self.narrowed_by = ""  # what the agent typed into search / filter
        self.narrowing = Narrowing()
        self.vocabulary = Vocabulary(me=agent)
        self.sort: str | None = None  # another order than the view's own, picked with s
        self._generation = 0  # bumped by every new query
        self._loads = 0  # id-list loads started, and the newest one shown
        self._shown_load = 0
        self.health = Text()  # the daemon's and channels' state (the app refreshes it)
        self.brief_health = Text()  # the same, the channels that work only counted
        self._look_ahead: Timer | None = None
        self._quiet_until = 0.0  # (monotonic) no look-ahead before: QUIET_START

    def compose(self) -> ComposeResult:
        conn = self.console.store.conn

        def rows(ids: list[int]) -> dict[int, CaseSummary]:
            return summaries(conn, ids)

        yield Static("", id="incidents")
        yield Static("", id="queue-header")
        yield CaseList(rows, self.console.clock, id="queue",
                       countdown=self.console.sla.countdown, zone=self.console.zone)
        yield SearchInput(id="narrow", select_on_focus=False,
                          suggester=FilterSuggester(lambda: self.vocabulary),
                          placeholder=f"search words, #N, or filter: {KEYS_HINT}")
        yield Static("", id="narrow-help")
        yield Static("", id="status-bar")
        yield KeyBar()

    def on_mount(self) -> None:
        self._quiet_until = time.monotonic() + QUIET_START
        self.cases.focus()
        self.show_first_page()

    @property
    def cases(self) -> CaseList:
        return self.query_one(CaseList)

    # -- which cases the keys act on --------------------------------------------------

    def targets(self) -> list[int]:
        """The marked cases the agent can see, else the highlighted one."""
        if marked := self.cases.visible_marks():
            return marked
        return [self.cases.current_id] if self.cases.current_id is not None else []

    def owners(self) -> list[str | None] | None:
        targets = self.targets()
        rows = self.cases.rows_of(targets)
        return [row.owner for row in rows] if targets and len(rows) == len(targets) else None

    def statuses(self) -> set[str]:
        return {row.status for row in self.cases.rows_of(self.targets())}

    def declined(self, action: str) -> str | None:
        """A case merged away (`status:closed` lists them) takes no case key, as on its own
        screen: the key bar offered Solved, Reply and Note on it, each refused (Reply after
        the agent had written it)."""
        if action in CASE_ACTIONS and self.statuses() == {Status.CLOSED}:
            case_id = self.targets()[0]
            if (live := live_case_id(self.console.store.conn, case_id)) != case_id:
                return act_on_live(case_id, live)
        return super().declined(action)

    def one_case(self) -> int | None:
        """The one marked case, else the highlighted one. With several marked, none: a
        reply must never go to a case the agent did not mean."""
        marked = self.cases.visible_marks()
        if len(marked) > 1:
            self.notify(f"{len(marked)} cases are marked: this acts on one case (escape "
                        "clears the marks)", severity="warning")
            return None
        if (case_id := marked[0] if marked else self.cases.current_id) is None:
            self.say_none_chosen()
        return case_id

    # -- the list: views, orders, what the agent typed --------------------------------

    @property
    def view(self) -> View:
        return self.views[self.view_index]

    @property
    def case_query(self) -> CaseQuery:
        """The view's query, narrowed by what the agent typed, in the order picked."""
        query, self.narrowing = narrow(self.view.query, self.narrowed_by, self.vocabulary)
        return replace(query, sort=self.sort) if self.sort else query

    def show_first_page(self) -> None:
        """Paint the top of the view at once (an indexed page costs under a millisecond at
        a million cases), then load the whole ordered id list behind it."""
        self._generation += 1
        query = self.case_query
        with self.console.reporting("loading the queue"):
            first = list_cases(self.console.store.conn, replace(query, limit=FIRST_PAGE))
            self.cases.set_ids(array("q", (c.id for c in first)), complete=False)
        self.cases.forget_rows(None)
        if self.cases.show_waits(query.waits):  # the column names follow
            self.call_after_refresh(self._draw_header)
        self.update_status()
        self.reload()

    def show_case(self, detail: CaseDetail) -> None:
        from omnitui.tui.screens.case import CaseScreen  # loaded after the first paint

        self.console.push_screen(CaseScreen(detail))

    def cases_changed(self, changed: set[int] | None) -> None:
        self.reload(changed)
        self.refresh_bindings()  # Take comes and goes with the case's owner

    def follow(self) -> None:
        self.cases.follow_clock()

    def reload(self, changed: set[int] | None = None) -> None:
        """Load the view's whole id list again, in a thread; `changed`: the cases whose
        change calls for it (their rows are read again, and a marked one that left the view
        loses its mark)."""
        self.cases.forget_rows(changed)
        self._loads += 1
        self._load_ids(self.case_query, self._generation, self._loads, changed)

    @work(thread=True, group="ids", exit_on_error=False)
    def _load_ids(self, query: CaseQuery, generation: int, load: int,
                  changed: set[int] | None) -> None:
        if generation != self._generation:
            return  # superseded while it waited for a thread: a list nobody will see
        try:
            with self.console.readers.reading() as conn:
                ids = queue_ids(conn, query)
        except STORE_ERRORS as exc:
            self._report_from_thread(exc, "load the queue")
            return
        self.app.call_from_thread(self._show_ids, ids, generation, load, changed)

    def _report_from_thread(self, exc: Exception, doing: str) -> None:
        """A worker's store failure is a message on screen; anything else is a bug and
        keeps its traceback."""
        if not expected(exc):
            raise exc
        self.app.call_from_thread(self.notify, f"could not {doing}: {store_problem(exc)}",
                                  severity="error")

    def _show_ids(self, ids: array[int], generation: int, load: int,
                  changed: set[int] | None) -> None:
        if generation != self._generation or load < self._shown_load:
            return  # the agent has moved on to another query, or a newer list is shown
        self._shown_load = load
        self.cases.set_ids(ids, changed=changed)
        self.update_status()

    def set_view(self, index: int) -> None:
        self.view_index = index % len(self.views)
        self.sort = None  # each view comes in its own order
        self.cases.to_top()
        self.show_first_page()

    def action_step_view(self, step: int) -> None:
        self.set_view(self.view_index + step)

    def action_pick_view(self) -> None:
        def chosen(index: int | None) -> None:
            if index is not None:
                self.set_view(index)

        from omnitui.tui.screens.modals import PickScreen

        self.app.push_screen(PickScreen("View", [v.name for v in self.views],
                                        self.view_index), chosen)

    def action_cycle_sort(self) -> None:
        """s: the view's own order, then each other order in turn."""
        order = [None, *(name for name in SORTS if name != self.view.query.sort)]
        self.set_sort(order[(order.index(self.sort) + 1) % len(order)])

    def set_sort(self, sort: str | None) -> None:
        self.sort = sort
        self.show_first_page()

    def update_status(self) -> None:
        cases = self.cases
        count = plural(len(cases.ids), "case") + ("" if cases.complete else "+ …")
        seen = len(cases.visible_marks())
        marks = f" · {seen} marked" if seen else ""
        if hidden := len(cases.marked) - seen:
            marks += f" · {plural(hidden, 'marked case')} in other views"
        narrowed = (f" · {sanitize(self.narrowed_by, multiline=False)}"
                    if self.narrowed_by.strip() else "")
        doubt = (" (not all understood)"  # "intent:biling · 373 cases" read as if the 373
                 if self.narrowed_by.strip() and self.narrowing.problems else "")  # were its
        order = f" · by {SORTS[self.sort]}" if self.sort else ""  # (after the doubt)
        me = self.console.me
        line = Text(" " + sanitize(self.console.agent, multiline=False))
        if me is not None and me.away_since is not None:
            line.append(" (away)", style="bold yellow")
        where = Text(" · " + sanitize(f"{self.view.name}{narrowed}", multiline=False))
        counted = f" · {count}{marks} │ "
        tail = Text(doubt + order + counted)
        bar = self.query_one("#status-bar", Static)
        full = line + where + tail + self.health
        room = bar.size.width or self.app.size.width  # (0 before the first layout)
        if full.cell_len > room:  # one line (the rows are what the agent works on): the
            tail += self.brief_health  # channels that work counted, and the filter as
            if room - line.cell_len - tail.cell_len < MIN_FILTER_ECHO:  # typed cut before
                tail = Text(doubt + counted) + self.brief_health  # the count,
            spare = room - line.cell_len - tail.cell_len  # the order dropped if it must be
            if spare >= MIN_FILTER_ECHO:  # (at 80 columns a long filter hid the count)
                where.truncate(spare, overflow="ellipsis")
            full = line + where + tail
            full.truncate(room, overflow="ellipsis")  # (doctor says it all)
        show_line(bar, full)

    def show_incidents(self, events: list[BusinessEvent]) -> None:
        banner = self.query_one("#incidents", Static)
        banner.set_class(bool(events), "-on")
        show_line(banner, incidents_text(events, self.console.zone))

    def on_case_list_marks_changed(self) -> None:
        self.update_status()
        self.refresh_bindings()  # the keys act on other cases: Take may come or go

    def on_case_list_opened(self, message: CaseList.Opened) -> None:
        with self.console.reporting("opening the case"):
            self.console.open_case(message.case_id)

    # -- search and filter ------------------------------------------------------------

    def action_narrow(self, start: str) -> None:
        """Open the search box (filters with `\\`). Focus moves at once, inside this key's
        handling: keys typed right after it are already queued and must reach the box,
        not fire the queue's own keys."""
        box = self.query_one("#narrow", Input)
        self._learn_vocabulary()
        box.add_class("-open")
        self.query_one("#narrow-help").add_class("-open")
        if start and not box.value:
            box.value = start
        self.set_focus(box)
        box.cursor_position = len(box.value)

    def narrow_to(self, text: str) -> None:
        """Show the cases `text` filters to among all open ones, as if typed and kept (the
        board's drill-down: "owner:alice", "age:1h-4h"); esc in the box clears it as
        always."""
        self.view_index = max(i for i, view in enumerate(self.views) if view.name == ALL_OPEN)
        self.sort = None
        self._learn_vocabulary()
        box = self.query_one("#narrow", Input)
        box.add_class("-open")
        self.query_one("#narrow-help").add_class("-open")
        if box.value == text:  # no change for the box to tell: the view's may be one
            self._narrow_by(text)
        box.value = text
        self.cases.focus()

    def _learn_vocabulary(self) -> None:
        """The agents, queues and intents filters may name, read when the search box
        opens."""
        conn = self.console.store.conn
        self.vocabulary = vocabulary_of(self.console.agent, known_agents(conn, former=True),
                                        distinct_values(conn, "queue"), self.console.settings)

    @on(Input.Changed, "#narrow")
    def _narrowed(self, event: Input.Changed) -> None:
        """A key typed right after the `status:` that `\\` begins with takes its place:
        "\\owner:me" read "status:owner:me", no status of that name. Keys typed ahead
        (fast, pasted, or while the console was busy) narrow once, by the box's latest
        value: each value on the way was a page read on this thread, and "s" alone, a
        full-text search, took 60-270 ms at a million cases."""
        if event.value != event.input.value:
            return  # a newer value is on its way: its own Changed narrows
        typed = event.value.removeprefix(FILTER_START)
        key, colon, _ = typed.partition(":")
        if typed != event.value and colon and key in KEYS:
            event.input.value = typed
            event.input.cursor_position = len(typed)
            return  # the box's change for its new value narrows
        self._narrow_by(event.value)

    def _narrow_by(self, text: str) -> None:
        self.narrowed_by = text
        self.cases.to_top()
        self.show_first_page()
        self._show_narrowing_help()

    def _show_narrowing_help(self) -> None:
        """Under the box: what the typed text could not mean, or how to go on."""
        meaning, typed = self.narrowing, self.narrowed_by
        line = Text()
        completion = complete(typed, self.vocabulary)
        if completion and not typed.endswith(" "):  # a word still being typed
            line.append(sanitize(f"→ {completion.rpartition(' ')[2]}"), style="dim")
        elif meaning.case_id is not None:
            line.append(f"enter opens case #{meaning.case_id}", style="bold")
        elif meaning.problems:
            line.append(sanitize("; ".join(meaning.problems), multiline=False), style="yellow")
        elif typed.strip().isdigit():
            line.append(f"#{typed.strip()} opens case {typed.strip()}", style="dim")
        else:
            line.append(f"enter keeps · esc clears · tab completes · {KEYS_HINT}", style="dim")
        self.query_one("#narrow-help", Static).update(line)

    @on(Input.Submitted, "#narrow")
    def _narrow_kept(self) -> None:
        if self.narrowing.case_id is not None:
            case_id = self.narrowing.case_id
            self._close_narrowing()
            self.console.open_case(case_id)
            return
        self._to_list()

    def _close_narrowing(self) -> None:
        box = self.query_one("#narrow", Input)
        box.value = ""
        box.remove_class("-open")
        self.query_one("#narrow-help").remove_class("-open")
        self._to_list()

    def _to_list(self) -> None:
        """The keys go back to the rows: the one under the cursor is looked ahead at (not
        while the agent typed: `_look_ahead_at`)."""
        self.cases.focus()
        self._look_ahead_soon(self.cases.current_id)

    def on_key(self, event: events.Key) -> None:
        """In the search box, escape clears it, and a key of the palette's that types
        nothing (ctrl+p: `:` is a filter's) opens it, with the queue's entries: the box is
        the queue's (the console's keys are the box's there, and it did nothing)."""
        if not self.query_one("#narrow", Input).has_focus:
            return
        if event.key == "escape":
            self._close_narrowing()
            event.stop()
        elif not event.is_printable and bound_action(self.app, event.key) == "command_palette":
            event.stop()
            self.app.action_command_palette()

    def on_case_list_nothing_marked(self) -> None:
        """escape on the list clears its marks, then a kept filter (the box still up says
        "esc clears")."""
        if self.narrowed_by:
            self._close_narrowing()

    # -- moving -----------------------------------------------------------------------

    def action_step(self, step: int) -> None:
        """n / N on the queue, which a search for words has narrowed to hits: the next case
        (omnitui/tui/hits.py). With no word searched there are no hits to walk (n moved
        down like j, as if it had found something)."""
        if not (words := self.narrowing.words):
            self.notify(nothing_to_walk(self.narrowed_by), severity="warning")
            return
        if not 0 <= self.cases.cursor + step < len(self.cases.ids):  # (it stood, silent;
            if step < 0 or self.cases.complete:  # below the first page, the rest comes)
                self.notify(f"no more cases with {' '.join(words)!r} "
                            f"{'below' if step > 0 else 'above'}", severity="warning")
            return
        self.cases.move_to(self.cases.cursor + step)

    def step_from(self, case_id: int, step: int) -> int | None:
        """J / K on a case: the case after (or before) it in this queue. If that case just
        left the view (solved, snoozed), the cursor already sits on its successor, which
        is the next case."""
        cases = self.cases
        if case_id == cases.current_id:
            cases.move_to(cases.cursor + step)
        elif case_id in cases.ids:
            cases.move_to(cases.ids.index(case_id) + step)  # type: ignore[attr-defined]
        elif step < 0:
            cases.move_to(cases.cursor - 1)
        return cases.current_id

    def action_step_new(self, step: int) -> None:
        """] / [: the next or previous case still waiting for an answer: a customer's
        message that asks something, and no answer of ours since (`awaiting_reply`)."""
        self._find_waiting(self.cases.ids, self.cases.cursor, step)

    @work(thread=True, group="waiting", exclusive=True, exit_on_error=False)
    def _find_waiting(self, ids: Sequence[int], cursor: int, step: int) -> None:
        """Scan the view's order in chunks, in a thread: far down a million cases it takes
        a moment, and the console stays live (another press starts over from there)."""
        worker = get_current_worker()
        found, index = None, cursor + step
        try:
            with self.console.readers.reading() as conn:
                while found is None and 0 <= index < len(ids) and not worker.is_cancelled:
                    chunk = range(index, min(len(ids), index + NEW_SCAN)) if step > 0 else \
                        range(index, max(-1, index - NEW_SCAN), -1)
                    waiting = awaiting_reply(conn, [ids[i] for i in chunk])
                    found = next((ids[i] for i in chunk if ids[i] in waiting), None)
                    index = chunk[-1] + step
        except STORE_ERRORS as exc:
            self._report_from_thread(exc, "look for the next case waiting")
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._arrive_at_waiting, found, step)

    def _arrive_at_waiting(self, case_id: int | None, step: int) -> None:
        if case_id is None or not self.cases.move_to_case(case_id):
            way = "below" if step > 0 else "above"
            self.notify(f"no case waiting for an answer {way}", severity="warning")

    # -- the queue's own actions ------------------------------------------------------

    def action_merge(self) -> None:
        """Merge the marked cases into the highlighted one, after a confirm."""
        target = self.cases.current_id
        sources = [c for c in self.cases.visible_marks() if c != target]
        if target is None or not sources:
            self.notify("mark the cases to merge, then highlight the one to keep",
                        severity="warning")
            return

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            audit_ids = self.console.desk.merge_cases(sources, target,
                                                      other_customers=True)  # asked
            self.cases.marked.clear()
            self.console.cases_changed({target, *sources})
            conn = self.console.store.conn
            after = [after_move(conn, [], target, audit_id) for audit_id in audit_ids]
            resumed = any(opened for _, _, opened in after)
            self.notify(f"merged {', '.join(f'#{s}' for s in sources)} into #{target}"
                        f"{moved_words([], target, after[-1][1], resumed)} (u takes it back)")

        from omnitui.tui.screens.modals import ConfirmScreen

        rows = summaries(self.console.store.conn, [*sources, target])
        self.app.push_screen(ConfirmScreen(merge_question(sources, target, rows)), confirmed)

    def on_case_list_cursor_moved(self, message: CaseList.CursorMoved) -> None:
        """Look up the solved cases like the one under the cursor once the agent stays on
        its row (not for every row they pass), so opening it shows them at once. Take
        comes and goes with the row's owner."""
        self.refresh_bindings()
        self._look_ahead_soon(message.case_id)

    def _look_ahead_soon(self, case_id: int | None) -> None:
        if self._look_ahead is not None:
            self._look_ahead.stop()
        if case_id is not None:
            wait = max(LOOK_AHEAD_AFTER, self._quiet_until - time.monotonic())
            self._look_ahead = self.set_timer(wait, partial(self._look_ahead_at, case_id))

    def _look_ahead_at(self, case_id: int) -> None:
        """Not while the agent types in the search box: the rows change under each key
        (`_to_list` looks at the row they come back to)."""
        self._look_ahead = None
        if (not self.query_one("#narrow", Input).has_focus
                and self.console.settings.semantic.similar_cases
                and self.console.similar_cases.known(case_id) is None):
            self._find_similar(case_id)

    @work(thread=True, group="similar", exclusive=True, exit_on_error=False)
    def _find_similar(self, case_id: int) -> None:
        with suppress(*STORE_ERRORS):  # only a help: the case screen asks again
            self.console.similar_cases.find(case_id)

    def on_case_list_row_width_changed(self) -> None:
        self.call_after_refresh(self._draw_header)

    def _draw_header(self) -> None:
        """Column names over the rows, at the rows' own width (after the scrollbar)."""
        cases = self.cases
        self.query_one("#queue-header", Static).update(Text(header_text(cases.row_width,
                                                                        cases.waits)))


def merge_question(sources: list[int], target: int, rows: dict[int, CaseSummary]) -> str:
    """The confirm before a merge; when the cases are different customers', it says whose
    conversations become one case, each by name and number ("(Ann Smith, Ann Smith)" told
    nothing)."""
    question = f"Merge {', '.join(f'#{s}' for s in sources)} into #{target}?"
    people = {rows[c].customer_id: f"{rows[c].customer_name or 'customer'} #{rows[c].customer_id}"
              for c in [target, *sources] if c in rows}  # two Ann Smiths told apart
    if len(people) > 1:
        question += (f" They belong to {len(people)} customers ({', '.join(people.values())}): "
                     f"their conversations become one case, #{target}, of "
                     f"{people[rows[target].customer_id]}.")
    return question
