"""The console application: the queue and case screens on one store, live.

Reads for the rows on screen run on the UI thread (a page is well under a millisecond at
a million cases); the whole ordered id list of a view, which can take half a second at that
size, loads in a thread worker with its own connection. Another process's commit shows
within half a second: `data_version` is polled, and the audit feed says which cases changed.
"""

from __future__ import annotations

import re
import sqlite3
from array import array
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import events, on, work
from textual.actions import ActionParseResult
from textual.app import App, ScreenResultCallbackType, ScreenResultType
from textual.binding import Binding
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, Static, TextArea

from omnitui.config import ConfigError, Settings, attachments_dir
from omnitui.filters import Narrowing, Vocabulary, complete
from omnitui.keymap import BY_ID, KEYS, keymap_problem
from omnitui.sanitize import sanitize
from omnitui.services.desk import CaseChange, Desk
from omnitui.store import presence
from omnitui.store.audit import undone_actions
from omnitui.store.changes import changed_cases_since, data_version, last_change
from omnitui.store.channel_state import channel_states, daemon_state
from omnitui.store.db import (
    STORE_ERRORS,
    Store,
    StoreError,
    db_time,
    expected,
    set_busy_timeout,
    store_problem,
    utc_now,
)
from omnitui.store.messages import pending_count
from omnitui.store.queries import (
    CaseQuery,
    awaiting_reply,
    case_detail,
    distinct_values,
    known_agents,
    list_cases,
    queue_ids,
    summaries,
)
from omnitui.tui.case_actions import CASE_BINDINGS, CaseActions
from omnitui.tui.commands import ConsoleCommands
from omnitui.tui.customers import CustomerActions
from omnitui.tui.keys import bind
from omnitui.tui.macros import MACRO_BINDINGS, MacroActions
from omnitui.tui.screens.case import CaseScreen
from omnitui.tui.screens.modals import (
    AskScreen,
    ComposeScreen,
    PickScreen,
    TextScreen,
    help_table,
)
from omnitui.tui.screens.queue import QueueScreen
from omnitui.tui.status import health_text
from omnitui.tui.timeline import TimelineActions
from omnitui.tui.views import (
    SORT_NAMES,
    View,
    narrow,
    saved_views,
    standard_views,
)
from omnitui.tui.widgets.case_list import CaseList
from omnitui.tui.writing import WRITING_BINDINGS, DraftKeeper, WritingActions
from omnitui.vocabulary import undo_words
from omnitui.wording import plural

POLL_SECONDS = 0.5
# How long a console write waits for another writer: the daemon holds the lock for a
# fraction of a second at a time, so longer means something is wrong, and the agent learns
# it at once instead of a frozen screen (scripts and the daemon wait longer).
CONSOLE_BUSY_SECONDS = 2.0
PRESENCE_EVERY = 5.0  # seconds between "still here" marks while a case is open
PRESENCE_FRESH = timedelta(seconds=15)
HEALTH_SECONDS = 5.0
FIRST_PAGE = 100  # rows painted before the full id list of the view arrives
NEW_SCAN = 500  # cases checked per query when looking for the next one awaiting an answer
NEW_SCAN_MAX = 20_000  # and at most this many per key press (about 20 ms), at any size


class OmnituiApp(CaseActions, WritingActions, TimelineActions, CustomerActions, MacroActions,
                 App[None]):
    TITLE = "omnitui"
    # Priority: the app decides what a key means as it arrives, before the keys behind it
    # are handed on. A key that opens the search box, a dialog or the composer must have
    # done so before the next key comes, or a fast typist's "rSorry" would solve the case
    # ("S") instead of starting a reply. `check_action` hands keys to a text field or a
    # dialog instead, where they belong.
    BINDINGS = [replace(binding, priority=True) for binding in [
        bind("app.refresh", "refresh_now"),
        bind("view.pick", "pick_view"),
        bind("view.next", "step_view(1)"),
        bind("view.prev", "step_view(-1)"),
        *CASE_BINDINGS,
        bind("app.undo", "undo"),
        bind("app.goto", "goto"),
        *WRITING_BINDINGS,
        *MACRO_BINDINGS,
        bind("customer.link", "link_customer"),
        bind("app.help", "help"),
        bind("queue.search", "narrow('')"),
        bind("queue.search_next", "search_hit(1)"),
        bind("queue.search_prev", "search_hit(-1)"),
        bind("queue.next_new", "step_new(1)"),
        bind("queue.prev_new", "step_new(-1)"),
        bind("mode.queue", "to_queue"),
        bind("app.commands", "command_palette"),
        bind("queue.filter", "narrow('status:')"),
    ]]
    COMMANDS = App.COMMANDS | {ConsoleCommands}

    def __init__(self, db_path: Path, settings: Settings, agent: str, *,
                 clock: Callable[[], datetime] = utc_now) -> None:
        """`clock` is what the console shows as now (SLA countdowns, ages, health); tests
        fix it for snapshots. Actions always stamp the real time."""
        check_keymap(settings.keymap, settings.source)
        super().__init__()
        self.db_path = db_path
        self.settings = settings
        self.agent = agent
        self.clock = clock
        self.store = Store(db_path, attachments_dir=attachments_dir(settings, db_path))
        self.views = [*saved_views(settings.views, agent),
                      *standard_views(agent, distinct_values(self.store.conn, "queue"),
                                      distinct_values(self.store.conn, "channel"), clock())]
        self.view_index = 0
        self.narrowed_by = ""  # what the agent typed into search / filter
        self.sort: str | None = None  # another order than the view's own, picked with s
        self._seen_version = data_version(self.store.conn)
        self._presence: tuple[int | None, str, datetime] = (None, "", utc_now())
        self._seen_change = last_change(self.store.conn)
        self._health = Text()
        self.desk = Desk(self.store, agent, settings)
        self.drafts = DraftKeeper(db_path, agent,  # notify is thread-safe, and never waits
                                  lambda warning: self.notify(warning, severity="warning"))
        self._generation = 0  # bumped by every new query of the queue
        self._loads = 0  # id-list loads started, and the newest one shown
        self._shown_load = 0
        self._poll_problem = ""  # the store failure the poll reported last, said once
        self.narrowing = Narrowing()
        self.vocabulary = Vocabulary(me=agent)

    async def on_mount(self) -> None:
        self.set_keymap(self.settings.keymap)
        set_busy_timeout(self.store.conn, CONSOLE_BUSY_SECONDS)
        self._leave_cases()  # a mark left by this agent's console that died
        await self.push_screen(QueueScreen(lambda ids: summaries(self.store.conn, ids), self.clock))
        self._show_first_page()
        self.set_interval(POLL_SECONDS, self._poll)
        self._refresh_health()
        self.set_interval(HEALTH_SECONDS, self._refresh_health)

    def _leave_cases(self) -> None:
        """Take this agent's presence mark off every case (best effort: a mark fades by
        itself, and a busy store must not stop the console starting or quitting)."""
        with suppress(*STORE_ERRORS), self.store.write() as conn:
            presence.leave(conn, self.agent)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The console's keys act only where the agent is not typing or answering a
        dialog; there the key is the field's or the dialog's."""
        typing = isinstance(self.screen, ModalScreen) or isinstance(self.focused,
                                                                      Input | TextArea)
        return not (typing and action in APP_ACTIONS)

    async def run_action(self, action: str | ActionParseResult,
                         default_namespace: DOMNode | None = None,
                         namespaces: Mapping[str, DOMNode] | None = None) -> bool:
        """Every key's action: a store that fails (a full disk, a read-only file, a lock
        held too long) is a message on screen, never a crash that loses the agent's work.
        Every write is one transaction, so a failed action changed nothing."""
        with self.reporting():
            return await super().run_action(action, default_namespace, namespaces)
        return False

    def push_screen(self, screen: Screen[ScreenResultType] | str,
                    callback: ScreenResultCallbackType[ScreenResultType] | None = None,
                    wait_for_dismiss: bool = False) -> Any:
        """Dialogs' answers act on the store too: guarded like the keys' actions."""
        if callback is not None:
            callback = self._guarded(callback)
        return super().push_screen(screen, callback, wait_for_dismiss)  # type: ignore[call-overload]

    def _guarded(self, callback: Callable[[ScreenResultType], Any]
                 ) -> Callable[[ScreenResultType], Any]:
        def run(result: ScreenResultType) -> Any:
            with self.reporting():
                return callback(result)
            return None

        return run

    @contextmanager
    def reporting(self, doing: str = "") -> Iterator[None]:
        """Turn a store failure inside the block into a message on screen."""
        try:
            yield
        except STORE_ERRORS as exc:
            if not expected(exc):
                raise  # a bug: keep its traceback
            self.notify(f"{doing + ' failed' if doing else 'not done'}: {store_problem(exc)}",
                        severity="error")

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Toasts show text literally and sanitized: messages quote outside text (a file
        name, an address, a remote error, what the agent pasted), which must never be read as
        markup or reach the terminal raw. Thread-safe, like Textual's own."""
        super().notify(sanitize(message), title=sanitize(title, multiline=False),
                       severity=severity, timeout=timeout, markup=markup)

    def action_help_quit(self) -> None:
        """ctrl+c (a reflex) says how to quit, in our words: toasts here are literal."""
        self.notify(f"press {self.get_key_display(Binding('ctrl+q', ''))} to quit omnitui",
                    title="Do you want to quit?")

    def _show_first_page(self) -> None:
        """Paint the top of the view at once (an indexed page costs under a millisecond at
        a million cases), then load the whole ordered id list behind it. The list of a
        query the agent has since changed is never shown: each new query starts a new
        generation, and a list that arrives for an older one is dropped."""
        self._generation += 1
        cases = self.screen_queue().query_one(CaseList)
        with self.reporting("loading the queue"):
            first = list_cases(self.store.conn, replace(self.query, limit=FIRST_PAGE))
            cases.set_ids(array("q", (c.id for c in first)), complete=False)
        cases.forget_rows(None)
        self._update_status()
        self._load_ids()

    def exit(self, *args: Any, **kwargs: Any) -> None:
        """Quitting with a reply half-written keeps it: it comes back on that case."""
        for screen in self.screen_stack:
            if isinstance(screen, ComposeScreen):
                screen.flush()
        self.drafts.wait()
        super().exit(*args, **kwargs)

    def on_unmount(self) -> None:
        self._leave_cases()
        self.store.close()

    def _load_ids(self, changed: set[int] | None = None) -> None:
        """Load the view's whole id list in a thread (half a second at a million cases);
        `changed`: the cases whose change calls for it."""
        self._loads += 1
        self._load_ids_worker(self.query, self._generation, self._loads, changed)

    @work(thread=True, group="ids", exit_on_error=False)
    def _load_ids_worker(self, query: CaseQuery, generation: int, load: int,
                         changed: set[int] | None) -> None:
        try:
            with Store(self.db_path, migrate=False) as own:
                ids = queue_ids(own.conn, query)
        except (StoreError, sqlite3.Error) as exc:
            self.call_from_thread(self.notify, f"could not load the queue: {exc}",
                                  severity="error")
            return
        self.call_from_thread(self._show_ids, ids, generation, load, changed)

    def _show_ids(self, ids: array[int], generation: int, load: int,
                  changed: set[int] | None) -> None:
        if generation != self._generation or load < self._shown_load:
            return  # the agent has moved on to another query, or a newer list is shown
        self._shown_load = load
        self.screen_queue().query_one(CaseList).set_ids(ids, changed=changed)
        self._update_status()

    def screen_queue(self) -> QueueScreen:
        return next(s for s in self.screen_stack if isinstance(s, QueueScreen))

    @property
    def view(self) -> View:
        return self.views[self.view_index]

    @property
    def query(self) -> CaseQuery:
        query, self.narrowing = narrow(self.view.query, self.narrowed_by, self.vocabulary)
        return replace(query, sort=self.sort) if self.sort else query

    def _learn_vocabulary(self) -> None:
        """The agents and queues filters may name, read when the search box opens."""
        queues = {*distinct_values(self.store.conn, "queue"),
                  self.settings.routing.default_queue,
                  *self.settings.routing.channel_queues.values()}
        self.vocabulary = Vocabulary(me=self.agent, agents=known_agents(self.store.conn),
                                     queues=sorted(queues))

    def action_cycle_sort(self) -> None:
        """s on the queue: the view's own order, then each other order in turn."""
        order = [None, *(name for name in SORT_NAMES if name != self.view.query.sort)]
        self.set_sort(order[(order.index(self.sort) + 1) % len(order)])

    def set_sort(self, sort: str | None) -> None:
        self.sort = sort
        self._show_first_page()
        self._update_status()

    def action_narrow(self, start: str) -> None:
        """Open the search box (filters with `\\`). Focus moves at once, inside this key's
        handling: keys typed right after it are already queued and must reach the box,
        not fire the queue's own keys."""
        if not isinstance(self.screen, QueueScreen):
            self.action_to_queue()
        queue_screen = self.screen_queue()
        box = queue_screen.query_one("#narrow", Input)
        self._learn_vocabulary()
        box.add_class("-open")
        queue_screen.query_one("#narrow-help").add_class("-open")
        if start and not box.value:
            box.value = start
        queue_screen.set_focus(box)
        box.cursor_position = len(box.value)

    @on(Input.Changed, "#narrow")
    def _narrowed(self, event: Input.Changed) -> None:
        self.narrowed_by = event.value
        self.screen_queue().query_one(CaseList).to_top()
        self._show_first_page()
        self._show_narrowing_help()

    def _show_narrowing_help(self) -> None:
        """Under the box: what the typed text could not mean, or how to go on."""
        meaning = self.narrowing
        line = Text()
        completion = complete(self.narrowed_by, self.vocabulary)
        if completion and not self.narrowed_by.endswith(" "):  # a word still being typed
            line.append(sanitize(f"→ {completion.rpartition(' ')[2]}"), style="dim")
        elif meaning.case_id is not None:
            line.append(f"enter opens case #{meaning.case_id}", style="bold")
        elif meaning.problems:
            line.append(sanitize("; ".join(meaning.problems), multiline=False), style="yellow")
        elif self.narrowed_by.strip().isdigit():
            line.append(f"#{self.narrowed_by.strip()} opens case {self.narrowed_by.strip()}",
                        style="dim")
        else:
            line.append("enter keeps · esc clears · → completes · status: owner: channel: "
                        "queue: tag:", style="dim")
        self.screen_queue().query_one("#narrow-help", Static).update(line)

    @on(Input.Submitted, "#narrow")
    def _narrow_kept(self) -> None:
        if self.narrowing.case_id is not None:
            case_id = self.narrowing.case_id
            self._close_narrowing()
            self.open_case(case_id)
            return
        self.screen_queue().query_one(CaseList).focus()

    def _close_narrowing(self) -> None:
        queue_screen = self.screen_queue()
        box = queue_screen.query_one("#narrow", Input)
        box.value = ""
        box.remove_class("-open")
        queue_screen.query_one("#narrow-help").remove_class("-open")
        queue_screen.query_one(CaseList).focus()

    def on_key(self, event: events.Key) -> None:
        box = self.screen_queue().query_one("#narrow", Input)
        if event.key == "escape" and box.has_focus:
            self._close_narrowing()
            event.stop()

    def action_goto(self) -> None:
        """#: open a case by its number, whatever view it is in (or none)."""
        def check(text: str) -> str | None:
            number = re.fullmatch(r"#?(\d{1,18})", text.strip())
            if number is None:
                return f"{text!r} is not a case number"
            if case_detail(self.store.conn, int(number[1])) is None:
                return f"there is no case #{number[1]}"
            return None

        def answered(text: str | None) -> None:
            if text:
                self.open_case(int(text.strip().lstrip("#")))

        self.push_screen(AskScreen("Go to case number", check=check), answered)

    def open_case(self, case_id: int) -> None:
        """Show a case (the one it was merged into, if it was)."""
        detail = case_detail(self.store.conn, case_id)
        if detail is not None and detail.merged_into is not None:
            self.notify(f"case #{case_id} was merged into #{detail.merged_into}")
            detail = case_detail(self.store.conn, detail.merged_into)
        if detail is None:
            self.notify(f"there is no case #{case_id}", severity="warning")
            return
        if isinstance(self.screen, CaseScreen):
            self.screen.show(detail)
        else:
            self.push_screen(CaseScreen(detail))
        self._keep_presence()

    def _update_status(self) -> None:
        cases = self.screen_queue().query_one(CaseList)
        count = plural(len(cases.ids), "case") + ("" if cases.complete else "+ …")
        seen = len(cases.visible_marks())
        marks = f" · {seen} marked" if seen else ""
        if hidden := len(cases.marked) - seen:
            marks += f" · {plural(hidden, 'marked case')} in other views"
        narrowed = (f" · {sanitize(self.narrowed_by, multiline=False)}"
                    if self.narrowed_by.strip() else "")
        if self.sort:
            narrowed += f" · by {SORT_NAMES[self.sort]}"
        line = Text(f" {sanitize(f'{self.agent} · {self.view.name}{narrowed}', multiline=False)}"
                    f" · {count}{marks} │ ")
        line.append_text(self._health)
        self.screen_queue().query_one("#status-bar", Static).update(line)

    def _refresh_health(self) -> None:
        """The daemon's and channels' state, read again every few seconds: a daemon that
        died writes nothing, so waiting for a change would never show it."""
        with self._following():
            self._health = health_text(daemon_state(self.store.conn),
                                       channel_states(self.store.conn), self.clock(),
                                       pending_count(self.store.conn))
            self._update_status()

    def on_case_list_marks_changed(self) -> None:
        self._update_status()

    def set_view(self, index: int) -> None:
        self.view_index = index % len(self.views)
        self.sort = None  # each view comes in its own order
        self.screen_queue().query_one(CaseList).to_top()
        self._show_first_page()

    def action_step_view(self, step: int) -> None:
        self.set_view(self.view_index + step)

    def action_pick_view(self) -> None:
        def chosen(index: int | None) -> None:
            if index is not None:
                self.set_view(index)

        self.push_screen(PickScreen("View", [v.name for v in self.views], self.view_index),
                         chosen)

    def current_case_id(self) -> int | None:
        """The one case writing acts on: the case on screen, else the one marked case, else
        the highlighted one. With several marked, none: a reply must never go to a case the
        agent did not mean."""
        if isinstance(self.screen, CaseScreen):
            return self.screen.detail.case.id
        cases = self.screen_queue().query_one(CaseList)
        marked = cases.visible_marks()
        if len(marked) > 1:
            self.notify(f"{len(marked)} cases are marked: this acts on one case "
                        "(escape clears the marks)", severity="warning")
            return None
        return marked[0] if marked else cases.current_id

    def _targets(self) -> list[int]:
        """The case on screen, else the marked cases, else the highlighted one."""
        if isinstance(self.screen, CaseScreen):
            return [self.screen.detail.case.id]
        cases = self.screen_queue().query_one(CaseList)
        if marked := cases.visible_marks():
            return marked
        return [cases.current_id] if cases.current_id is not None else []

    def _act(self, verb: str, change: CaseChange, targets: list[int] | None = None) -> None:
        """Run a change on every target (default: `_targets()`) through the Desk, in one
        transaction (one undo); say what was done and what was refused."""
        targets = self._targets() if targets is None else targets
        if not targets:
            return
        results = self.desk.together(targets, change)
        self._after_change(set(targets))
        for result in results:
            if not result.done:
                self.notify(result.refusal, severity="warning")
        if done := [result.case_id for result in results if result.done]:
            self.notify(f"{verb}: {', '.join(f'#{t}' for t in done)}")

    def _after_change(self, changed: set[int] | None) -> None:
        """Redraw after this console's own change (its own commits do not move
        `data_version` for its connection, so the poll would not see them)."""
        self.screen_queue().query_one(CaseList).forget_rows(changed)
        self._load_ids(changed)
        if isinstance(self.screen, CaseScreen):
            self.screen.show(case_detail(self.store.conn, self.screen.detail.case.id))

    def action_step_case(self, step: int) -> None:
        """J / K on a case: the next or previous case of the queue, without going back.

        Steps from the case on screen; if that case just left the view (solved, snoozed),
        the queue's cursor already sits on its successor, which is the next case."""
        cases = self.screen_queue().query_one(CaseList)
        on_screen = self.screen.detail.case.id if isinstance(self.screen, CaseScreen) else None
        if on_screen is None or on_screen == cases.current_id:
            cases.move_to(cases.cursor + step)
        elif on_screen in cases.ids:
            cases.move_to(cases.ids.index(on_screen) + step)
        elif step < 0:
            cases.move_to(cases.cursor - 1)
        if isinstance(self.screen, CaseScreen) and cases.current_id is not None:
            self.screen.show(case_detail(self.store.conn, cases.current_id))

    def action_step_new(self, step: int) -> None:
        """] / [: the next or previous case whose last message is the customer's, the ones
        still waiting for an answer; scans the view's order in chunks, never all of it."""
        cases = self.screen_queue().query_one(CaseList)
        ids, index = cases.ids, cases.cursor + step
        limit = cases.cursor + step * NEW_SCAN_MAX
        while 0 <= index < len(ids) and (index < limit if step > 0 else index > limit):
            chunk = range(index, min(len(ids), index + NEW_SCAN)) if step > 0 else \
                range(index, max(-1, index - NEW_SCAN), -1)
            waiting = awaiting_reply(self.store.conn, [ids[i] for i in chunk])
            found = next((i for i in chunk if ids[i] in waiting), None)
            if found is not None:
                cases.move_to(found)
                if isinstance(self.screen, CaseScreen):
                    self.screen.show(case_detail(self.store.conn, ids[found]))
                return
            index = chunk[-1] + step
        self.notify(f"no case waiting for an answer in the next {NEW_SCAN_MAX:,} this way",
                    severity="warning")

    def action_search_hit(self, step: int) -> None:
        """n / N: the next or previous message matching the search on a case; on the queue,
        which the search has already narrowed to hits, the next or previous case."""
        if isinstance(self.screen, CaseScreen):
            words = self.narrowing.words
            if not words:
                self.notify("search first (/), then n and N walk the hits", severity="warning")
            elif not self.screen.jump_to_match(words, step):
                self.notify(f"no more messages with {' '.join(words)!r}", severity="warning")
            return
        self.screen_queue().query_one(CaseList).move_to(
            self.screen_queue().query_one(CaseList).cursor + step)

    def action_to_queue(self) -> None:
        """F2: straight back to the queue from any screen."""
        while not isinstance(self.screen, QueueScreen):
            self.pop_screen()

    def action_undo(self) -> None:
        try:
            undo_id = self.desk.undo()
        except (StoreError, sqlite3.IntegrityError) as exc:
            self.notify(f"nothing undone: {store_problem(exc)}", severity="warning")
            return
        self._after_change(None)  # an action may have touched many cases: redraw them all
        self.notify(undo_words(undone_actions(self.store.conn, undo_id)))

    def keys_of(self, binding_id: str) -> str:
        """A binding's keys as the agent types them, after any [keymap] change."""
        keys = self.settings.keymap.get(binding_id, BY_ID[binding_id].keys)
        return ", ".join(self.get_key_display(Binding(key.strip(), ""))
                         for key in keys.split(","))

    def action_help(self) -> None:
        self.push_screen(TextScreen("Keys (change them under \\[keymap] in the config)",
                                    help_table([(key, self.keys_of(key.id)) for key in KEYS])))

    def _poll(self) -> None:
        """Every half second: presence, and other writers' changes."""
        if not self.screen_stack:
            return  # the console is closing
        with self._following():
            self._poll_once()

    @contextmanager
    def _following(self) -> Iterator[None]:
        """Timers that follow the store: a store that fails (a lost disk) is reported once,
        not every tick, and they go on."""
        try:
            yield
        except STORE_ERRORS as exc:
            if not expected(exc):
                raise  # a bug: keep its traceback
            problem = store_problem(exc)
            if problem != self._poll_problem:
                self.notify(f"cannot follow the store: {problem}", severity="error")
            self._poll_problem = problem
        else:
            self._poll_problem = ""

    def _poll_once(self) -> None:
        self._keep_presence()
        if isinstance(self.screen, CaseScreen):
            # every tick, not only on a change: a console that died leaves a mark that must
            # fade by itself, and nobody commits anything to say so
            self._show_presence(self.screen)
        version = data_version(self.store.conn)
        if version == self._seen_version:
            return
        self._seen_version = version
        newest, changed = changed_cases_since(self.store.conn, self._seen_change)
        if newest == self._seen_change:
            return  # a presence mark, not a change to any case
        self._seen_change = newest
        self.screen_queue().query_one(CaseList).forget_rows(changed)
        self._load_ids(changed)
        if isinstance(self.screen, CaseScreen) and self.screen.detail.case.id in changed:
            self.screen.show(case_detail(self.store.conn, self.screen.detail.case.id))

    def _keep_presence(self, activity: str | None = None) -> None:
        """Mark this agent on the open case (or off every case), at most every few seconds
        unless what they do changed."""
        screen = next((s for s in reversed(self.screen_stack) if isinstance(s, CaseScreen)),
                      None)
        case_id = screen.detail.case.id if screen else None
        activity = activity or ("writing" if isinstance(self.screen, ComposeScreen)
                                else "viewing")
        now = utc_now()
        if case_id is None and self._presence[0] is None:
            return  # on the queue, and already marked off every case: nothing to write
        if (case_id, activity) == self._presence[:2] and \
                (now - self._presence[2]).total_seconds() < PRESENCE_EVERY:
            return
        with suppress(*STORE_ERRORS), self.store.write() as conn:  # best effort: tried again
            if case_id is None:
                presence.leave(conn, self.agent)
            else:
                presence.announce(conn, self.agent, case_id, activity, db_time(now))
            self._presence = (case_id, activity, now)

    def _show_presence(self, screen: CaseScreen) -> None:
        fresh = db_time(utc_now() - PRESENCE_FRESH)
        screen.show_presence(presence.others_on(self.store.conn, screen.detail.case.id,
                                                self.agent, fresh))

    def action_refresh_now(self) -> None:
        self.screen_queue().query_one(CaseList).forget_rows(None)
        self._load_ids()

    def on_case_list_opened(self, message: CaseList.Opened) -> None:
        with self.reporting("opening the case"):
            self.open_case(message.case_id)


APP_ACTIONS = {binding.action.partition("(")[0] for binding in OmnituiApp.BINDINGS}


def check_keymap(keymap: dict[str, str], source: Path | None) -> None:
    """Refuse a `[keymap]` naming a binding that does not exist (a typo would otherwise
    leave the agent's key silently unchanged)."""
    if problem := keymap_problem(keymap):
        raise ConfigError(f"{source}: {problem}" if source else problem)


def run_console(db_path: Path, settings: Settings, agent: str) -> int:
    """Run the console; its exit status (not 0 when a bug ended it, after the traceback)."""
    app = OmnituiApp(db_path, settings, agent)
    app.run()
    return app.return_code or 0
