"""Modal screens: pick from a list, type one line, confirm, the composer, help, raw text."""

from __future__ import annotations

import re
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import replace
from itertools import groupby
from pathlib import Path

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList, Select, Static, TextArea

from omnitui.channels.lengths import measure, too_long
from omnitui.errors import OmnituiError
from omnitui.keymap import BY_ID, Key
from omnitui.model import Draft
from omnitui.sanitize import sanitize
from omnitui.tui.keys import bind
from omnitui.tui.way_out import editor_command
from omnitui.tui.widgets.steady_select import SteadySelect
from omnitui.tui.widgets.typing import KeyHolder, TypingArea, TypingInput
from omnitui.wording import SUBJECT_NEEDED, WHERE_THEY_LAST_WROTE, length_words


def _word_starts(typed: str) -> list[re.Pattern[str]]:
    """Each typed word, as the start of a word anywhere in an option (any case)."""
    return [re.compile(r"(?:^|\W)" + re.escape(word), re.IGNORECASE) for word in typed.split()]


class PickScreen(KeyHolder, ModalScreen[int | None]):
    """Choose one of `options`; dismisses with its index, or None on escape. With
    `preview`, the highlighted option's preview shows beside the list.

    Typing narrows the list to the options with a word that starts as typed (backspace
    takes a letter back, escape the whole of it first): "carol" picks carol. A letter used
    to jump to the next option starting with it, so "carol" typed ended on alice (its "a"),
    and enter assigned her. Every letter types, j and k too ("kevin"; they moved the
    cursor, and "ke" enter picked erin): the arrows, ctrl+j / ctrl+k and ctrl+n / ctrl+p
    move."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"),
                Binding("ctrl+j,ctrl+n", "move(1)", "Down", show=False),
                Binding("ctrl+k,ctrl+p", "move(-1)", "Up", show=False)]
    DEFAULT_CSS = """
    PickScreen { align: center middle; }
    PickScreen > Vertical { width: 60; max-width: 100%; height: auto; max-height: 80%;
                            border: round $accent; background: $surface; }
    PickScreen.-preview > Vertical { width: 90%; }
    PickScreen #typed { color: $text-muted; }
    PickScreen #preview { height: auto; max-height: 20; border-top: solid $primary;
                          padding: 0 1; }
    """

    def __init__(self, title: str, options: list[str], selected: int = 0,
                 preview: Callable[[int], Text] | None = None,
                 kept: tuple[int, ...] = ()) -> None:
        """`kept`: options that stay whatever is typed (a "type it yourself…" entry, which
        then starts from what was typed: `typed`)."""
        super().__init__()
        self.kept = kept
        self.title_text = title
        self.options = [sanitize(option, multiline=False) for option in options]
        self.selected = selected
        self.preview = preview
        self.typed = ""
        self.shown = list(range(len(options)))  # the options the typed text leaves

    def on_unmount(self) -> None:
        self.release()  # the keys after the enter that picked (pushed again, it picks again)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.title_text))
            yield Label(TYPE_TO_NARROW, id="typed")
            yield OptionList(*(Text(option) for option in self.options), id="choices")
            if self.preview is not None:
                yield Static("", id="preview")

    def on_mount(self) -> None:
        self.set_class(self.preview is not None, "-preview")
        choices = self.query_one(OptionList)
        choices.highlighted = self.selected
        choices.focus()

    def action_move(self, step: int) -> None:
        choices = self.query_one(OptionList)
        choices.highlighted = ((choices.highlighted or 0) + step) % max(len(self.shown), 1)

    def action_cancel(self) -> None:
        if self.typed:
            self._narrow("")
        else:
            self.dismiss(None)

    def on_key(self, event: events.Key) -> None:
        """Typing narrows; enter picks here, in its place among the keys typed, and the
        keys typed after it are handed on ("vmine", enter and j at once: the j narrowed the
        list before the list's own enter ran, and "minej" matched nothing). The arrows move
        here too: typed with the key that opened it, the list's own arrows did nothing yet,
        and the enter after them picked the first option (L, down, down, enter: a merge)."""
        if self.held_back(event):
            return
        if event.key == "enter" and (picked := self.query_one(OptionList).highlighted
                                     ) is not None:
            self.hold()
            self.dismiss(self.shown[picked])
        elif event.key in ("down", "up"):
            self.action_move(1 if event.key == "down" else -1)
        elif event.key == "backspace" and self.typed:
            self._narrow(self.typed[:-1])
        elif event.is_printable and event.character and (self.typed or event.character != " "):
            self._narrow(self.typed + event.character)
        else:
            return
        event.stop()
        event.prevent_default()

    def _narrow(self, typed: str) -> None:
        """Show the options in which each typed word starts a word (any case, punctuation
        aside: "queue b" is "queue: billing"), those whose first word does first, the
        first highlighted: "c" is carol before alice, who chats; "er" is erin, not alice
        for her skill "orders". The options kept whatever is typed (`kept`) stay last."""
        self.typed = typed
        words = _word_starts(typed)
        found = [i for i, option in enumerate(self.options)
                 if i not in self.kept and all(w.search(option) for w in words)]
        first = words[0].match if words else None
        self.shown = sorted(found, key=lambda i: not (first and first(self.options[i]))) + [
            i for i in self.kept]
        choices = self.query_one(OptionList)
        choices.clear_options()
        choices.add_options([Text(self.options[i]) for i in self.shown])
        if self.shown:
            choices.highlighted = 0
        elif self.preview is not None:
            self.query_one("#preview", Static).update("")
        self.query_one("#typed", Label).update(
            TYPE_TO_NARROW if not typed else Text.assemble(
                "typed: ", (typed, "bold"), " (backspace erases, escape clears)" if found
                else f" — enter: {self.options[self.kept[0]]} with it" if self.kept
                else " — nothing matches"))

    def typed_for(self, index: int) -> str:
        """What was typed, for the kept option `index` to start from; nothing when it only
        named that option ("cu" to reach "custom…" began the time asked for with "cu")."""
        words = _word_starts(self.typed)
        named = bool(words) and all(w.search(self.options[index]) for w in words)
        return "" if named else self.typed

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if self.preview is not None:
            self.query_one("#preview", Static).update(
                self.preview(self.shown[event.option_index]))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.shown[event.option_index])


TYPE_TO_NARROW = Text("type to narrow · arrows or ^j ^k move · enter picks", style="dim")


class AskScreen(ModalScreen[str | None]):
    """One line of input (a pause reason, a case number); None on escape.

    With `check`, an answer it finds wrong (it returns what is wrong) keeps the dialog open
    with the reason under the field, so the agent can fix it instead of starting over."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    AskScreen { align: center middle; }
    AskScreen > Vertical { width: 80%; max-width: 90; min-width: 40; height: auto;
                           border: round $accent; background: $surface; padding: 0 1; }
    AskScreen #question { width: 1fr; }
    AskScreen #problem { color: $error; width: 1fr; display: none; }
    AskScreen #problem.-shown { display: block; }
    """

    def __init__(self, question: str, default: str = "", *,
                 check: Callable[[str], str | None] | None = None, required: str = "") -> None:
        """`required`: what to say when the answer is left empty (else empty is an answer,
        which callers read as nothing to do)."""
        super().__init__()
        self.question = question
        self.default = default
        self.check = check
        self.required = required

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Text(sanitize(self.question)), id="question")
            yield TypingInput(value=self.default, id="answer")
            yield Static("", id="problem")

    def on_input_changed(self) -> None:
        """What was wrong was what was sent: edited, it no longer stands under the field
        ("'abc' is not a case number" stayed under an empty one)."""
        self.query_one("#problem", Static).remove_class("-shown")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        answer = event.value.strip()
        problem = (self.required if not answer else
                   self.check(answer) if self.check is not None else None)
        if problem:
            shown = self.query_one("#problem", Static)
            shown.update(Text(sanitize(problem)))
            shown.add_class("-shown")
            return
        self.dismiss(answer or None)


def refusal(parse: Callable[[str], object],
            errors: tuple[type[Exception], ...] = (ValueError,)) -> Callable[[str], str | None]:
    """An AskScreen check from a parser that raises one of `errors` saying what is wrong."""
    def check(text: str) -> str | None:
        try:
            parse(text)
        except errors as exc:
            return str(exc)
        return None

    return check


class TextScreen(ModalScreen[None]):
    """A long text to read and close: the help overlay, a message's raw source."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close"),
                Binding("j", "scroll('down')", "Down", show=False),
                Binding("k", "scroll('up')", "Up", show=False),
                Binding("space,ctrl+d", "scroll('page_down')", "Page down", show=False),
                Binding("ctrl+u", "scroll('page_up')", "Page up", show=False),
                Binding("g", "scroll('home')", "Top", show=False),
                Binding("G", "scroll('end')", "End", show=False)]
    DEFAULT_CSS = """
    TextScreen { align: center middle; }
    TextScreen > VerticalScroll { width: 90%; max-width: 120; height: auto; max-height: 90%;
                                  border: round $accent; background: $surface;
                                  padding: 0 1; scrollbar-gutter: stable; }
    """

    def __init__(self, title: str, text: RenderableType) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = self.title_text
            yield Static(self.text, id="text")

    def to_top(self) -> None:
        """Shown again (the console keeps its help): from its first line."""
        self.query_one(VerticalScroll).scroll_home(animate=False)

    def action_scroll(self, where: str) -> None:
        """j, k, space, g and G as a pager has them (only the arrows and PgDn scrolled)."""
        scroll = self.query_one(VerticalScroll)
        {"down": scroll.action_scroll_down, "up": scroll.action_scroll_up,
         "page_down": scroll.action_page_down, "page_up": scroll.action_page_up,
         "home": scroll.action_scroll_home, "end": scroll.action_scroll_end}[where]()


# The composers ^t (reply/note) does not turn, and why: a new message turned into a note
# opened a case holding nothing but the note, its first-response clock running.
NO_NOTE_TOGGLE = {"note": "this is an internal note; reply with r instead",
                  "new": "a new message goes to someone: a note is written on a case (i)"}
KEYS_WIDTH = 14  # cells of the keys bound to an action before they wrap (at a comma)


def help_table(keys: list[tuple[Key, str]]) -> Group:
    """Every key of the console, grouped by where it works, with its binding id (for
    `[keymap]` in the config). `keys` pairs each key with the keys bound to it now. A table
    a group, their columns as wide in every one; the keys wrap (at a comma) past
    KEYS_WIDTH, so an action's words keep the room on an 80-column terminal (they wrapped
    at 17 cells, three lines for "Next case awaiting an answer", beside the width of
    "The supervisor's board" as a heading)."""
    keys_width = min(KEYS_WIDTH, max(cell_len(bound) for _, bound in keys))
    ids_width = max(len(key.id) for key, _ in keys)
    first_seen = {key.where: at for at, (key, _) in reversed(list(enumerate(keys)))}
    keys = sorted(keys, key=lambda pair: first_seen[pair[0].where])  # each group once (the
    # queue's keys came in two groups, around the few that work on the case screen too)
    parts: list[RenderableType] = []
    for where, group in groupby(keys, key=lambda pair: pair[0].where):
        table = Table(box=None, show_header=False, expand=True, padding=(0, 1, 0, 0))
        table.add_column(style="bold", width=keys_width, overflow="fold")
        table.add_column(ratio=1)
        table.add_column(style="dim", width=ids_width, overflow="fold")
        for key, bound in group:
            table.add_row(bound, key.description, key.id)
        parts += [Text(where.capitalize(), style="bold underline"), table]
    return Group(*parts)


class ComposeScreen(ModalScreen[Draft | None]):
    """Write a reply, forward, new message or internal note.

    ctrl+j sends (terminals cannot report ctrl+enter, and alt+enter arrives as escape and
    enter), ctrl+t switches between a reply and an internal note, ctrl+o previews what the
    customer gets, ctrl+e opens $EDITOR; escape asks before throwing away what was written
    (or keeps it for later).
    With `keep`, the draft is handed over to be saved a second or so behind the typing (and
    by `flush` when the console quits with it unsent); `discard` is called when the agent
    throws it away.

    It takes the whole terminal, as mutt's and aerc's editors do, on an opaque background:
    a translucent one made Textual draw and dim the case screen behind it on every paint,
    which cost more than the composer itself. One composer serves a console's every draft
    (`load` fills it again): composing its twenty widgets took most of the time to open it.
    """

    BINDINGS = [
        # priority: the text field would otherwise take ctrl+e (end of line) for itself;
        # each waits for the fields to take the keys typed before it (`typed_then`)
        bind("composer.send", "typed_then('send')", priority=True),
        bind("composer.editor", "typed_then('editor')", priority=True),
        bind("composer.toggle_internal", "typed_then('toggle_internal')", priority=True),
        bind("composer.preview", "typed_then('preview')", priority=True),
        bind("composer.article", "typed_then('article')", priority=True),
        bind("composer.cancel", "cancel"),
        # priority: the console routes each key to the field focused as it arrives, and a
        # tab moved the focus only when the field read it, so what an agent typed right
        # after a tab landed in the field they were leaving
        Binding("tab", "app.focus_next", show=False, priority=True),
        Binding("shift+tab", "app.focus_previous", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    ComposeScreen { background: $background; }
    ComposeScreen > Vertical { border: round $accent; background: $surface; }
    ComposeScreen #compose-top { height: auto; }
    ComposeScreen #compose-title { text-style: bold; padding: 0 1; width: 1fr; }
    ComposeScreen #compose-count { color: $text-muted; padding: 0 1; width: auto; }
    ComposeScreen #compose-count.-over { color: $text-error; text-style: bold; }
    ComposeScreen #compose-hint { color: $text-muted; padding: 0 1; width: 1fr; }
    ComposeScreen #compose-stuck { color: $text-warning; padding: 0 1; width: 1fr; }
    ComposeScreen .field { height: 1; }
    ComposeScreen .field Label { width: 10; padding: 0 1; }
    ComposeScreen .field Input { width: 1fr; border: none; height: 1; padding: 0 1; }
    ComposeScreen .field Select { width: 1fr; }
    ComposeScreen .field SelectCurrent { border: none; height: 1; padding: 0 1; }
    ComposeScreen .field Input:focus, ComposeScreen .field Select:focus > SelectCurrent {
        background: $boost; border: none; }  /* the field typed into shows (To hid it) */
    ComposeScreen #field-channel { height: auto; }
    ComposeScreen TextArea { height: 1fr; }
    ComposeScreen #preview { display: none; height: 1fr; border: round $primary; }
    ComposeScreen.-preview #preview { display: block; }
    ComposeScreen.-preview TextArea { display: none; }
    """
    SAVE_AFTER = 1.0  # seconds: how far the kept draft may trail the typing

    def __init__(self, draft: Draft, addresses: dict[str, str] | None = None,
                 case_id: int | None = None, *, keep: Callable[[Draft], None] | None = None,
                 discard: Callable[[], None] | None = None,
                 articles: Callable[[], list[tuple[str, str]]] = list,
                 at_field: str = "") -> None:
        super().__init__()
        self.ready = False  # mounted: `load` fills its fields again
        self._shown: Draft | None = None  # the draft its fields were filled with
        self._save_pending: Timer | None = None
        self.load(draft, addresses, case_id, keep=keep, discard=discard, articles=articles,
                  at_field=at_field)

    def load(self, draft: Draft, addresses: dict[str, str] | None = None,
             case_id: int | None = None, *, keep: Callable[[Draft], None] | None = None,
             discard: Callable[[], None] | None = None,
             articles: Callable[[], list[tuple[str, str]]] = list,
             at_field: str = "") -> None:
        """Take this draft, for this case, in place of the last: `addresses`: the
        customer's address on each channel the reply may switch to; `articles`: the
        knowledge-base articles suggested for the case, as (title, what inserting one puts
        in the text: its link or its excerpt); `at_field`: the focus in that field, "to" or
        "cc" (an address there was refused: the agent fixes it where it is)."""
        self.articles = articles
        self.draft = draft
        self.case_id = case_id
        self.addresses = addresses or {}
        self.channels = list(dict.fromkeys([draft.channel, *self.addresses]))
        self.keep = keep
        self.discard = discard
        self._finish()  # a save of the last draft still due must not keep this one
        self._finished = False  # sent or thrown away: nothing more to keep
        # Focus the field the agent types into first, as the screen comes up: keys typed
        # right after `r` must land in the text, not in the channel picker above it.
        self.AUTO_FOCUS = f"#{at_field}" if self.addressed and at_field else \
            "#to" if self.addressed and not draft.to else "#draft"
        if self.ready:
            self._fill()

    @property
    def addressed(self) -> bool:
        return self.draft.mode != "note"

    def compose(self) -> ComposeResult:
        self._shown = self.draft
        with Vertical():
            with Horizontal(id="compose-top"):  # the count beside the title: the key hints
                yield Label(self._title(), id="compose-title")  # fill their line at 80
                yield Label("", id="compose-count")
            yield Label("", id="compose-stuck")
            yield Label(self._hint(), id="compose-hint")
            with Horizontal(classes="field", id="field-channel"):
                yield Label("Channel")
                yield SteadySelect([(c, c) for c in self.channels], value=self.draft.channel,
                                   allow_blank=False, id="channel")
            for name, value in self._fields().items():
                with Horizontal(classes="field", id=f"field-{name}"):
                    yield Label(name.capitalize())
                    # tab in adds to an address, as in a mail client's header: selected
                    # whole, the first key typed replaced the customer's address
                    yield TypingInput(value=value, id=name, select_on_focus=False)
            yield TypingArea(sanitize(self.draft.text), id="draft")
            with VerticalScroll(id="preview"):
                yield Static("", id="preview-body")

    def _title(self) -> Text:
        what = {"reply": "Reply", "reply_all": "Reply to all", "forward": "Forward",
                "new": "New message", "note": "Internal note"}[self.draft.mode]
        if self.draft.internal and self.draft.mode != "note":
            what = f"Internal note (was: {what.lower()})"
        elif self.draft.mode != "note":
            if self.draft.about:  # which message goes: only the preview said
                what += f" of {sanitize(self.draft.about, multiline=False)}"
            what += f" on {sanitize(self.draft.channel, multiline=False)}"
            if self.draft.channel == self.draft.last_wrote_on:  # not the case's own
                what += f" ({WHERE_THEY_LAST_WROTE})"
        if self.case_id is not None:
            what += f", case #{self.case_id}"
        title = Text(what)
        if self.draft.macro:
            title.append(" · sending also applies the macro ", style="not bold")
            title.append(sanitize(self.draft.macro, multiline=False))
        return title

    def _hint(self) -> str:
        keys = getattr(self.app, "keys_of", lambda binding_id: BY_ID[binding_id].keys)
        return " · ".join(f"{keys(binding_id)} {what}" for binding_id, what in (
            ("composer.send", "send"), ("composer.toggle_internal", "reply/note"),
            ("composer.preview", "preview"), ("composer.editor", "editor"),
            ("composer.article", "article"), ("composer.cancel", "cancel"))
            if binding_id != "composer.toggle_internal"
            or self.draft.mode not in NO_NOTE_TOGGLE)

    def _fields(self) -> dict[str, str]:
        """To, cc and subject as shown: outside text (a subject, an address) is shown and
        sent clean."""
        return {name: sanitize(value, multiline=False) for name, value in (
            ("to", ", ".join(self.draft.to)), ("cc", ", ".join(self.draft.cc)),
            ("subject", self.draft.subject))}

    def on_mount(self) -> None:
        self.ready = True
        if self._shown is not self.draft:  # loaded again between its compose and now
            self._fill()
            return
        self._show_fields()
        self._focus_first()

    def _fill(self) -> None:
        """Show the loaded draft, with nothing left of the one before (its text, its undo
        history, its preview); filling the fields is not typing, so it keeps no draft."""
        self._shown = self.draft
        with self.prevent(Input.Changed, TextArea.Changed, Select.Changed):
            self.query_one("#compose-title", Label).update(self._title())
            self.query_one("#compose-hint", Label).update(self._hint())
            select = self.query_one("#channel", Select)
            select.set_options([(c, c) for c in self.channels])
            select.value = self.draft.channel
            for name, value in self._fields().items():
                _show_at_end(self.query_one(f"#{name}", Input), value)
            self.query_one(TextArea).load_text(sanitize(self.draft.text))
            self.query_one("#preview-body", Static).update("")
        self.remove_class("-preview")
        self._show_fields()
        self._focus_first()

    def _focus_first(self) -> None:
        """At once, not after the next refresh: keys already typed go where they belong."""
        if self.AUTO_FOCUS != "#draft":  # an address field
            self.set_focus(self.query_one(self.AUTO_FOCUS, Input))
            return
        area = self.query_one(TextArea)
        self.set_focus(area)
        area.move_cursor(area.document.end)

    def action_article(self) -> None:
        """Insert a suggested article's link (or excerpt) where the cursor is; with two,
        the agent picks."""
        found = self.articles()
        if not found:
            settings = getattr(self.app, "settings", None)
            self.notify("no knowledge base: set [kb] path in the config (a folder of "
                        "articles)" if settings is not None and not settings.kb.path else
                        "no knowledge-base article is suggested for this case",
                        severity="warning")
            return

        def chosen(index: int | None) -> None:
            if index is not None:
                area = self.query_one(TextArea)
                area.insert(sanitize(found[index][1], multiline=True))
                area.focus()
        if len(found) == 1:
            chosen(0)
            return
        self.app.push_screen(PickScreen("Insert an article", [sanitize(t, multiline=False)
                                                              for t, _ in found],
                                        preview=lambda i: Text(sanitize(found[i][1]))),
                             chosen)

    @on(TextArea.Changed)
    @on(Input.Changed)
    def _typed(self) -> None:
        """Keep the draft a second behind the typing (not only after a pause: an agent who
        types on and on must not lose a minute of it)."""
        self._count()
        if self.keep is not None and self._save_pending is None and not self._finished:
            self._save_pending = self.set_timer(self.SAVE_AFTER, self._save)

    def _count(self) -> None:
        """The text's length against its channel's limit as it is typed ("312/1600 · 2
        SMS"), said in words past it; none on a channel without one (email), nor on a note."""
        draft = self.draft
        length = None if draft.internal or draft.mode == "note" else measure(
            draft.channel, replace(draft, text=self.query_one(TextArea).text).body)
        count = self.query_one("#compose-count", Label)
        count.display = length is not None
        if length is not None:
            count.update(length_words(length.used, length.most, length.segments))
            count.set_class(bool(length.over), "-over")

    def _save(self) -> None:
        self._save_pending = None
        if self.keep is not None and not self._finished:
            self.keep(self.current())

    def flush(self) -> None:
        """Keep the draft now if a save is due (the console is closing with it unsent)."""
        if self._save_pending is not None:
            self._save_pending.stop()
            self._save()

    def on_select_changed(self, event: Select.Changed) -> None:
        channel = str(event.value)
        if channel != self.draft.channel:
            self.draft = replace(self.current(), channel=channel)
            _show_at_end(self.query_one("#to", Input),
                         sanitize(self.addresses.get(channel, ""), multiline=False))
            self.query_one("#compose-title", Label).update(self._title())
            self._show_fields()
            self._typed()

    def _show_fields(self) -> None:
        """The channel picker where a reply may switch channels; cc and subject exist only
        on email; an internal note has no recipients."""
        mode = self.draft.mode
        self.query_one("#field-channel").display = (  # a note leaves on no channel
            mode in ("reply", "reply_all", "new") and len(self.channels) > 1
            and not self.draft.internal)
        email = self.draft.channel == "email"
        for name in ("to", "cc", "subject"):
            self.query_one(f"#field-{name}").display = (
                self.addressed and not self.draft.internal and (email or name == "to"))
        stuck = self._stuck()
        self.query_one("#compose-stuck", Label).update(stuck)
        self.query_one("#compose-stuck", Label).display = bool(stuck)
        self._count()  # another channel, or a note: another limit, or none

    def _stuck(self) -> str:
        """Why what is written here cannot leave (no mailbox, no [[channels]] entry for its
        channel): said as the agent starts, not by the outbox once it has failed. An
        internal note leaves nothing."""
        if self.draft.mode == "note" or self.draft.internal:
            return ""
        unsendable = getattr(self.app, "unsendable", lambda channel, case_id: None)
        why = unsendable(self.draft.channel, self.case_id)
        return f"this cannot leave: {why} (sent, it fails in the outbox, its text kept)" \
            if why else ""

    def current(self) -> Draft:
        """The draft as it stands on screen."""
        draft = replace(self.draft, text=self.query_one(TextArea).text)
        if self.addressed:
            draft = replace(draft, to=_addresses(self.query_one("#to", Input).value),
                            cc=_addresses(self.query_one("#cc", Input).value),
                            subject=self.query_one("#subject", Input).value.strip())
        return draft

    def action_typed_then(self, action: str) -> None:
        """Run `action` once every field has taken the keys typed before its key, and hand
        the keys typed after it on to wherever the keyboard then is. A priority key runs
        as it reaches the console, while the characters typed ahead of it still wait in
        their field's queue: over SSH keys arrive in bursts, and "Done." with ctrl+j sent
        nothing ("write something first") or a reply cut short; the r typed after the
        send ended in the text. A callback queued in every field at once runs behind the
        keys before, and holds the keys after (`TypingArea.hold`)."""
        fields = [*self.query(TypingInput), *self.query(TypingArea)]
        waiting = len(fields)

        def holding(field: TypingInput | TypingArea) -> None:
            nonlocal waiting
            field.hold()
            waiting -= 1
            if not waiting:
                self.call_later(self._act_then_hand_on, action, fields)

        for field in fields:
            field.call_later(holding, field)

    async def _act_then_hand_on(self, action: str,
                                fields: list[TypingInput | TypingArea]) -> None:
        try:
            if self.app.screen is self:  # (a second send in the burst: it was sent)
                await self.run_action(action)
        finally:
            for field in fields:
                field.release()

    def action_send(self) -> None:
        draft = self.current()
        if not draft.body.strip():
            self.notify("write something first", severity="warning")
        elif not draft.internal and self.addressed and not draft.to:
            self.notify("who is it for? fill in To", severity="warning")
            self.query_one("#to", Input).focus()
        elif draft.untitled:  # kept as typed, the agent put where it is missing
            self.notify(f"not sent: {SUBJECT_NEEDED}", severity="warning")
            self.query_one("#subject", Input).focus()
        elif not draft.internal and (why := too_long(draft.channel, draft.body)):
            self.notify(f"not sent: {why}; your text stays here", severity="warning")
            self.query_one(TextArea).focus()
        else:
            self._finish()
            self.dismiss(draft)

    def _finish(self) -> None:
        self._finished = True
        if self._save_pending is not None:
            self._save_pending.stop()
            self._save_pending = None

    def action_toggle_internal(self) -> None:
        if refused := NO_NOTE_TOGGLE.get(self.draft.mode):
            self.notify(refused, severity="warning")
            return
        self.draft = replace(self.current(), internal=not self.draft.internal)
        self.query_one("#compose-title", Label).update(self._title())
        self._show_fields()
        self.query_one(TextArea).focus()
        self._typed()

    def action_preview(self) -> None:
        self.toggle_class("-preview")
        if self.has_class("-preview"):
            self.query_one("#preview-body", Static).update(_preview(self.current()))
        else:
            self.query_one(TextArea).focus()

    def action_editor(self) -> None:
        """Write the text in the editor (the config's, else $VISUAL, $EDITOR, vi; over SSH
        only the config's: tui/way_out.py) and take back what it saved."""
        try:
            words = editor_command(self.app.settings)  # type: ignore[attr-defined]
        except OmnituiError as exc:
            self.notify(str(exc), severity="warning")
            return
        editor = shlex.join(words)
        area = self.query_one(TextArea)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="omnitui-",
                                         delete=False, encoding="utf-8") as handle:
            handle.write(area.text)
        path = Path(handle.name)
        try:
            try:
                with self.app.suspend():
                    subprocess.run([*words, str(path)], check=False)
            except SuspendNotSupported:  # no terminal to hand over (headless, tests)
                subprocess.run([*words, str(path)], check=False, stdin=subprocess.DEVNULL)
            area.load_text(path.read_text(encoding="utf-8", errors="replace").rstrip("\n"))
        except OSError as exc:
            self.notify(f"could not run {editor!r}: {exc}", severity="error")
        finally:
            path.unlink(missing_ok=True)
        area.focus()

    def action_cancel(self) -> None:
        """Asks first when anything was written: the text, or addresses and a subject typed
        for a new message (those went without a word); it may be kept for later (enter,
        once the answer that threw it away). In the preview it goes back to the text, as a
        pager's q does (it asked to throw the draft away)."""
        if self.has_class("-preview"):
            self.action_preview()
            return
        now = self.current()
        if not now.text.strip() and (now.to, now.cc, now.subject) == (
                self.draft.to, self.draft.cc, self.draft.subject):
            self._throw_away()
            return

        def chosen(choice: str | None) -> None:
            if choice == "discard":
                self._throw_away()
            elif choice == "keep":  # as mutt postpones: the key that wrote it brings it back
                self.flush()
                self._finish()
                self.dismiss(None)

        self.app.push_screen(LeaveDraftScreen(), chosen)


    def _throw_away(self) -> None:
        self._finish()
        if self.discard is not None:
            self.discard()
        self.dismiss(None)


def _show_at_end(field: Input, value: str) -> None:
    """The cursor at the value's end, not where the last one left it: ", boss@x" typed into
    the To went before the customer's address (a draft loaded, or the channel switched)."""
    field.value = value
    field.cursor_position = len(value)


def _addresses(value: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in value.replace(";", ",").split(",") if a.strip())


def _preview(draft: Draft) -> Text:
    """The message as it will leave (or, for a note, as the team will see it)."""
    if draft.internal:
        text = Text("Internal note: only agents see it\n\n", style="bold magenta")
    else:
        text = Text(sanitize(f"Channel: {draft.channel}\nTo: {', '.join(draft.to)}\n"),
                    style="bold")
        if draft.channel == "email":
            text.append(sanitize(f"Cc: {', '.join(draft.cc)}\nSubject: {draft.subject}\n"),
                        style="bold")
            if draft.attachment_ids:
                text.append(f"Attachments: {len(draft.attachment_ids)} (forwarded)\n",
                            style="bold")
        text.append("\n")
    text.append(sanitize(draft.body, multiline=True))
    return text


class LeaveDraftScreen(ModalScreen[str | None]):
    """Leaving a draft: y throws it away, k or enter keeps it for later ("keep"), n or
    escape goes back to writing (None)."""

    BINDINGS = [Binding("y", "dismiss('discard')", "Throw away"),
                Binding("k,enter", "dismiss('keep')", "Keep for later"),
                Binding("n,escape", "dismiss(None)", "Write on")]
    DEFAULT_CSS = """
    LeaveDraftScreen { align: center middle; }
    /* max-width: on a 60-column terminal the choices were cut off mid-sentence */
    LeaveDraftScreen > Label { width: 70; max-width: 100%; border: round $warning;
                               background: $surface; padding: 1 2; }
    """

    def compose(self) -> ComposeResult:
        yield Label("Throw away this draft?\n\ny throws it away · k or enter keeps it for "
                    "later (its key brings it back) · escape writes on")


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question: y or enter says yes, n or escape says no."""

    BINDINGS = [Binding("y,enter", "dismiss(True)", "Yes"),
                Binding("n,escape", "dismiss(False)", "No")]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    /* max-width: on a 60-column terminal the question was cut off mid-sentence */
    ConfirmScreen > Label { width: 70; max-width: 100%; border: round $warning;
                            background: $surface; padding: 1 2; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        yield Label(Text(f"{sanitize(self.question)}  [y/n]"))
