"""One case: its facts, the customer's whole timeline, and the customer pane.

The timeline is one widget per message so the agent can walk it with j/k and act on the
highlighted message: unfold its quoted history, read its raw source, save its attachments,
move it to another case; `/` searches its messages (omnitui/tui/hits.py).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Sequence
from contextlib import suppress
from datetime import datetime, timedelta, tzinfo
from functools import partial
from typing import TYPE_CHECKING

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.containers import Horizontal, VerticalScroll
from textual.css.query import NoMatches
from textual.widget import AwaitMount, Widget
from textual.widgets import Input, Static

from omnitui.keymap import BOTH, CASE
from omnitui.model import PAUSED_STATUSES, CaseDetail, CustomerView, MessageView
from omnitui.quotes import split_reply
from omnitui.sanitize import sanitize
from omnitui.services import drafts
from omnitui.services.fitting import suggested
from omnitui.services.kb import suggestions
from omnitui.services.outbound import not_resendable, resent_already
from omnitui.services.similar import SimilarCase
from omnitui.snooze import until_words
from omnitui.store import presence
from omnitui.store.audit import AuditEntry, history
from omnitui.store.db import STORE_ERRORS, db_time, parse_db_time, utc_now
from omnitui.store.queries import case_detail, timeline
from omnitui.triage.language import UNDETERMINED
from omnitui.tui.hits import (
    SEARCH_OVER,
    find_prompt,
    highlight,
    holds,
    nothing_to_walk,
    nowhere_on_case,
    walking_words,
    wrapped,
)
from omnitui.tui.keys import action_name, bind
from omnitui.tui.screens.modals import TextScreen
from omnitui.tui.screens.work import CASE_ACTIONS, WorkScreen
from omnitui.tui.widgets.key_bar import KeyBar
from omnitui.tui.widgets.typing import SearchInput
from omnitui.tui.work import messages
from omnitui.tui.work.writing import SLOT_WORDS, unsent, unsent_words
from omnitui.vocabulary import action_words, routing_story
from omnitui.wording import (
    NO_NAME,
    act_on_live,
    attachment_note,
    breakdown,
    changes_words,
    clock_time,
    csat_words,
    events_words,
    fields_words,
    in_zone,
    merged_words,
    older_changes,
    paused_for,
    plural,
    reopens_words,
    similar_words,
    sla_words,
    status_words,
    why_words,
)

if TYPE_CHECKING:
    from omnitui.config import Macro

PRESENCE_FRESH = timedelta(seconds=15)  # a mark older than this is a console gone

ARROWS = {"in": "←", "out": "→", "note": "✎"}
# Messages drawn at once (k at the top draws as many more): each box is measured for the
# layout, and 200 of them took half a second of opening a case of thousands of messages
# (50: a tenth of one); a 50-line terminal shows about ten.
TIMELINE_PAGE = 50
# The latest changes H draws: a table is laid out whole, and the 5,677 changes of the demo's
# busiest case took 15 s (the console frozen) to open and 5 s to close.
HISTORY_SHOWN = 100
DELIVERY_STYLES = {"queued": "yellow", "sending": "yellow", "sent": "green", "failed": "bold red"}


def plain(text: str | None, *, multiline: bool = False) -> Text:
    """Outside text, sanitized and shown literally (never as markup)."""
    return Text(sanitize(text or "", multiline=multiline))


def render_facts(detail: CaseDetail, now: datetime, *, sla: dict | None = None,
                 with_customer: bool = False, suggested: Sequence[str] = (),
                 articles: Sequence[str] = (), drafted: Sequence[str] = (),
                 drafts: int = 0, similar: str = "", zone: tzinfo | None = None) -> Group:
    """The case's title and facts (what it waits on, until when it sleeps); `with_customer`
    adds a line about the customer, for when the customer pane is hidden (a narrow
    terminal); `suggested`: the macros whose `when` fits the case; `articles`: the titles of
    the knowledge-base articles suggested for it; `drafted`: what automatic macros left
    drafted on it ("private answer (D) by Double charge"), `drafts` how many drafts that
    names (its key, or their keys); `similar`: solved cases like it
    ("#114 Charged twice for order A853210"); `zone`: the agent's (`Settings.agent_zone`;
    None: this machine's). The title, the facts and the clocks wrap; every
    other line is one row, cut with "…" (at 80x24 the header took 11 of the 24 rows, the
    timeline 9)."""
    case = detail.case
    title = Text(f"#{case.id}  ", style="bold")
    title.append(plain(case.subject or "(no subject)"))
    facts = Text(style="dim")
    facts.append_text(plain(f"{status_words(case.status)} · {case.channel} · queue "
                            f"{case.queue} · owner {case.owner or '-'}"))
    facts.append(f" · priority {breakdown(detail.priority_parts, case.priority)}"
                 f"{reopens_words(detail.reopens)}")
    if case.tags:
        facts.append(" · tags ")
        facts.append_text(plain(" ".join(case.tags)))
    lines = [title, facts]
    if detail.merged_into is not None:
        lines.append(Text(f"{merged_words(detail.merged_into)} (# then "
                          f"{detail.merged_into} opens it)", style="bold"))
    clocks = Text("SLA: ", style="dim")
    clocks.append(sla_words(sla, now), style="bold red" if sla and any(
        t["state"] == "breached" for t in sla["targets"]) else "dim")
    lines.append(clocks)
    if str(routing := routing_story(detail.history, now)):
        lines.append(_Story(Text("routed: ", style="dim"),
                            [plain(part) for part in routing.decisions],
                            [plain(note) for note in routing.notes]))
    if drafted:
        line = Text("drafted: ", style="bold cyan")
        line.append_text(plain(" · ".join(drafted)))
        line.append(" — its key opens it" if drafts == 1
                    else " — their keys open them", style="dim")
        lines.append(_one_line(line))
    if suggested:
        line = Text("m: suggested — ", style="bold cyan")
        line.append_text(plain(", ".join(suggested)))
        lines.append(_one_line(line))
    if articles:
        line = Text("kb: ", style="bold cyan")
        line.append_text(plain(" · ".join(articles)))
        lines.append(_one_line(line))
    if similar:
        line = Text("solved before (# opens one): ", style="dim")
        line.append_text(plain(similar))
        lines.append(_one_line(line))
    if detail.fields:
        line = Text("fields: ", style="dim")
        line.append_text(plain(fields_words(detail.fields)))
        lines.append(_one_line(line))
    if survey := csat_words(detail.csat):
        lines.append(_one_line(Text("satisfaction: ", style="dim") + plain(survey)))
    waiting = Text()
    if case.status in PAUSED_STATUSES and case.pause_reason:
        waiting.append("why paused: ", style="bold yellow")
        waiting.append_text(plain(case.pause_reason))
        waiting.append(paused_for(case, now))
    if case.snoozed_until and (until := parse_db_time(case.snoozed_until)) > now:
        waiting.append(" · " if waiting else "")
        waiting.append(f"snoozed until {until_words(until.astimezone(zone), now)}",
                       style="bold cyan")
        waiting.append(" (back by itself, or when the customer writes)", style="dim")
    if waiting:
        lines.append(waiting)
    if not with_customer:
        return Group(*lines)
    who = detail.customer
    others = len([c for c in who.open_cases if c[0] != case.id])
    line = Text("customer ", style="dim") + plain(who.name or NO_NAME)
    line.append(f" #{who.id} · tier ", style="dim")
    line.append_text(plain(who.tier))
    line.append(f" · {plural(others, 'other open case')} · C shows more", style="dim")
    if not who.events:
        return Group(*lines, _one_line(line))
    told = Text("reported: ", style="dim") + plain(events_words(who.events[:2], now))
    return Group(*lines, _one_line(line), _one_line(told))


def _one_line(text: Text) -> Text:
    text.no_wrap, text.overflow = True, "ellipsis"
    return text


SHORTEST_QUEUE = 24  # cells of the queue's reason kept before the owner's is cut too


class _Story:
    """A case's routing on one row, its most telling parts kept when it is too long: the
    queue's reason and the owner's in full as far as they fit (the queue's cut at a word
    first), then the escalations and how it came in, left out last to first. It kept its
    end: two escalations pushed out the queue's moves."""

    def __init__(self, label: Text, decisions: Sequence[Text], notes: Sequence[Text]) -> None:
        self.label, self.decisions, self.notes = label, list(decisions), list(notes)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        room = options.max_width - self.label.cell_len
        decisions, notes = [d.copy() for d in self.decisions], list(self.notes)
        while notes and _joined(decisions, notes).cell_len > room:
            notes.pop()  # the least telling first
        if len(decisions) == 2 and _joined(decisions, notes).cell_len > room:
            decisions[0] = _cut(decisions[0],
                                max(SHORTEST_QUEUE, room - 3 - decisions[1].cell_len))
        line = self.label + _cut(_joined(decisions, notes), room)
        line.stylize("dim")
        yield _one_line(line)


def _joined(decisions: list[Text], notes: list[Text]) -> Text:
    """The queue's reason → the owner's · the notes, as `RoutingStory` writes them."""
    return Text(" · ").join([Text(" → ").join(decisions), *notes] if decisions else notes)


def _cut(text: Text, room: int) -> Text:
    """`text` cut at the end of a word to fit `room` cells with its "…" ("…tent presales"
    read as a word)."""
    if text.cell_len <= room:
        return text
    words = text.plain
    end = next((found.start() for found in reversed(list(re.finditer(" ", words)))
                if cell_len(words[:found.start()]) <= room - 1), None)
    cut = text[:end] if end else text
    while cut.cell_len > room - 1 and len(cut) > 0:
        cut = cut[:-1]
    return cut + Text("…")


def history_table(entries: list[AuditEntry], zone: tzinfo | None) -> Table:
    """A case's audit events, oldest first, in words: when (in `zone`, the agent's), who,
    what and why, and under it what changed, before → after; the text columns wrap."""
    table = Table(box=None, show_header=False, expand=True, padding=(0, 1, 0, 0))
    table.add_column(no_wrap=True, style="dim")
    table.add_column(no_wrap=True, style="bold")
    table.add_column(ratio=1)
    for entry in entries:
        why = why_words(entry.reason, zone, entry.opened_pending_on)
        said = Text(action_words(entry.action) + (": " if why else "")) + plain(why)
        if entry.changes:
            said.append("\n")
            said.append_text(Text(sanitize(changes_words(entry.changes, local=True, zone=zone),
                                           multiline=False),
                                  style="dim"))
        table.add_row(f"{in_zone(parse_db_time(entry.at), zone):%m-%d %H:%M}",
                      plain(entry.actor), said)
    return table


def shown_text(m: MessageView, *, unfolded: bool) -> tuple[str, int]:
    """A message's text as its box shows it (its quoted history and signature only
    unfolded, T), and how many lines of them are left folded."""
    split = split_reply(m.text)
    if unfolded or not split.folded:
        return m.text.strip(), 0
    return split.body.strip(), len(split.folded.strip().splitlines())


def render_message(m: MessageView, case_id: int, *, unfolded: bool, zone: tzinfo | None,
                   words: Sequence[str] = ()) -> Group:
    """One timeline entry, its time in `zone` (the agent's), the search's `words`
    highlighted in its text (omnitui/tui/hits.py)."""
    style = "bold magenta" if m.direction == "note" else "bold"
    head = Text(f"{ARROWS.get(m.direction, '?')} "
                f"{clock_time(parse_db_time(m.created_at), zone)} ", style=style)
    head.append_text(plain(m.channel))
    head.append(" ")
    head.append(plain(m.author or "(unknown sender)"))
    if m.direction == "note":
        head.append("  internal note", style="magenta")
    if m.language and m.language != UNDETERMINED:
        head.append(f"  {m.language}", style="dim")
    if m.case_id != case_id:
        head.append(f"  case #{m.case_id}", style="cyan")
    if m.delivery:
        head.append(f"  {m.delivery}", style=DELIVERY_STYLES.get(m.delivery, ""))
    parts: list[Text] = [head]
    if m.delivery_note:
        parts.append(Text("  ") + plain(m.delivery_note))
    if m.auto_submitted:
        parts.append(Text("  automatic: ", style="dim") + plain(m.auto_submitted))
    if m.thread_reason:
        parts.append(Text("  joined: ", style="dim") + plain(m.thread_reason))
    if m.intent:
        parts.append(Text("  wants: ", style="dim") + plain(f"{m.intent} ({m.intent_rule})"))
    if m.irritation:
        parts.append(Text("  irritated: ", style="bold red") + plain(m.irritation))
    parts += [Text("  claimed: ", style="dim") + plain(claim) for claim in m.claims]
    for problem in m.parse_errors:
        parts.append(Text("  parse error: ", style="red") + plain(problem))
    text, hidden = shown_text(m, unfolded=unfolded)
    parts.append(highlight(plain(text or "(no text)", multiline=True), words))
    if hidden:
        parts.append(Text(f"  … {plural(hidden, 'line')} of quoted history or signature "
                          "(T shows them)",
                          style="dim italic"))
    for a in m.attachments:
        parts.append(Text("  attachment: ") + plain(f"{a.filename} ({a.mime}, {a.size:,} B)"))
        if note := attachment_note(a.filename, a.mime):
            parts.append(Text(f"    {note}", style="yellow"))
    return Group(*parts)


def shown(value: object) -> str:
    """An imported attribute as people read it: lists joined, nested things as JSON."""
    if isinstance(value, list):
        return ", ".join(shown(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def render_customer(who: CustomerView, case_id: int, now: datetime) -> Group:
    parts = [Text("Customer", style="bold underline"),
             plain(who.name or NO_NAME) + Text(f"  #{who.id}", style="dim"),
             Text("tier ") + plain(who.tier) + (Text(" · prefers ") + plain(who.preferred_channel)
                                         if who.preferred_channel else Text("")),
             Text("\nIdentities", style="bold")]
    parts += [plain(f"  {kind} {value}") for kind, value in who.identities]
    if who.attributes:
        parts.append(Text("\nAttributes", style="bold"))
        parts += [plain(f"  {key}: {shown(value)}") for key, value in who.attributes.items()]
    others = [c for c in who.open_cases if c[0] != case_id]
    parts.append(Text("\nOther open cases", style="bold"))
    parts += [Text(f"  #{cid} {status_words(status)} ") + plain(subject)
              for cid, status, subject in others]
    if not others:
        parts.append(Text("  none", style="dim"))
    if who.events:
        parts.append(Text("\nReported by other systems", style="bold"))
        parts += [Text("  ") + plain(events_words([event], now)) for event in who.events]
    if who.notes:
        parts += [Text("\nNotes", style="bold"), plain(who.notes, multiline=True)]
    return Group(*parts)


def says(message: MessageView, words: Sequence[str], *, unfolded: bool = True) -> bool:
    """Whether every one of `words` is in the message's text as its box draws it
    `unfolded`: a search hit, drawn or not yet."""
    return holds(plain(shown_text(message, unfolded=unfolded)[0]).plain, words)


def read_case(conn: sqlite3.Connection, case_id: int, shown: int = 0) -> CaseDetail | None:
    """The case as its screen draws it: the latest TIMELINE_PAGE messages of its timeline,
    and the `shown` ones a screen holds already (kept as it is redrawn); older ones are read
    as they are asked for (every one of thousands was read, and replayed, to draw 50)."""
    return case_detail(conn, case_id, newest=shown + TIMELINE_PAGE)


class MessageBox(Static):
    """One timeline entry, the search's `words` highlighted; its quoted history folds and
    unfolds."""

    DEFAULT_CSS = """
    MessageBox { padding: 0 1; margin-bottom: 1; border-left: blank; }
    MessageBox.-current { border-left: thick $accent; background: $boost; }
    MessageBox.-other-case { opacity: 70%; }
    """

    def __init__(self, message: MessageView, case_id: int, zone: tzinfo | None,
                 words: Sequence[str]) -> None:
        super().__init__(render_message(message, case_id, unfolded=False, zone=zone,
                                        words=words))
        self.message = message
        self.case_id = case_id
        self.zone = zone
        self.words = words
        self.unfolded = False
        if message.case_id != case_id:
            self.add_class("-other-case")

    def shows(self, words: Sequence[str], *, unfolded: bool = True) -> bool:
        """Whether every one of `words` is in the text drawn `unfolded` (default: its quoted
        history too): a search hit, highlighted once they are the box's words."""
        return says(self.message, words, unfolded=unfolded)

    def bring_out(self, words: Sequence[str]) -> None:
        """A hit lands here: the quoted history unfolds when the words are only in it."""
        if not self.unfolded and not self.shows(words, unfolded=False):
            self.toggle_quoted()

    def set_words(self, words: Sequence[str]) -> None:
        """Highlight `words` instead (a search on the case, or its end)."""
        if list(words) != list(self.words):
            self.words = words
            self._draw()

    def toggle_quoted(self) -> None:
        self.unfolded = not self.unfolded
        self._draw()

    def _draw(self) -> None:
        self.update(render_message(self.message, self.case_id, unfolded=self.unfolded,
                                   zone=self.zone, words=self.words))

    def set_message(self, message: MessageView) -> None:
        """The same message, changed (a reply sent, a message moved): redraw it, keeping
        its quoted history folded or not."""
        if message != self.message:
            self.message = message
            self.set_class(message.case_id != self.case_id, "-other-case")
            self._draw()


class CaseScreen(WorkScreen):
    """One case; its keys act on it (the keys shared with the queue are WorkScreen's)."""

    HELP_FIRST = (CASE, BOTH)  # the help, asked for here, starts with these keys

    DEFAULT_CSS = """
    CaseScreen #presence { height: auto; }
    CaseScreen #facts { height: auto; padding: 0 1; border-bottom: solid $primary; }
    CaseScreen #timeline { width: 1fr; align-vertical: bottom; }
    CaseScreen #customer { width: 42; border-left: solid $primary; padding: 0 1; }
    CaseScreen.-no-customer #customer { display: none; }
    CaseScreen #walking { height: 1; padding: 0 1; }
    CaseScreen #later { height: 1; padding: 0 1; }
    CaseScreen #find { display: none; height: 1; border: none; padding: 0 1; }
    CaseScreen #find.-open { display: block; }
    """
    WIDE = 100  # columns from which the customer pane shows beside the timeline by itself
    BINDINGS = [
        bind("case.close", "close"),
        bind("case.next", "step_case(1)"),
        bind("case.prev", "step_case(-1)"),
        bind("timeline.down", "step_message(1)"),
        bind("timeline.up", "step_message(-1)"),
        bind("timeline.page_down", "page(1)"),
        bind("timeline.page_up", "page(-1)"),
        bind("timeline.first", "end_of_timeline(0)"),
        bind("timeline.last", "end_of_timeline(1)"),
        bind("timeline.search", "find", priority=True),  # the keys after it are the prompt's
        bind("queue.search_next", "search_hit(1)"),
        bind("queue.search_prev", "search_hit(-1)"),
        bind("message.quoted", "toggle_quoted"),
        bind("message.raw", "raw_source"),
        bind("message.save", "save_attachments"),
        bind("message.move", "move_message"),
        bind("message.resend", "resend"),
        bind("case.customer", "toggle_customer"),
        bind("case.history", "history"),
    ]

    def __init__(self, detail: CaseDetail) -> None:
        super().__init__()
        self.detail = detail
        self.current = 0  # index into the boxes on screen
        self.first_shown = 0  # how many of the timeline's messages are above those shown
        self.after_shown = 0  # and below them (a search's hit far up shows a page there)
        self._boxes: list[MessageBox] = []
        self._highlighted: MessageBox | None = None
        self._customer_shown: bool | None = None  # the agent's choice with C; None: by width
        self.suggested: list[Macro] = []  # the macros whose `when` fits (drawn with the facts)
        self.similar: list[SimilarCase] = []  # solved cases like it, found off the UI thread
        self._similar_for: int | None = None  # the case they were asked for
        self.searched = ""  # what `/` found on this case ("": n and N walk the queue's search)
        self._before_find: Widget | None = None  # what had the keyboard when `/` opened

    def targets(self) -> list[int]:
        return [self.detail.case.id]

    def suggested_macros(self) -> list[Macro]:
        return self.suggested

    def one_case(self) -> int | None:
        return self.detail.case.id

    def owners(self) -> list[str | None]:
        return [self.detail.case.owner]

    def declined(self, action: str) -> str | None:
        """A case merged away takes no case key (each is refused there): the key bar
        offered Solved and Reopen on it, and cut "? Help" at 80 columns."""
        if action in CASE_ACTIONS and (live := self.detail.merged_into) is not None:
            return act_on_live(self.detail.case.id, live)
        if action == "resend":  # offered on a failed reply of ours not resent yet alone
            message = self.current_message
            return "no message is highlighted" if message is None else not_resendable(
                message.id, message.direction, message.delivery) or resent_already(
                self.console.store.conn, message.id)
        return super().declined(action)

    def statuses(self) -> set[str]:
        return {self.detail.case.status}

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Resend, offered on a failed reply alone, leads the key bar: the keys at its end
        give way at 80 columns, and it went first."""
        active = super().active_bindings
        return {**{key: shown for key, shown in active.items()
                   if action_name(shown.binding.action) == "resend"}, **active}

    def current_message_id(self) -> int | None:
        return self.current_message.id if self.current_message is not None else None

    def current_message_is_note(self) -> bool:
        return self.current_message is not None and self.current_message.direction == "note"

    @property
    def case_on_screen(self) -> int | None:
        return self.detail.case.id

    def show_case(self, detail: CaseDetail) -> None:
        """Another case (J/K, #, a link): in place, without going back to the queue."""
        self.show(detail)

    def cases_changed(self, changed: set[int] | None) -> None:
        if changed is None or self.detail.case.id in changed:
            detail = read_case(self.console.store.conn, self.detail.case.id, len(self._boxes))
            if detail is None and self.is_current:  # an undo took the case away (a logged
                self.app.pop_screen()  # call's, a split's): nothing is left here to work on
                return
            self.show(detail)

    def follow(self) -> None:
        """Who else is on the case, every tick: a console that died leaves a mark that must
        fade by itself, and nobody commits anything to say so."""
        fresh = db_time(utc_now() - PRESENCE_FRESH)
        self.show_presence(presence.others_on(self.console.store.conn, self.detail.case.id,
                                              self.console.agent, fresh))

    def action_close(self) -> None:
        """escape: back to the queue. The screen's own action, not the app's pop_screen:
        the key bar offered "esc Back" while escape closed the search prompt."""
        self.app.pop_screen()

    def action_raw_source(self) -> None:
        messages.raw_source(self)

    def action_history(self) -> None:
        """H: every change to the case, who made it and why (routing's reasons too)."""
        case_id, zone = self.detail.case.id, self.console.zone
        entries = history(self.console.store.conn, case_id=case_id, limit=HISTORY_SHOWN + 1)
        table = history_table(entries[-HISTORY_SHOWN:], zone)
        self.app.push_screen(TextScreen(
            f"History of #{case_id} (times {in_zone(utc_now(), zone):%Z})",
            table if len(entries) <= HISTORY_SHOWN else Group(
                Text(older_changes(case_id, HISTORY_SHOWN), style="dim italic"), table)))

    def action_save_attachments(self) -> None:
        messages.save(self)

    def action_move_message(self) -> None:
        messages.move(self)

    def action_resend(self) -> None:
        messages.resend(self)

    def action_step_case(self, step: int) -> None:
        """J / K: the next or previous case of the list it was opened from (the queue, the
        board's due list: from the board they walked the queue's order), without going
        back."""
        screens = self.console.work_screens
        below = screens[:screens.index(self)] if self in screens else screens
        source = next((s for s in reversed(below) if not isinstance(s, CaseScreen)),
                      self.console.queue)
        case_id = source.step_from(self.detail.case.id, step)
        if case_id is None or case_id == self.detail.case.id:  # J on the last case did
            self.notify(f"this is {source.list_end(step)}")   # nothing, without a word
        else:
            self.show_case(read_case(self.console.store.conn, case_id))

    def action_search_hit(self, step: int) -> None:
        """n / N: the next or previous message with the words searched on this case, else
        with the queue's search words, highlighted (omnitui/tui/hits.py)."""
        if not (words := self.words):
            self.notify(nothing_to_walk(self.console.queue.narrowed_by), severity="warning")
            return
        typed = " ".join(words)
        found = self.jump_to_match(step, words)
        if found is None:
            self.notify(nowhere_on_case(typed), severity="warning")
        elif found == "only":
            self.notify(f"this is the only message with {typed!r}")
        elif found == "wrapped":
            self.notify(wrapped(step))

    def action_find(self) -> None:
        """/: the prompt that searches this case's messages. The keyboard moves to it at
        once, inside this key's handling: the keys typed right after `/` are queued already
        and must reach it, as the queue's search box's do."""
        prompt = self.query_one("#find", SearchInput)
        prompt.value = ""
        prompt.placeholder = find_prompt(searching=bool(self.searched))
        prompt.add_class("-open")
        self.query_one("#walking").display = False
        self._before_find = self.focused
        self.set_focus(prompt)

    @on(Input.Submitted, "#find")
    def _find(self, event: Input.Submitted) -> None:
        """The first message at or after the current one that shows every word typed (round
        the end, as n goes), the words highlighted; n and N walk them from then on. None:
        the prompt stays, what was typed in it, to be put right."""
        typed = event.value
        if not typed.strip():
            if self.searched:
                self._search("")
                self.notify(SEARCH_OVER)
            self._close_find()
            return
        found = self.jump_to_match(1, typed.split(), here=True)
        if found is None:
            self.notify(nowhere_on_case(typed), severity="warning")
            self.query_one("#find", SearchInput).release()  # the keys after enter are its
            return
        self._search(typed)
        self._close_find()
        if found == "wrapped":
            self.notify(wrapped(1))

    def on_key(self, event: events.Key) -> None:
        """escape in the prompt closes it and leaves the case as it was."""
        if event.key == "escape" and self.query_one("#find", SearchInput).has_focus:
            event.stop()
            self._close_find()

    @on(Input.Blurred, "#find")
    def _find_left(self) -> None:
        """The keyboard went elsewhere (tab, a click): the prompt closes, as escape does."""
        if self.query_one("#find").has_class("-open"):
            self._close_find()

    def _close_find(self) -> None:
        prompt = self.query_one("#find", SearchInput)
        prompt.value = ""
        prompt.remove_class("-open")
        if prompt.has_focus:
            self.set_focus(self._before_find)
        self._show_walking()

    def _search(self, typed: str) -> None:
        """`typed` is what n and N walk on this case, highlighted ("": the queue's search)."""
        self.searched = typed.strip()
        words = self.words
        for box in self._boxes:
            box.set_words(words)
        self._show_walking()

    def _show_walking(self) -> None:
        """The line under the timeline that says which search n and N walk (none: no
        line)."""
        line = self.query_one("#walking", Static)
        words = self.words
        line.display = bool(words) and not self.query_one("#find").has_class("-open")
        line.update(Text(walking_words(" ".join(words), here=bool(self.searched),
                                       key=self.console.keys_of("timeline.search")),
                         style="dim"))

    def compose(self) -> ComposeResult:
        yield Static("", id="presence")
        yield Static("", id="facts")
        with Horizontal():
            with VerticalScroll(id="timeline"):
                yield Static("", id="earlier")
                # in the screen's first paint (mounted after it, they came one paint later)
                yield from self._new_boxes(self._newest_page())
            with VerticalScroll(id="customer"):
                yield Static(render_customer(self.detail.customer, self.detail.case.id,
                                             self.console.clock()), id="customer-body")
        yield Static("", id="later")
        yield Static("", id="walking")
        yield SearchInput(id="find", select_on_focus=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self._lay_out()
        with self.console.reporting("showing who else is here"):
            self.follow()
        self._boxes_shown(self.query_one("#timeline", VerticalScroll))
        self._show_walking()
        self.call_after_refresh(self._highlight)  # scrolling needs the boxes laid out

    def on_resize(self) -> None:
        """Across the wide/narrow line only: every screen is resized once as it first comes
        up, and drawing the facts again then cost the case a second paint."""
        if self._customer_shown is None and \
                self.has_class("-no-customer") == (self.app.size.width >= self.WIDE):
            self._lay_out()

    def action_toggle_customer(self) -> None:
        """The pane in or out; the timeline keeps the current message in view (the width
        change rewrapped it, and the view was left ten days away)."""
        self._customer_shown = self.has_class("-no-customer")
        self._lay_out()
        self.call_after_refresh(self._highlight)

    def _lay_out(self) -> None:
        """Beside the timeline on a wide terminal; on a narrow one (80x24) the timeline
        gets the width, the facts name the customer, and C shows the pane."""
        shown = self._customer_shown
        if shown is None:
            shown = self.app.size.width >= self.WIDE
        self.set_class(not shown, "-no-customer")
        self._draw_facts()

    def _draw_facts(self) -> None:
        now = self.app.clock()
        sla = self.console.sla.state(self.console.store.conn, self.detail.case.id, now)
        self.suggested = suggested(self.console.store.conn, self.console.settings,
                                   self.detail.case.id, now)
        articles = suggestions(self.console.store.conn, self.console.settings,
                               self.detail.case.id, wait=False)
        kept = unsent(self.console.store, self.console.agent, self.detail.case.id)
        prepared = drafts.prepared(self.console.store, self.detail.case.id)
        drafted = [*unsent_words(kept),  # an agent's own kept draft was nowhere to be seen
                   *(f"{SLOT_WORDS.get(d.slot, d.slot)} by {d.macro}" for d in prepared)]
        if self._similar_for != self.detail.case.id:
            known = self.console.similar_cases.known(self.detail.case.id)
            self._similar_for, self.similar = self.detail.case.id, known or []
            if known is None:  # the queue had not looked it up before the case opened
                self.run_worker(partial(self._find_similar, self.detail.case.id),
                                thread=True, group="similar", exclusive=True)
        self.query_one("#facts", Static).update(render_facts(
            self.detail, now, sla=sla, with_customer=self.has_class("-no-customer"),
            suggested=[m.name for m in self.suggested], articles=[a.title for a in articles],
            drafted=drafted, drafts=len(kept) + len(prepared),
            similar=similar_words(self.similar),
            zone=self.console.zone))

    def _find_similar(self, case_id: int) -> None:
        """In a worker thread, on its own connection: full-text search over the solved
        cases can take a while on a big store, and the model loads once (0.2-1 s)."""
        try:
            found = self.console.similar_cases.find(case_id)
        except STORE_ERRORS:
            return  # a busy or read-only store: the line is only a help
        with suppress(RuntimeError):  # the console closed meanwhile
            self.app.call_from_thread(self._show_similar, case_id, found)

    def _show_similar(self, case_id: int, found: list[SimilarCase]) -> None:
        if case_id == self.detail.case.id and found and self.is_mounted:
            self.similar = found
            self._draw_facts()

    async def _fill_timeline(self, *, first: bool) -> None:
        """Show the newest TIMELINE_PAGE messages (older ones load when the agent walks up
        past the top). On a refresh of the same case, boxes are updated in place and new
        messages appended: a busy case must not be rebuilt for every message."""
        timeline = self.query_one("#timeline", VerticalScroll)
        messages, above = self.detail.messages, self.detail.earlier
        if not first and self.after_shown:  # a page far up (a search's hit): it stays, the
            self.after_shown = max(0, above + len(messages) - self.first_shown  # count
                                   - len(self._boxes))  # under it follows the case
            self._show_earlier_count()
            return
        kept = self.current_message
        ids = [m.id for m in messages]
        oldest = self._boxes[0].message.id if self._boxes and not first else None
        first_shown = above + ids.index(oldest) if oldest in ids else self._newest_page()
        shown = messages[first_shown - above:]
        on_screen = [box.message.id for box in self._boxes]
        if not first and on_screen == [m.id for m in shown[:len(on_screen)]]:
            for box, message in zip(self._boxes, shown, strict=False):
                box.set_message(message)
            added = [self._box(m) for m in shown[len(on_screen):]]
            if added:
                await timeline.mount_all(added)
            self._boxes += added
            self.first_shown = first_shown
            self._show_earlier_count()
        else:
            await timeline.remove_children(MessageBox)
            await timeline.mount_all(self._new_boxes(first_shown))
            self._boxes_shown(timeline)
        shown_ids = [box.message.id for box in self._boxes]
        if not first and kept is not None and kept.id in shown_ids:
            self.current = shown_ids.index(kept.id)
        elif not first:
            self.current = self._newest_own()
        self.call_after_refresh(self._highlight)  # scrolling needs the boxes laid out

    def _new_boxes(self, first_shown: int) -> list[MessageBox]:
        """The case's messages from `first_shown` on, the current one marked before it is
        drawn."""
        self.first_shown, self.after_shown = first_shown, 0
        self._boxes = [self._box(m)
                       for m in self.detail.messages[first_shown - self.detail.earlier:]]
        self.current = self._newest_own()
        self._highlighted = self._boxes[self.current] if self._boxes else None
        if self._highlighted is not None:
            self._highlighted.add_class("-current")
        return self._boxes

    def _newest_page(self) -> int:
        """`first_shown` of the timeline's latest TIMELINE_PAGE messages."""
        return self.detail.earlier + max(0, len(self.detail.messages) - TIMELINE_PAGE)

    def _box(self, message: MessageView) -> MessageBox:
        return MessageBox(message, self.detail.case.id, self.console.zone, self.words)

    @property
    def words(self) -> list[str]:
        """The words n and N walk here, highlighted: those `/` found on this case, else
        those the queue's search looks for."""
        return self.searched.split() or self.console.queue.narrowing.words

    def _boxes_shown(self, timeline: VerticalScroll) -> None:
        """New boxes are in: when the current message is the last one, anchoring the
        timeline to its end shows it, which the layout applies before the first paint
        (scrolling to a widget can only follow a paint, as it needs the layout). Like a
        chat, a short timeline sits at the bottom, the newest message next to the keys."""
        if self._boxes and self.current == len(self._boxes) - 1:
            timeline.anchor()
        self._show_earlier_count()

    def _newest_own(self) -> int:
        """The newest message of this case on screen: what the agent came to read."""
        own = [i for i, box in enumerate(self._boxes)
               if box.message.case_id == self.detail.case.id]
        return own[-1] if own else max(len(self._boxes) - 1, 0)

    def _show_earlier_count(self) -> None:
        earlier = self.query_one("#earlier", Static)
        earlier.display = self.first_shown > 0
        earlier.update(Text(f"… {self.first_shown:,} earlier messages: k at the top shows "
                            f"{min(self.first_shown, TIMELINE_PAGE)} more", style="dim italic"))
        later = self.query_one("#later", Static)
        later.display = self.after_shown > 0
        later.update(Text(f"… {self.after_shown:,} later messages: j at the bottom shows "
                          f"{min(self.after_shown, TIMELINE_PAGE)} more, G the newest",
                          style="dim italic"))

    async def _load_earlier(self) -> None:
        if self.first_shown == 0 or not self._boxes:
            return
        added = self._earlier(TIMELINE_PAGE)
        await self._put_above(added)
        self.current = len(added) - 1  # the message just above the old top
        self.call_after_refresh(self._highlight)

    async def _load_later(self) -> None:
        shown = len(self._boxes)
        await self._put_below(self._later(TIMELINE_PAGE))
        self.current = min(shown, len(self._boxes) - 1)  # the message just below the old end
        self.call_after_refresh(self._highlight)

    async def _newest_again(self) -> None:
        """G on a page far up: the timeline's latest page again, its newest highlighted."""
        detail = read_case(self.console.store.conn, self.detail.case.id)
        if detail is not None:
            self.detail = detail
        await self._fill_timeline(first=True)
        self.current = len(self._boxes) - 1

    def _earlier(self, limit: int | None) -> list[MessageView]:
        """The timeline's messages above those shown, read from the store: the latest
        `limit` of them (None: all)."""
        case = self.detail.case
        return timeline(self.console.store.conn, case.id, case.customer_id,
                        before=self._boxes[0].message, limit=limit)

    def _later(self, limit: int | None) -> list[MessageView]:
        """The timeline's messages below those shown: the first `limit` (None: all)."""
        case = self.detail.case
        return timeline(self.console.store.conn, case.id, case.customer_id,
                        after=self._boxes[-1].message, limit=limit)

    def _put_below(self, messages: list[MessageView]) -> AwaitMount:
        """Boxes for `messages`, the timeline's just below those shown, under them."""
        added = [self._box(m) for m in messages]
        mounted = self.query_one("#timeline", VerticalScroll).mount_all(added)
        self._boxes += added
        self.after_shown = max(0, self.after_shown - len(added)) if added else 0
        self._show_earlier_count()
        return mounted

    def _show_page(self, messages: list[MessageView], first_shown: int, after_shown: int
                   ) -> None:
        """Only `messages`, a page far from those shown (a search's hit): the boxes between
        would be thousands, each laid out."""
        self._boxes = [self._box(m) for m in messages]
        self.first_shown, self.after_shown, self.current = first_shown, after_shown, 0
        self.run_worker(self._mount_page(self._boxes), group="timeline", exclusive=True)

    async def _mount_page(self, boxes: list[MessageBox]) -> None:
        timeline = self.query_one("#timeline", VerticalScroll)
        await timeline.remove_children(MessageBox)
        await timeline.mount_all(boxes)
        self._show_earlier_count()
        self.call_after_refresh(self._highlight)

    def _put_above(self, messages: list[MessageView]) -> AwaitMount:
        """Boxes for `messages`, the timeline's just above those shown, over them."""
        added = [self._box(m) for m in messages]
        mounted = self.query_one("#timeline", VerticalScroll).mount_all(
            added, before=self._boxes[0])
        self._boxes = added + self._boxes
        self.current += len(added)
        self.first_shown = max(0, self.first_shown - len(added)) if added else 0
        self._show_earlier_count()
        return mounted

    @property
    def boxes(self) -> list[MessageBox]:
        return self._boxes

    @property
    def current_message(self) -> MessageView | None:
        boxes = self._boxes
        return boxes[self.current].message if 0 <= self.current < len(boxes) else None

    def _highlight(self) -> None:
        """Mark the current message and scroll to it (nothing moves when it is in view);
        only the two boxes that change get restyled (a class change restyles a widget, and
        a long timeline has hundreds). Called after a refresh: a case left at once (F2
        as it opened) has lost its timeline by then, and there is nothing to mark."""
        try:
            timeline = self.query_one("#timeline", VerticalScroll)
        except NoMatches:
            return
        current = self._boxes[self.current] if 0 <= self.current < len(self._boxes) else None
        if self._highlighted is not current:
            if self._highlighted is not None:
                self._highlighted.remove_class("-current")
            if current is not None:
                current.add_class("-current")
            self._highlighted = current
        self.refresh_bindings()  # the message's own keys: Resend on a failed reply alone
        if current is None:
            return
        tall = current.outer_size.height > timeline.scrollable_content_region.height
        if current is self._boxes[-1] and not tall:
            timeline.anchor()  # in view at the end, where it stays as messages arrive
        else:  # a message taller than the view is shown from its top, to be read down
            timeline.anchor(False)
            timeline.scroll_to_widget(current, animate=False, top=tall)

    def action_page(self, step: int) -> None:
        """space / ctrl+d a page down, as a pager reads a long mail, and at the end of the
        current message on to the next; ctrl+u a page up. The highlight follows what is
        in view (paging moved the view only, and the next j jumped back)."""
        timeline = self.query_one("#timeline", VerticalScroll)
        current = self._boxes[self.current] if 0 <= self.current < len(self._boxes) else None
        if step > 0 and current is not None and \
                current.region.bottom <= timeline.content_region.bottom:
            self.action_step_message(1)  # its end is in view: the next message
            return
        timeline.anchor(False)
        (timeline.scroll_page_down if step > 0 else timeline.scroll_page_up)(
            animate=False, on_complete=self._follow_view)

    def _follow_view(self) -> None:
        """Highlight the message at the top of the view, without scrolling."""
        top = self.query_one("#timeline", VerticalScroll).content_region.y
        found = next((index for index, box in enumerate(self._boxes)
                      if box.region.bottom > top), None)
        if found is not None and found != self.current:
            self.current = found
            box = self._boxes[found]
            if self._highlighted is not None:
                self._highlighted.remove_class("-current")
            box.add_class("-current")
            self._highlighted = box

    def action_end_of_timeline(self, last: int) -> None:
        """g: the first message shown (earlier ones load above it); G: the newest."""
        if last and self.after_shown:
            self.run_worker(self._newest_again(), group="timeline", exclusive=True)
            return
        self.current = len(self._boxes) - 1 if last else 0
        self._highlight()

    def action_step_message(self, step: int) -> None:
        if step < 0 and self.current == 0 and self.first_shown > 0:
            self.run_worker(self._load_earlier(), group="timeline", exclusive=True)
            return
        if step > 0 and self.current == len(self._boxes) - 1 and self.after_shown > 0:
            self.run_worker(self._load_later(), group="timeline", exclusive=True)
            return
        self.current = max(0, min(len(self._boxes) - 1, self.current + step))
        self._highlight()

    def jump_to_match(self, step: int, words: Sequence[str], *, here: bool = False
                      ) -> str | None:
        """Highlight the next (step 1) or previous (-1) message on screen that says every
        one of `words`, its quoted history unfolded if they are only there (`here`: the
        current one counts), going round the end as mutt's
        search does (a case opened from a search shows its newest message, below every
        hit: n found nothing there). None: no message shows them; else "" or how it got
        there: "wrapped" round the end, or "only": the one highlighted is the one."""
        above, drawn = self.first_shown, len(self._boxes)  # (the others are searched in
        count = above + drawn + self.after_shown  # the store as the walk gets to them)
        start, first = above + self.current, 0 if here else 1
        undrawn: dict[bool, list[MessageView]] = {}  # above (True) and below, read once
        for offset in range(first, count + first):
            index = start + step * offset
            at = index % count
            if above <= at < above + drawn:
                if not self._boxes[at - above].shows(words):
                    continue
                self.current = at - above
                self._boxes[self.current].bring_out(words)
                self._highlight()
            else:
                up = at < above
                if up not in undrawn:
                    undrawn[up] = self._earlier(None) if up else self._later(None)
                messages = undrawn[up]
                place = at - above + len(messages) if up else at - above - drawn
                if not (0 <= place < len(messages) and says(messages[place], words)):
                    continue
                self._draw_hit(messages, place, up, first_shown=at, after_shown=count - at)
                self._boxes[self.current].bring_out(words)
                self.call_after_refresh(self._highlight)  # once its box is laid out
            return ("only" if offset == count else
                    "wrapped" if not 0 <= index < count else "")
        return None

    def _draw_hit(self, messages: list[MessageView], place: int, up: bool, *,
                  first_shown: int, after_shown: int) -> None:
        """A search's hit `messages[place]`, not drawn (above those drawn, `up`, or below):
        drawn with those between when they are a page at most, else a page from it."""
        if up and len(messages) - place <= TIMELINE_PAGE:
            self._put_above(messages[place:])
            self.current = 0
        elif not up and place < TIMELINE_PAGE:
            shown = len(self._boxes)
            self._put_below(messages[:place + 1])
            self.current = shown + place
        else:
            page = messages[place:place + TIMELINE_PAGE]
            self._show_page(page, first_shown, after_shown - len(page))

    def action_toggle_quoted(self) -> None:
        """T: the highlighted message's quoted history and signature, shown or folded; said
        when it has none (the key seemed to do nothing)."""
        if 0 <= self.current < len(self._boxes):
            box = self._boxes[self.current]
            if not split_reply(box.message.text).folded:
                self.notify("this message has no quoted history or signature to show")
                return
            box.toggle_quoted()

    def show(self, detail: CaseDetail | None) -> None:
        """Redraw after another agent or the daemon changed this case, or for J/K."""
        if detail is None:
            return
        other_case = detail.case.id != self.detail.case.id
        self.detail = detail
        if other_case:
            self.searched = ""  # a search typed here was this case's
        self.refresh_bindings()  # Take comes and goes with the case's owner
        if not (self.query("#facts") and self.query("#customer-body") and self.query("#walking")):
            return  # still being put together (the pane's body mounts after the facts, the
            # search line last: "No nodes match '#customer-body'" ended a console once): it
            # composes with this one
        self._draw_facts()
        self._show_walking()
        self.query_one("#customer-body", Static).update(
            render_customer(detail.customer, detail.case.id, self.console.clock()))
        # The function, not a coroutine: a fill the next one replaces before it starts
        # then leaves no coroutine that was never awaited.
        self.run_worker(partial(self._fill_timeline, first=other_case), group="timeline",
                        exclusive=True)

    def show_presence(self, others: list[tuple[str, str]]) -> None:
        """Who else is on this case: the warning before two agents answer at once."""
        shown = self.query("#presence")
        if not shown:
            return  # still being put together; the next poll draws it
        line = Text()
        if others:
            line.append(" ⚠ also here: ", style="bold yellow")
            line.append(", ".join(f"{sanitize(agent)} ({activity})"
                                  for agent, activity in others))
        shown.first(Static).update(line)
