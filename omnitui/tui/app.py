"""The console application: the queue and case screens on one store, live.

Reads for the rows on screen run on the UI thread (a page is well under a millisecond at
a million cases); the whole ordered id list of a view, which can take half a second at that
size, loads in a thread worker with its own connection. Another process's commit shows
within half a second: `data_version` is polled, and the audit feed says which cases changed.
"""

from __future__ import annotations

import sqlite3
from array import array
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from rich.text import Text
from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.widgets import Input, Static

from omnitui.config import ConfigError, Settings, attachments_dir
from omnitui.services.history import undo
from omnitui.store import presence
from omnitui.store.audit import undone_action
from omnitui.store.changes import changed_cases_since, data_version, last_change
from omnitui.store.channel_state import channel_states, daemon_state
from omnitui.store.db import Store, StoreError, db_time, utc_now
from omnitui.store.messages import pending_count
from omnitui.store.queries import (
    CaseQuery,
    awaiting_reply,
    case_detail,
    distinct_values,
    list_cases,
    queue_ids,
    summaries,
)
from omnitui.tui.case_actions import CASE_BINDINGS, CaseActions
from omnitui.tui.commands import ConsoleCommands
from omnitui.tui.customers import CustomerActions
from omnitui.tui.macros import MACRO_BINDINGS, MacroActions
from omnitui.tui.screens.case import CaseScreen
from omnitui.tui.screens.modals import (
    ComposeScreen,
    PickScreen,
    TextScreen,
    help_text,
)
from omnitui.tui.screens.queue import QueueScreen
from omnitui.tui.status import health_text
from omnitui.tui.timeline import TimelineActions
from omnitui.tui.views import (
    SORT_NAMES,
    View,
    narrow,
    narrow_words,
    saved_views,
    standard_views,
)
from omnitui.tui.widgets.case_list import CaseList
from omnitui.tui.writing import WRITING_BINDINGS, WritingActions

POLL_SECONDS = 0.5
PRESENCE_EVERY = 5.0  # seconds between "still here" marks while a case is open
PRESENCE_FRESH = timedelta(seconds=15)
HEALTH_SECONDS = 5.0
FIRST_PAGE = 100  # rows painted before the full id list of the view arrives
NEW_SCAN = 500  # cases checked per query when looking for the next one awaiting an answer
NEW_SCAN_MAX = 20_000  # and at most this many per key press (about 20 ms), at any size


class OmnituiApp(CaseActions, WritingActions, TimelineActions, CustomerActions, MacroActions,
                 App[None]):
    TITLE = "omnitui"
    BINDINGS = [
        Binding("ctrl+r", "refresh_now", "Refresh", id="app.refresh", show=False),
        Binding("v", "pick_view", "Views", id="view.pick", show=False),
        Binding("greater_than_sign", "step_view(1)", "Next view", id="view.next", show=False),
        Binding("less_than_sign", "step_view(-1)", "Previous view", id="view.prev",
                show=False),
        *CASE_BINDINGS,
        Binding("u", "undo", "Undo", id="app.undo"),
        *WRITING_BINDINGS,
        *MACRO_BINDINGS,
        Binding("L", "link_customer", "Link customer", id="customer.link", show=False),
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("slash", "narrow('')", "Search", id="queue.search"),
        Binding("n", "search_hit(1)", "Next hit", id="queue.search_next", show=False),
        Binding("N", "search_hit(-1)", "Previous hit", id="queue.search_prev", show=False),
        Binding("right_square_bracket", "step_new(1)", "Next waiting", id="queue.next_new",
                show=False),
        Binding("left_square_bracket", "step_new(-1)", "Previous waiting",
                id="queue.prev_new", show=False),
        Binding("f2", "to_queue", "Queue", id="mode.queue", show=False),
        Binding("ctrl+p,colon", "command_palette", "Commands", id="app.commands", show=False),
        Binding("backslash", "narrow('status:')", "Filter", id="queue.filter", show=False),
    ]
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

    async def on_mount(self) -> None:
        self.set_keymap(self.settings.keymap)
        with self.store.write() as conn:  # a mark left by this agent's console that died
            presence.leave(conn, self.agent)
        await self.push_screen(QueueScreen(lambda ids: summaries(self.store.conn, ids), self.clock))
        self._show_first_page()
        self.set_interval(POLL_SECONDS, self._poll)
        self._refresh_health()
        self.set_interval(HEALTH_SECONDS, self._refresh_health)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Toasts show text literally by default: messages quote outside text (a file name,
        what the agent typed), which must never be read as markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def _show_first_page(self) -> None:
        """Paint the top of the view at once (an indexed page costs under a millisecond at
        a million cases), then load the whole ordered id list behind it."""
        first = list_cases(self.store.conn, replace(self.query, limit=FIRST_PAGE))
        self.screen_queue().query_one(CaseList).set_ids(array("q", (c.id for c in first)),
                                                        complete=False)
        self._load_ids(None)

    def on_unmount(self) -> None:
        with self.store.write() as conn:
            presence.leave(conn, self.agent)
        self.store.close()

    @work(thread=True, exclusive=True, group="ids")
    def _load_ids(self, changed: set[int] | None) -> None:
        with Store(self.db_path, migrate=False) as own:
            ids = queue_ids(own.conn, self.query)
        self.call_from_thread(self._show_ids, ids, changed)

    def _show_ids(self, ids: array[int], changed: set[int] | None) -> None:
        self.screen_queue().query_one(CaseList).set_ids(ids, changed)
        self._update_status(len(ids))

    def screen_queue(self) -> QueueScreen:
        return next(s for s in self.screen_stack if isinstance(s, QueueScreen))

    @property
    def view(self) -> View:
        return self.views[self.view_index]

    @property
    def query(self) -> CaseQuery:
        query = narrow(self.view.query, self.narrowed_by)
        return replace(query, sort=self.sort) if self.sort else query

    def action_cycle_sort(self) -> None:
        """s on the queue: the view's own order, then each other order in turn."""
        order = [None, *(name for name in SORT_NAMES if name != self.view.query.sort)]
        self.set_sort(order[(order.index(self.sort) + 1) % len(order)])

    def set_sort(self, sort: str | None) -> None:
        self.sort = sort
        self._show_first_page()
        self._update_status()

    def action_narrow(self, start: str) -> None:
        box = self.screen_queue().query_one("#narrow", Input)
        box.add_class("-open")
        if start and not box.value:
            box.value = start
        box.focus()
        box.cursor_position = len(box.value)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "narrow":
            self.narrowed_by = event.value
            self._show_first_page()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "narrow":
            self.screen_queue().query_one(CaseList).focus()

    def on_key(self, event: events.Key) -> None:
        box = self.screen_queue().query_one("#narrow", Input)
        if event.key == "escape" and box.has_focus:
            box.value = ""
            box.remove_class("-open")
            self.screen_queue().query_one(CaseList).focus()
            event.stop()

    def _update_status(self, count: int | None = None) -> None:
        cases = self.screen_queue().query_one(CaseList)
        count = len(cases.ids) if count is None else count
        marks = f" · {len(cases.marked)} marked" if cases.marked else ""
        narrowed = f" · {self.narrowed_by.strip()}" if self.narrowed_by.strip() else ""
        if self.sort:
            narrowed += f" · by {SORT_NAMES[self.sort]}"
        line = Text(f" {self.agent} · {self.view.name}{narrowed} · {count:,} cases{marks} │ ")
        line.append_text(self._health)
        self.screen_queue().query_one("#status-bar", Static).update(line)

    def _refresh_health(self) -> None:
        """The daemon's and channels' state, read again every few seconds: a daemon that
        died writes nothing, so waiting for a change would never show it."""
        self._health = health_text(daemon_state(self.store.conn),
                                   channel_states(self.store.conn), self.clock(),
                                   pending_count(self.store.conn))
        self._update_status()

    def on_case_list_marks_changed(self) -> None:
        self._update_status()

    def set_view(self, index: int) -> None:
        self.view_index = index % len(self.views)
        self.sort = None  # each view comes in its own order
        cases = self.screen_queue().query_one(CaseList)
        cases.marked.clear()
        cases.cursor = 0
        self._show_first_page()
        self._update_status()

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
        if len(cases.marked) > 1:
            self.notify(f"{len(cases.marked)} cases are marked: this acts on one case "
                        "(escape clears the marks)", severity="warning")
            return None
        return next(iter(cases.marked)) if cases.marked else cases.current_id

    def _targets(self) -> list[int]:
        """The case on screen, else the marked cases, else the highlighted one."""
        if isinstance(self.screen, CaseScreen):
            return [self.screen.detail.case.id]
        cases = self.screen_queue().query_one(CaseList)
        if cases.marked:
            return sorted(cases.marked)
        return [cases.current_id] if cases.current_id is not None else []

    def _act(self, verb: str, action: Callable[[sqlite3.Connection, int], object],
             targets: list[int] | None = None) -> None:
        """Run an action on every target (default: `_targets()`) in one transaction; report
        what happened."""
        targets = self._targets() if targets is None else targets
        if not targets:
            return
        try:
            with self.store.write() as conn:
                results = [action(conn, case_id) for case_id in targets]
        except (StoreError, sqlite3.IntegrityError) as exc:
            self.notify(str(exc), severity="error")
            return
        self._after_change(set(targets))
        if all(result is not False for result in results):
            self.notify(f"{verb}: {', '.join(f'#{t}' for t in targets)}")

    def _after_change(self, changed: set[int] | None) -> None:
        """Redraw after this console's own change (its own commits do not move
        `data_version` for its connection, so the poll would not see them)."""
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
            words = narrow_words(self.narrowed_by)
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
            undo_id = undo(self.store, self.agent)
        except (StoreError, sqlite3.IntegrityError) as exc:
            self.notify(str(exc), severity="warning")
            return
        action, case_id = undone_action(self.store.conn, undo_id)
        self._after_change(None)  # an action may have touched many cases: redraw them all
        self.notify(f"undone: {action.removeprefix('undo ')}"
                    + (f" on #{case_id}" if case_id else ""))

    def keys_of(self, binding: Binding) -> str:
        """A binding's keys as the agent types them, after any [keymap] change."""
        keys = self.settings.keymap.get(binding.id or "", binding.key)
        return ", ".join(self.get_key_display(Binding(key.strip(), ""))
                         for key in keys.split(","))

    def action_help(self) -> None:
        rows = []
        for binding in all_bindings():
            rows.append((self.keys_of(binding), binding.description, binding.id or ""))
        self.push_screen(TextScreen("Keys (change them under \\[keymap] in the config)",
                                    help_text(sorted(set(rows), key=lambda r: r[2]))))

    def _poll(self) -> None:
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
        with self.store.write() as conn:
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
        self._load_ids(None)

    async def on_case_list_opened(self, message: CaseList.Opened) -> None:
        detail = case_detail(self.store.conn, message.case_id)
        if detail is not None:
            screen = CaseScreen(detail)
            await self.push_screen(screen)
            self._keep_presence()
            self._show_presence(screen)


def all_bindings() -> list[Binding]:
    """Every console binding that has an id: what `?` lists and `[keymap]` may change."""
    owners = (OmnituiApp, QueueScreen, CaseList, CaseScreen, ComposeScreen)
    return [b for owner in owners for b in owner.BINDINGS
            if isinstance(b, Binding) and b.id]


def check_keymap(keymap: dict[str, str], source: Path | None) -> None:
    """Refuse a `[keymap]` naming a binding that does not exist (a typo would otherwise
    leave the agent's key silently unchanged)."""
    known = {b.id for b in all_bindings()}
    where = f"{source}: " if source else ""
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            close = sorted(k for k in known if k and k.split(".")[0] == binding_id.split(".")[0])
            raise ConfigError(f"{where}keymap.{binding_id} is not a console binding id "
                              f"(press ? in the console to see them all"
                              f"{'; ' + ', '.join(close) if close else ''})")
        if not any(key.strip() for key in keys.split(",")):
            raise ConfigError(f"{where}keymap.{binding_id} needs at least one key, "
                              f"got {keys!r}")


def run_console(db_path: Path, settings: Settings, agent: str) -> None:
    OmnituiApp(db_path, settings, agent).run()
