"""The console application: what is global to every screen.

The screens own their work (the queue: views, orders, search, marks; a case: its timeline;
the keys both share: omnitui/tui/screens/work.py). The app keeps the store and the Desk every
change goes through, the drafts keeper, following other writers (another process's commit
shows within half a second: `commits_seen` is polled, and the audit feed says which cases
changed), presence, the daemon's health, and the keys that work anywhere: undo, go to a
case, help, the palette, back to the queue.
"""

from __future__ import annotations

import asyncio
import gc
import re
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from datetime import datetime, timedelta, tzinfo
from functools import cached_property
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events
from textual.actions import ActionParseResult
from textual.app import App, ScreenResultCallbackType, ScreenResultType, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.driver import Driver
from textual.filter import LineFilter
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.widgets import Input, TextArea

from omnitui.config import ConfigError, Settings, attachments_dir
from omnitui.daemon.lock import stopped_here
from omnitui.file_lock import console_path, held, in_use_path, share
from omnitui.keymap import BY_ID, KEYS, keymap_problem
from omnitui.sanitize import sanitize
from omnitui.services.holidays import keep as keep_holidays
from omnitui.services.kb import refresh as refresh_kb
from omnitui.services.sla import SlaKeeper
from omnitui.store import presence
from omnitui.store.agents import Agent, agent, mark_gone
from omnitui.store.audit import actions_of, last_redoable, last_undoable, undone_actions
from omnitui.store.business_events import BusinessEvent, ongoing
from omnitui.store.cases import get_case
from omnitui.store.changes import (
    Escalation,
    changed_cases_since,
    commits_seen,
    escalations_of,
    escalations_since,
    failed_replies_since,
    given_away_since,
    given_to_since,
    last_change,
)
from omnitui.store.channel_state import channel_states, daemon_state
from omnitui.store.db import (
    STORE_ERRORS,
    Store,
    StoreError,
    db_time,
    expected,
    parse_db_time,
    set_busy_timeout,
    store_problem,
    utc_now,
)
from omnitui.store.health import schema_version
from omnitui.store.messages import pending_count
from omnitui.store.readers import Readers
from omnitui.store.schema import SCHEMA_VERSION
from omnitui.triage.semantic import model_for
from omnitui.tui import work
from omnitui.tui.commands import ConsoleCommands
from omnitui.tui.draft_keeper import DraftKeeper
from omnitui.tui.keys import bind, bound_action, key_words
from omnitui.tui.readable import Readable
from omnitui.tui.screens.queue import QUIET_START, QueueScreen
from omnitui.tui.screens.work import WorkScreen
from omnitui.tui.similar_cache import SimilarCases
from omnitui.tui.status import health_text, incident_words
from omnitui.vocabulary import (
    escalated_words,
    given_away_words,
    given_to_words,
    missed_escalations_words,
    undo_words,
)
from omnitui.wording import ago, reply_failed_words, upgraded_under_words

if TYPE_CHECKING:
    from omnitui.model import Draft
    from omnitui.services.desk import Desk
    from omnitui.tui.screens.board import BoardScreen
    from omnitui.tui.screens.modals import ComposeScreen, TextScreen

POLL_SECONDS = 0.5
# How long a console write waits for another writer before the agent is told the store is
# busy (scripts and the daemon wait longer). Writers hold the lock a fraction of a second at
# a time, but on a server whose cores are all busy (ten agents claiming at once beside the
# daemon, on 2 cores) a holder is descheduled mid-transaction and a waiter can lose every
# free moment for over 2 s: measured with bench/team_bench.py, 1-7 refusals a race at 2 s.
CONSOLE_BUSY_SECONDS = 5.0
PRESENCE_EVERY = 5.0  # seconds between "still here" marks while a case is open
PRESENCE_CONTINUES = 3 * PRESENCE_EVERY  # a mark within this long continues the interval
HEALTH_SECONDS = 5.0
UPGRADED_TOAST_SECONDS = 24 * 3600.0  # said once: it stays until clicked or the console quits
# Escalations told at most once in this long, those that came meanwhile in one toast with
# their count as the last one goes: in live intake each irritated arrival escalates in a
# transaction of its own, and a toast for each stacked over the list at 80x24 (Textual has
# no way to update a toast shown, so the next one follows it rather than joins it).
ESCALATION_TOAST_SECONDS = 10.0
ESCALATION_TOAST_EVERY = ESCALATION_TOAST_SECONDS
# u takes back an action this fresh without asking, wherever it was; an older one not on
# the case on screen is named first
UNDO_WITHOUT_ASKING = timedelta(seconds=30)
READABLE = Readable()  # (stateless: one for every console)
# A terminal of 16 colours (TERM=xterm, screen, linux; rich's "standard"), or Windows' old
# console: the console takes the theme drawn in the terminal's own palette
FEW_COLOURS = ("standard", "windows")


class OmnituiApp(App[None]):
    TITLE = "omnitui"
    # A toast as wide as its words and one line high for one line of them: Textual's own,
    # 60 cells and 3 lines for "tags vip: #19", hid the half of an 80x24 screen's latest
    # message the agent had just acted on. Up to three quarters of the screen wide: at half
    # its width, a toast that wrapped showed only its first line. Three quarters of the
    # screen (vw), not of its parent (%): Textual measured a toast's height for one width
    # and drew it at another, and one in fifteen long toasts lost its last line.
    CSS = """
    Toast { width: auto; max-width: 75vw; padding: 0 1; }
    """
    # Priority, like the screens' keys: decided as the key arrives (see screens/work.py);
    # `check_action` hands keys to a text field or a dialog instead.
    BINDINGS = [replace(binding, priority=True) for binding in [
        bind("app.refresh", "refresh_now"),
        bind("app.undo", "undo"),
        bind("app.redo", "redo"),
        bind("app.away", "away"),
        bind("app.goto", "goto"),
        bind("app.help", "help"),
        bind("mode.queue", "to_queue"),
        bind("mode.board", "board"),
        bind("app.commands", "command_palette"),
    ]]
    COMMANDS = App.COMMANDS | {ConsoleCommands}

    def __init__(self, db_path: Path, settings: Settings, agent: str, *,
                 clock: Callable[[], datetime] = utc_now, board: bool = False,
                 stand_in: str = "") -> None:
        """`clock` is what the console shows as now (SLA countdowns, ages, health); tests
        fix it for snapshots. Actions always stamp the real time. `stand_in`: what does the
        daemon's work when none has run on this store (the demo's traffic)."""
        check_keymap(settings.keymap, settings.source)
        super().__init__()
        self.db_path = db_path
        self.settings = settings
        self.agent = agent
        self.clock = clock
        self.leaving = False  # set on the final exit
        self.start_on_board = board  # `omnitui --supervisor`
        # where the board was left (F3 away and back): its focused list, each list's row
        self.board_place: tuple[str | None, dict[str, int]] | None = None
        self.kept_board: BoardScreen | None = None  # the board, built once and shown again
        # the help, built once for each order of its groups (the keys of the screen it was
        # asked on first) and shown again: Textual laid out and drew its tables afresh on
        # every `?`, 110-140 ms of the console's CPU (170-620 ms in a loaded terminal)
        self.kept_help: dict[tuple[str, ...], TextScreen] = {}
        self.stand_in = stand_in
        self.store = Store(db_path, attachments_dir=attachments_dir(settings, db_path))
        self._open_here = share(in_use_path(db_path))  # held while this console runs
        self._agent_lock = console_path(db_path, agent)
        others = held(self._agent_lock)  # another console of this agent's runs
        self._agent_here = share(self._agent_lock)  # held while this console runs (None:
        self._first_of_agent = self._agent_here is None or not others  # it cannot tell)
        self.sla = SlaKeeper(settings)  # the policies and calendars screens draw clocks with
        self.readers = Readers(db_path)  # for reads in worker threads
        self.similar_cases = SimilarCases(self.readers, settings)
        self.drafts = DraftKeeper(db_path, agent,  # notify is thread-safe, and never waits
                                  lambda warning: self.notify(warning, severity="warning"))
        self._seen_version = commits_seen(self.store.conn)
        self._seen_change = last_change(self.store.conn)
        self._presence: tuple[int | None, str, datetime] = (None, "", utc_now())
        self._poll_problem = ""  # the store failure the timers reported last, said once
        self._upgraded_to: int | None = None  # a newer schema found under this console
        self._escalations_held: list[tuple[int, str]] = []  # to tell in the next toast
        self._escalation_told_at = -ESCALATION_TOAST_EVERY  # (monotonic)
        self.me: Agent | None = None  # this agent's row: role, skills, away (read each tick)
        self.incidents: list[BusinessEvent] | None = None  # ongoing outages (each tick)
        self._composer: ComposeScreen | None = None  # the one composer, made at first use
        self._arriving: events.Key | None = None  # the key the console's keys are tried on

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, and under NO_COLOR the one that keeps its greys readable."""
        filters = super().get_line_filters()
        return [*filters, READABLE] if self.no_color else filters

    @cached_property
    def desk(self) -> Desk:
        """The action layer, imported at its first use: the first paint does not wait for
        it (about a fifth of the console's own start)."""
        from omnitui.services.desk import Desk

        return Desk(self.store, self.agent, self.settings)

    def prepare_composer(self) -> None:
        """Compose the console's one composer, unseen, while the agent reads the queue: the
        first reply of a session then only fills it, as every later one does (38 ms to come
        up in a terminal at 1M cases instead of 61; composing its twenty widgets and
        parsing their styles for the first time made the difference). Textual has no public
        call that mounts a screen without showing it: `_get_screen` is the step
        `push_screen` takes to do that (a test fails if it goes)."""
        from omnitui.model import Channel, Draft
        from omnitui.tui.screens.modals import ComposeScreen

        if self._composer is None and not self.leaving:
            self._composer = ComposeScreen(Draft("reply", Channel.EMAIL))
            self.install_screen(self._composer, "composer")
            self._get_screen("composer")

    def unsendable(self, channel: str, case_id: int | None = None) -> str | None:
        """Why a reply on `channel` (on case `case_id`) cannot leave with this config (None:
        it can; in the demo its stand-in sends every reply)."""
        from omnitui.channels.senders import unsendable

        return None if self.stand_in else unsendable(self.settings, channel, self.store,
                                                     case_id)

    def write(self, draft: Draft, then: Callable[[Draft | None], None],
              addresses: dict[str, str] | None = None, case_id: int | None = None, *,
              keep: Callable[[Draft], None] | None = None,
              discard: Callable[[], None] | None = None,
              articles: Callable[[], list[tuple[str, str]]] = list,
              at_field: str = "") -> None:
        """The composer on `draft` (details: `ComposeScreen.load`); `then` gets what the
        agent sent, or None. The console keeps one composer and fills it for each draft:
        made afresh, it took 45-65 ms to come up in a terminal at 1M cases; filled again,
        20-30."""
        from omnitui.tui.screens.modals import ComposeScreen

        composer = self._composer
        if composer is None or composer in self.screen_stack:  # the first, or one more
            composer = ComposeScreen(draft, addresses, case_id,  # while it is open
                                     keep=keep, discard=discard, articles=articles,
                                     at_field=at_field)
            if self._composer is None:
                self._composer = composer
                self.install_screen(composer, "composer")  # kept when it closes
        else:
            composer.load(draft, addresses, case_id, keep=keep, discard=discard,
                          articles=articles, at_field=at_field)
        self.push_screen(composer, then)

    async def on_mount(self) -> None:
        # A lost SSH connection (its SIGHUP) or a stop (SIGTERM) quits as `q` does, keeping
        # a half-written reply whole: killed by the signal, the last second of typing, not
        # yet kept, was gone.
        loop = asyncio.get_running_loop()
        for number in (signal.SIGHUP, signal.SIGTERM):
            with suppress(NotImplementedError, RuntimeError, ValueError):  # not main thread
                loop.add_signal_handler(number, self.exit)
        self.set_keymap(self.settings.keymap)
        if self.console.color_system in FEW_COLOURS:  # the theme's orange keys on its grey
            self.theme = "ansi-dark"  # bar came out bright red on bright black: unreadable
        set_busy_timeout(self.store.conn, CONSOLE_BUSY_SECONDS)
        with self._following():
            keep_holidays(self.store, self.settings, utc_now().date())  # the SLA column's
        await self.push_screen(QueueScreen(self))
        if self.start_on_board:
            self.action_board()
        self.call_after_refresh(self._after_first_paint)

    def _after_first_paint(self) -> None:
        """What the first page does not need waits until it is painted: the action layer
        (routing, presence) and what the keys open (the case screen, the composer, the
        dialogs), imported by a thread meanwhile so the first key finds them loaded.
        Loading the semantic model in a thread holds the interpreter's lock most of the
        time for a second or two: the first page competed with it for that lock, and so
        did the agent's first keys, so it waits QUIET_START more."""
        from omnitui.services.routing import apply_agents
        from omnitui.ssh_keys import refused_command

        if refused := refused_command():  # said on stderr too, behind this screen
            self.notify(refused, severity="warning", timeout=15)
        if self._first_of_agent:  # a mark left by this agent's console that died (not
            self._leave_cases()  # one of the console they still have open)
        with self._following():
            apply_agents(self.store, self.settings, utc_now())
        self.set_interval(POLL_SECONDS, self._poll)
        self.refresh_health()
        self.set_interval(HEALTH_SECONDS, self.refresh_health)
        threading.Thread(target=preload, args=(self,), name="omnitui-preload",
                         daemon=True).start()
        with suppress(*STORE_ERRORS):  # the daemon keeps it in step after this
            refresh_kb(self.store, self.settings.kb)
        if self.settings.semantic.enabled and self.settings.kb.path:
            self.set_timer(QUIET_START, threading.Thread(
                target=self._learn_meaning, name="omnitui-semantic", daemon=True).start)

    def _learn_meaning(self) -> None:
        """The semantic extra's model, loaded off the UI thread (about a second), then the
        vectors of the articles that lack one, on this thread's own connection. Without
        articles the model waits for its first use (solved cases like one: in a worker)."""
        if (model := model_for(self.settings.semantic)) is None:
            return
        with suppress(*STORE_ERRORS), Store(self.db_path, migrate=False) as own:
            refresh_kb(own, self.settings.kb, model)

    @property
    def zone(self) -> tzinfo | None:
        """The zone this agent reads times in (`Settings.agent_zone`): the timeline's, the
        history's, the snoozes' and the incidents'."""
        return self.settings.agent_zone(self.agent)

    @property
    def queue(self) -> QueueScreen:
        """The queue: always at the bottom of the screens."""
        return self.work_screens[0]  # type: ignore[return-value]

    # -- every key and every dialog answer: store failures are messages ---------------

    async def on_event(self, event: events.Event) -> None:
        """A key, kept while the console's keys are tried on it: `check_action` asks
        whether it types anything."""
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)
            return
        self._arriving = event
        try:
            await super().on_event(event)
        finally:
            self._arriving = None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The console's keys act only where the agent is not typing or answering a
        dialog; there the key is the field's or the dialog's. In a field, a key that types
        nothing and that the field does not use acts still, as the help says (F2, F3,
        ctrl+r from the search box: they did nothing), whichever keys [keymap] binds."""
        if action not in APP_ACTIONS:
            return True
        if isinstance(self.screen, ModalScreen):
            return False
        field, key = self.focused, self._arriving
        if not isinstance(field, Input | TextArea):
            return True
        return (key is not None and bound_action(self, key.key) == action
                and not field.check_consume_key(key.key, key.character)
                and bound_action(field, key.key) is None)

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
        markup or reach the terminal raw. `markup` is not heeded: a screen's or a widget's
        `notify` (Textual's) asks for markup by default, and an attachment named
        "[@click=app.quit]" made a toast that quit on a click. Thread-safe, like Textual's
        own."""
        del markup
        super().notify(sanitize(message), title=sanitize(title, multiline=False),
                       severity=severity, timeout=timeout, markup=False)

    def action_quit_confirm(self) -> None:
        """q asks first, and names the unsent drafts that wait for the agent (kept, they
        were easy to forget)."""
        from omnitui.store.drafts import cases_with_drafts
        from omnitui.tui.screens.modals import ConfirmScreen

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.exit()

        kept = [f"#{case_id}" if case_id is not None else "a new message"
                for case_id in cases_with_drafts(self.store.conn, self.agent)]
        waiting = (f"\n\nYour unsent drafts on {', '.join(kept[:5])}"
                   f"{' and more' if len(kept) > 5 else ''} are kept: their keys bring them "
                   "back." if kept else "")
        self.push_screen(ConfirmScreen(f"Quit omnitui?{waiting}"), confirmed)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's palette entries, its Quit asking first as `q` does (it quit at once),
        and its Keys showing the console's help, as `?` does (its own panel gave each key's
        words twice, "Open Open", beside a squeezed queue that escape did not give back)."""
        for command in super().get_system_commands(screen):
            if command.callback == self.action_quit:
                yield command._replace(help="Quit omnitui (it asks first)",
                                       callback=self.action_quit_confirm)
            elif command.callback in (self.action_show_help_panel,
                                      self.action_hide_help_panel):
                yield command._replace(help=f"{BY_ID['app.help'].description} "
                                            f"({self.keys_of('app.help')})",
                                       callback=self.action_help)
            else:
                yield command

    def action_help_quit(self) -> None:
        """ctrl+c (a reflex) says how to quit, in our words: toasts here are literal."""
        self.notify(f"press {self.get_key_display(Binding('ctrl+q', ''))} to quit omnitui",
                    title="Do you want to quit?")

    # -- cases: open one, redraw after a change ---------------------------------------

    def open_case(self, case_id: int) -> None:
        """Show a case (the one it was merged into, if it was)."""
        from omnitui.tui.screens.case import read_case

        detail = read_case(self.store.conn, case_id)
        if detail is not None and detail.merged_into is not None:
            self.notify(f"case #{case_id} was merged into #{detail.merged_into}")
            detail = read_case(self.store.conn, detail.merged_into)
        if detail is None:
            self.notify(f"there is no case #{case_id}", severity="warning")
            return
        self.work_screens[-1].show_case(detail)
        self.keep_presence()

    @property
    def work_screens(self) -> list[WorkScreen]:
        """The queue and the cases opened over it, bottom first (dialogs left out)."""
        return [screen for screen in self.screen_stack if isinstance(screen, WorkScreen)]

    def cases_changed(self, changed: set[int] | None) -> None:
        """Redraw after this console's own change, at once (the poll sees it only at its
        next tick)."""
        for screen in self.work_screens:
            screen.cases_changed(changed)

    # -- the keys that work anywhere --------------------------------------------------

    def action_undo(self) -> None:
        """u: take back this agent's last action; asked first when it is not on the case on
        screen and not just done (a reply on another case, a snooze of minutes ago, went
        back without a word)."""
        from omnitui.tui.screens.case import CaseScreen
        from omnitui.tui.screens.modals import ConfirmScreen

        pending = actions_of(self.store.conn, last_undoable(self.store.conn, self.agent))
        here = self.screen.detail.case.id if isinstance(self.screen, CaseScreen) else None
        now = self.clock()
        fresh = bool(pending) and now - parse_db_time(pending[-1][2]) < UNDO_WITHOUT_ASKING
        if not pending or fresh or here in {case_id for _, case_id, _ in pending}:
            self._undo()
            return
        words = undo_words([(action, case_id) for action, case_id, _ in pending])
        when = ago(parse_db_time(pending[-1][2]), now)
        self.push_screen(ConfirmScreen(f"Undo {words.removeprefix('undone: ')}, {when}?"),
                         lambda yes: self._undo() if yes else None)

    def action_redo(self) -> None:
        """U: put back what this agent's last undo took back (the console had no redo:
        only `omnitui undo ID` with the undo's id)."""
        redo = last_redoable(self.store.conn, self.agent)
        if redo is None:
            self.notify("nothing to redo: your last action was not an undo")
            return
        try:
            redone = self.desk.undo(redo)
        except StoreError as exc:
            self.notify(f"nothing redone: {store_problem(exc)}", severity="warning")
            return
        self.cases_changed(None)
        self.notify(undo_words(undone_actions(self.store.conn, redone)))

    def _undo(self) -> None:
        try:
            undo_id = self.desk.undo()
        except StoreError as exc:
            self.notify(f"nothing undone: {store_problem(exc)}", severity="warning")
            return
        self.cases_changed(None)  # an action may have touched many cases: redraw them all
        self.notify(undo_words(undone_actions(self.store.conn, undo_id)))

    def action_goto(self) -> None:
        """#: open a case by its number, whatever view it is in (or none)."""
        def check(text: str) -> str | None:
            number = re.fullmatch(r"#?(\d{1,18})", text.strip())
            if number is None:
                return f"{text!r} is not a case number"
            if get_case(self.store.conn, int(number[1])) is None:  # not its timeline
                return f"there is no case #{number[1]}"
            return None

        def answered(text: str | None) -> None:
            if text:
                self.open_case(int(text.strip().lstrip("#")))

        from omnitui.tui.screens.modals import AskScreen

        self.push_screen(AskScreen("Go to case number", check=check), answered)

    def action_away(self) -> None:
        """@: away (routing gives you nothing, and after a while hands your untouched cases
        on) or available again (the waiting cases you have room for come at once)."""
        away = not self.desk.away()
        self.desk.set_away(away)
        self._read_me()
        self.notify("You are away: routing gives you no cases" if away else
                    "You are available: routing gives you cases again",
                    severity="warning" if away else "information")
        self.queue.update_status()
        self._read_board_now()  # its team panel: another console's change alone moved it

    def action_to_queue(self) -> None:
        """F2: straight back to the queue from any screen."""
        while self.screen is not self.queue:
            self.pop_screen()

    def action_board(self) -> None:
        """F3: the supervisor's board over whatever is open; from the board, back."""
        from omnitui.tui.screens.board import BoardScreen

        if isinstance(self.screen, BoardScreen):
            self.pop_screen()
        elif self.kept_board is None:  # one board, kept: Textual took about a second of
            self.kept_board = BoardScreen()  # the console to build one on a big store
            self.install_screen(self.kept_board, "board")
            self.push_screen(self.kept_board)
        elif self.kept_board in self.screen_stack:  # under this case, opened from it: a
            self.push_screen(BoardScreen())  # board of its own over it
        else:
            self.kept_board.shown_again()
            self.push_screen(self.kept_board)

    def action_refresh_now(self) -> None:
        self.queue.reload()
        self._read_board_now()

    def _read_board_now(self) -> None:
        """The supervisor's board, if it is open, read again at once."""
        from omnitui.tui.screens.board import BoardScreen

        if isinstance(self.screen, BoardScreen):
            self.screen.read_now()

    def keys_of(self, binding_id: str) -> str:
        """A binding's keys as the agent types them, after any [keymap] change."""
        keys = self.settings.keymap.get(binding_id, BY_ID[binding_id].keys)
        return ", ".join(self.get_key_display(Binding(key.strip(), ""))
                         for key in keys.split(","))

    def action_help(self) -> None:
        from omnitui.tui.screens.modals import TextScreen, help_table

        here = tuple(getattr(self.screen, "HELP_FIRST", ()))  # the keys of the screen it was
        kept = self.kept_help.get(here)  # asked on first (the board's came last)
        if kept is None:
            named = [(replace(key, description=words), self.keys_of(key.id)) for key in KEYS
                     if (words := key_words(key.id, key.description, self.settings.macros))]
            named.sort(key=lambda pair: pair[0].where not in here)
            kept = self.kept_help[here] = TextScreen(
                "Keys (change them under \\[keymap] in the config)", help_table(named))
            self.install_screen(kept, f"help {len(self.kept_help)}")
        else:
            kept.to_top()
        self.push_screen(kept)

    # -- following the store: other writers, presence, health -------------------------

    def _poll(self) -> None:
        """Every half second: presence, and other writers' changes."""
        if not self.is_running:
            return  # the console is closing: its screens are being taken down
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
        self.keep_presence()
        top = self.work_screens[-1]
        if self.screen is top:  # not under a dialog
            top.follow()
        version = commits_seen(self.store.conn)
        if version == self._seen_version:
            return
        self._seen_version = version
        self._tell_upgraded()
        newest, changed = changed_cases_since(self.store.conn, self._seen_change)
        if newest == self._seen_change:
            return  # a presence mark, not a change to any case
        self._tell_escalations(escalations_since(self.store.conn, self._seen_change, newest))
        self._tell_given_away(given_away_since(self.store.conn, self.agent, self._seen_change,
                                               newest))
        if given := given_to_since(self.store.conn, self.agent, self._seen_change, newest):
            self.notify(given_to_words(given), timeout=10)
        self._tell_failed(failed_replies_since(self.store.conn, self.agent, self._seen_change,
                                               newest))
        self._seen_change = newest
        self.cases_changed(changed)

    def _tell_upgraded(self) -> None:
        """Once, when a newer omnitui upgraded the store while this console ran (the new
        daemon's first start, after an upgrade): the console goes on and keeps the drafts,
        but does not know what the new version changed. Its toast stays until clicked."""
        if self._upgraded_to is None and (found := schema_version(self.store.conn)) > \
                SCHEMA_VERSION:
            self._upgraded_to = found
            self.notify(upgraded_under_words(found, SCHEMA_VERSION), severity="warning",
                        timeout=UPGRADED_TOAST_SECONDS)

    def _tell_escalations(self, escalations: list[Escalation]) -> None:
        """A toast for the cases another actor escalated in a queue this agent works, or
        moved into one (any queue, for a supervisor), or of their own, unless the escalated
        queue's path says not to notify: billing's agents heard nothing of a case it moved
        on to leads, nor its owner of their case breaching in a queue they do not work. An
        agent away hears of their own cases only (and of those again when back)."""
        told = [(case_id, reason) for case_id, _actor, reason, *_ in
                filter(self._heard, escalations)]
        if not told:
            return
        held = bool(self._escalations_held)  # a toast of them is due already
        self._escalations_held += told
        wait = self._escalation_told_at + ESCALATION_TOAST_EVERY - time.monotonic()
        if wait <= 0:
            self._tell_held_escalations()
        elif not held:
            self.set_timer(wait, self._tell_held_escalations)

    def _tell_held_escalations(self) -> None:
        """The escalations told since the last toast of them, in one: "7 cases escalated:
        #12, #14, …"."""
        if self._escalations_held:
            self.notify(sanitize(escalated_words(self._escalations_held), multiline=False),
                        severity="warning", timeout=ESCALATION_TOAST_SECONDS)
        self._escalations_held = []
        self._escalation_told_at = time.monotonic()

    def _heard(self, escalation: Escalation) -> bool:
        """Whether this agent's console tells of the escalation (`_tell_escalations`)."""
        _case_id, actor, _reason, queue, now_in, owner = escalation
        return actor != self.agent and self.desk.router.escalation(queue).notify and (
            owner == self.agent or self._hears_from(queue) or self._hears_from(now_in))

    def _read_me(self) -> None:
        """This agent's row, read again. Back from away (`@`, or `omnitui available`
        elsewhere), the escalations of their cases meanwhile are said in one toast: an
        agent away is spared their queues' escalations, and the toasts of their own went
        by while nobody was looking."""
        was = self.me
        self.me = agent(self.store.conn, self.agent)
        if was is None or was.away_since is None or self.me is None or self.me.away_since:
            return
        if missed := [(case_id, reason) for case_id, _actor, reason, *_ in filter(
                self._heard, escalations_of(self.store.conn, self.agent, was.away_since))]:
            self.notify(sanitize(missed_escalations_words(missed), multiline=False),
                        severity="warning", timeout=30)

    def _tell_given_away(self, given: list[tuple[int, str, str | None]]) -> None:
        """A toast for this agent's cases someone else gave away, one for each who gave
        them where: they only left their list, without a word of who has it now."""
        taken: dict[tuple[str | None, str], list[int]] = {}
        for case_id, actor, owner in given:
            if actor != self.agent:
                taken.setdefault((owner, actor), []).append(case_id)
        for (owner, actor), case_ids in taken.items():
            self.notify(given_away_words(case_ids, owner, actor), severity="warning",
                        timeout=10)

    def _tell_failed(self, failed: list[tuple[int, str]]) -> None:
        """A toast for each of this agent's replies that failed for good, with the key that
        sends it again: the case only reopened, and the reply was written again by hand."""
        for case_id, error in failed:
            self.notify(sanitize(reply_failed_words(case_id, error,
                                                    self.keys_of("message.resend")),
                                 multiline=False), severity="error", timeout=15)

    def _hears_from(self, queue: str) -> bool:
        """Whether this agent hears of the escalations in `queue`: a supervisor of every
        queue's, an agent of those they have the skills for, unless away."""
        me = self.me
        if me is not None and me.supervisor:
            return True
        if me is not None and me.away_since is not None:
            return False
        found = self.desk.router.queues.get(queue)
        return found is None or (me is not None and set(found.skills) <= me.skills)

    def keep_presence(self, activity: str | None = None) -> None:
        """Mark this agent on the open case (or off every case), at most every few seconds
        unless what they do changed."""
        from omnitui.tui.screens.modals import ComposeScreen

        case_id = self.work_screens[-1].case_on_screen
        activity = activity or ("writing" if isinstance(self.screen, ComposeScreen)
                                else "viewing")
        now = utc_now()
        if case_id is None and self._presence[0] is None:
            return  # on the queue, and already marked off every case: nothing to write
        if (case_id, activity) == self._presence[:2] and \
                (now - self._presence[2]).total_seconds() < PRESENCE_EVERY:
            return
        continues = db_time(now - timedelta(seconds=PRESENCE_CONTINUES))
        with suppress(*STORE_ERRORS), self.store.write() as conn:  # best effort: tried again
            if case_id is None:
                presence.leave(conn, self.agent, db_time(now), continues)
            else:
                presence.announce(conn, self.agent, case_id, activity, db_time(now),
                                  continues)
            self._presence = (case_id, activity, now)

    def _leave_cases(self, *, quitting: bool = False) -> None:
        """Take this agent's presence mark off every case, and quitting, their presence
        for routing: `omnitui restore` said "consoles are open" for half a minute after
        the last closed (best effort: a mark fades by itself, and a busy store must not
        stop the console starting or quitting). Quitting while another console of theirs
        runs, they stay present, and only this console's case mark goes."""
        now = utc_now()
        others = quitting and self._agent_here is not None and held(self._agent_lock)
        if others and self._presence[0] is None:
            return  # on the queue: no mark of this console's to take off
        with suppress(*STORE_ERRORS), self.store.write() as conn:
            presence.leave(conn, self.agent, db_time(now),
                           db_time(now - timedelta(seconds=PRESENCE_CONTINUES)),
                           self._presence[0] if others else None)
            if quitting and not others:
                mark_gone(conn, self.agent, db_time(now - timedelta(
                    seconds=self.settings.routing.present_seconds + 1)))

    def refresh_health(self) -> None:
        """The daemon's and channels' state, read again every few seconds: a daemon that
        died writes nothing, so waiting for a change would never show it. Also this agent's
        "still here" for routing, from every running console whatever it shows (best effort,
        like the presence on a case: a busy store now, the next tick marks it)."""
        if not self.is_running:
            return  # the console is closing: its screens are being taken down
        with suppress(*STORE_ERRORS):
            self.desk.present()
        with self._following():
            self._read_me()
            if self.me is not None and not self.me.active:
                self._taken_off_the_team()
                return
            daemon = daemon_state(self.store.conn)
            if daemon is not None and daemon.state == "running" and stopped_here(
                    self.db_path, daemon.host):  # killed: it said "running" for 80 s more
                daemon = replace(daemon, state="stopped")
            found = (daemon, channel_states(self.store.conn), self.clock(),
                     pending_count(self.store.conn))
            self.queue.health = health_text(*found, stand_in=self.stand_in)
            self.queue.brief_health = health_text(*found, stand_in=self.stand_in, brief=True)
            self.queue.update_status()
            self._follow_incidents(ongoing(self.store.conn))

    def _taken_off_the_team(self) -> None:
        """`omnitui agents remove` took this agent off the team: the console closes (their
        drafts kept), saying why; it went on working, and took back a case the removal
        had handed on."""
        self.exit(return_code=1, message=f"{self.agent} was taken off the team (omnitui "
                  "agents remove): the console closed; unsent drafts are kept")

    def _follow_incidents(self, now_going: list[BusinessEvent]) -> None:
        """The banner of known incidents, and a toast when one starts or ends (not for
        those going on when the console opened: the banner says those)."""
        before = {e.id: e for e in self.incidents or []}
        if self.incidents is not None:
            for event in now_going:
                if event.id not in before:
                    self.notify(incident_words(event, self.zone), title="Known incident",
                                severity="warning", timeout=15)
            for gone in before.keys() - {e.id for e in now_going}:
                self.notify(f"{sanitize(before[gone].product or '', multiline=False)} works "
                            "again", title="Incident over", timeout=10)
        self.incidents = now_going
        self.queue.show_incidents(now_going)

    # -- quitting ---------------------------------------------------------------------

    def get_driver_class(self) -> type[Driver]:
        driver = super().get_driver_class()
        if driver.__module__ != "textual.drivers.linux_driver":  # Windows, $TEXTUAL_DRIVER
            return driver
        from omnitui.tui.driver import QuickExitDriver

        return QuickExitDriver

    def exit(self, *args: Any, **kwargs: Any) -> None:
        """Quitting with a reply half-written keeps it: it comes back on that case."""
        from omnitui.tui.screens.modals import ComposeScreen

        self.leaving = True  # the driver need not wait for its input thread (driver.py)
        for screen in self.screen_stack:
            if isinstance(screen, ComposeScreen):
                screen.flush()
        self.drafts.wait()
        super().exit(*args, **kwargs)

    def on_unmount(self) -> None:
        gc.unfreeze()  # what start-up made may be garbage now (a test runs many consoles)
        if self._agent_here is not None:  # let go first: `_leave_cases` looks for others
            self._agent_here.close()
        self._leave_cases(quitting=True)
        self.readers.close()
        self.store.close()
        if self._open_here is not None:
            self._open_here.close()


# What the keys open and the action layer: imported by a thread once the queue is painted.
PRELOAD = ("omnitui.services.desk", "omnitui.tui.screens.case",
           *(f"omnitui.tui.work.{kind}" for kind in work.KINDS))


def preload(app: OmnituiApp) -> None:
    """Import what the keys open, have the console compose its composer, then set what
    start-up made aside from the garbage collector: it lives as long as the console (which
    hands it back as it closes). The collector's first full pass after start-up took 29 ms
    at 1M cases and fell on a key (the first reply's); with those objects frozen, a few."""
    for name in PRELOAD:
        import_module(name)
    if app.is_running and not app.leaving:
        with suppress(RuntimeError):  # the console closed meanwhile
            app.call_from_thread(app.prepare_composer)  # frozen with the rest, below
        gc.collect()
        gc.freeze()


APP_ACTIONS = {binding.action.partition("(")[0] for binding in OmnituiApp.BINDINGS}


def check_keymap(keymap: dict[str, str], source: Path | None) -> None:
    """Refuse a `[keymap]` naming a binding that does not exist (a typo would otherwise
    leave the agent's key silently unchanged)."""
    if problem := keymap_problem(keymap):
        raise ConfigError(f"{source}: {problem}" if source else problem)


def run_console(db_path: Path, settings: Settings, agent: str, *, board: bool = False,
                stand_in: str = "") -> int:
    """Run the console (on the supervisor's board with `board`); its exit status (not 0
    when a bug ended it, after the traceback)."""
    app = OmnituiApp(db_path, settings, agent, board=board, stand_in=stand_in)
    app.run()
    return app.return_code or 0
