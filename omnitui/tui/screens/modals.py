"""Modal screens: pick from a list, type one line, confirm, the composer, help, raw text."""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Select, Static, TextArea

from omnitui.model import Draft
from omnitui.sanitize import sanitize


class PickScreen(ModalScreen[int | None]):
    """Choose one of `options`; dismisses with its index, or None on escape. With
    `preview`, the highlighted option's preview shows beside the list."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    PickScreen { align: center middle; }
    PickScreen > Vertical { width: 60; height: auto; max-height: 80%; border: round $accent;
                            background: $surface; }
    PickScreen.-preview > Vertical { width: 90%; }
    PickScreen #preview { height: auto; max-height: 20; border-top: solid $primary;
                          padding: 0 1; }
    """

    def __init__(self, title: str, options: list[str], selected: int = 0,
                 preview: Callable[[int], Text] | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.options = options
        self.selected = selected
        self.preview = preview

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield OptionList(*(Text(o) for o in self.options), id="choices")
            if self.preview is not None:
                yield Static("", id="preview")

    def on_mount(self) -> None:
        self.set_class(self.preview is not None, "-preview")
        choices = self.query_one(OptionList)
        choices.highlighted = self.selected
        choices.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if self.preview is not None:
            self.query_one("#preview", Static).update(self.preview(event.option_index))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option_index)


class AskScreen(ModalScreen[str | None]):
    """One line of input (a pause reason, say); None on escape."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    AskScreen { align: center middle; }
    AskScreen > Vertical { width: 60; height: auto; border: round $accent;
                           background: $surface; }
    """

    def __init__(self, question: str, default: str = "") -> None:
        super().__init__()
        self.question = question
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Input(value=self.default, id="answer")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)


class TextScreen(ModalScreen[None]):
    """A long text to read and close: the help overlay, a message's raw source."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close")]
    DEFAULT_CSS = """
    TextScreen { align: center middle; }
    TextScreen > VerticalScroll { width: 90%; max-width: 120; height: auto; max-height: 90%;
                                  border: round $accent; background: $surface;
                                  padding: 0 1; }
    """

    def __init__(self, title: str, text: Text) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = self.title_text
            yield Static(self.text, id="text")


def help_text(rows: list[tuple[str, str, str]]) -> Text:
    """Every binding of the console, with its id (for `[keymap]` in the config)."""
    text = Text("keys".ljust(22) + "action".ljust(34) + "id\n", style="bold")
    for keys, description, binding_id in rows:
        text.append(f"{keys:<22}{description:<34}{binding_id}\n")
    return text


class ComposeScreen(ModalScreen[Draft | None]):
    """Write a reply, forward, new message or internal note.

    ctrl+j or alt+enter sends (terminals cannot report ctrl+enter), ctrl+t switches between
    a reply and an internal note, ctrl+o previews what the customer gets, ctrl+e opens
    $EDITOR; escape asks before throwing away what was written.
    """

    BINDINGS = [
        # priority: the text field would otherwise take ctrl+e (end of line) for itself
        Binding("ctrl+j,alt+enter", "send", "Send", id="composer.send", priority=True),
        Binding("ctrl+e", "editor", "$EDITOR", id="composer.editor", priority=True),
        Binding("ctrl+t", "toggle_internal", "Reply/note", id="composer.toggle_internal",
                priority=True),
        Binding("ctrl+o", "preview", "Preview", id="composer.preview", priority=True),
        Binding("escape", "cancel", "Cancel", id="composer.cancel"),
    ]
    DEFAULT_CSS = """
    ComposeScreen { align: center middle; }
    ComposeScreen > Vertical { width: 90%; height: 80%; border: round $accent;
                               background: $surface; }
    ComposeScreen .field { height: auto; }
    ComposeScreen .field Label { width: 10; padding: 1 1 0 1; }
    ComposeScreen .field Input, ComposeScreen .field Select { width: 1fr; }
    ComposeScreen TextArea { height: 1fr; }
    ComposeScreen #preview { display: none; height: 1fr; border: round $primary; }
    ComposeScreen.-preview #preview { display: block; }
    ComposeScreen.-preview TextArea { display: none; }
    """

    def __init__(self, draft: Draft, addresses: dict[str, str] | None = None,
                 case_id: int | None = None) -> None:
        """`addresses`: the customer's address on each channel the reply may switch to."""
        super().__init__()
        self.draft = draft
        self.case_id = case_id
        self.addresses = addresses or {}
        self.channels = list(dict.fromkeys([draft.channel, *self.addresses]))

    @property
    def addressed(self) -> bool:
        return self.draft.mode != "note"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title(), id="compose-title")
            if self.addressed:
                if self.draft.mode in ("reply", "reply_all", "new") and len(self.channels) > 1:
                    with Horizontal(classes="field"):
                        yield Label("Channel")
                        yield Select([(c, c) for c in self.channels], value=self.draft.channel,
                                     allow_blank=False, id="channel")
                for name, value in (("To", ", ".join(self.draft.to)),
                                    ("Cc", ", ".join(self.draft.cc)),
                                    ("Subject", self.draft.subject)):
                    with Horizontal(classes="field", id=f"field-{name.lower()}"):
                        yield Label(name)
                        yield Input(value=value, id=name.lower())
            yield TextArea(self.draft.text, id="draft")
            with VerticalScroll(id="preview"):
                yield Static("", id="preview-body")

    def _title(self) -> str:
        what = {"reply": "Reply", "reply_all": "Reply to all", "forward": "Forward",
                "new": "New message", "note": "Internal note"}[self.draft.mode]
        if self.draft.internal and self.draft.mode != "note":
            what = f"Internal note (was: {what.lower()})"
        elif self.draft.mode != "note":
            what += f" on {self.draft.channel}"
        if self.case_id is not None:
            what += f", case #{self.case_id}"
        return (f"{what} · ctrl+j sends · ctrl+t reply/note · ctrl+o preview · "
                "ctrl+e $EDITOR · escape cancels")

    def on_mount(self) -> None:
        self._show_email_fields()
        area = self.query_one(TextArea)
        if self.addressed and not self.draft.to:
            self.query_one("#to", Input).focus()
        else:
            area.focus()
            area.move_cursor(area.document.end)

    def on_select_changed(self, event: Select.Changed) -> None:
        channel = str(event.value)
        if channel != self.draft.channel:
            self.draft = replace(self.current(), channel=channel)
            self.query_one("#to", Input).value = self.addresses.get(channel, "")
            self.query_one("#compose-title", Label).update(self._title())
            self._show_email_fields()

    def _show_email_fields(self) -> None:
        """Cc and subject exist only on email; an internal note has no recipients."""
        if not self.addressed:
            return
        email = self.draft.channel == "email"
        for name in ("to", "cc", "subject"):
            visible = not self.draft.internal and (email or name == "to")
            self.query_one(f"#field-{name}").display = visible

    def current(self) -> Draft:
        """The draft as it stands on screen."""
        draft = replace(self.draft, text=self.query_one(TextArea).text)
        if self.addressed:
            draft = replace(draft, to=_addresses(self.query_one("#to", Input).value),
                            cc=_addresses(self.query_one("#cc", Input).value),
                            subject=self.query_one("#subject", Input).value.strip())
        return draft

    def action_send(self) -> None:
        draft = self.current()
        if not draft.body.strip():
            self.notify("write something first", severity="warning")
        elif not draft.internal and self.addressed and not draft.to:
            self.notify("who is it for? fill in To", severity="warning")
            self.query_one("#to", Input).focus()
        else:
            self.dismiss(draft)

    def action_toggle_internal(self) -> None:
        if self.draft.mode == "note":
            self.notify("this is an internal note; reply with r instead", severity="warning")
            return
        self.draft = replace(self.current(), internal=not self.draft.internal)
        self.query_one("#compose-title", Label).update(self._title())
        self._show_email_fields()
        self.query_one(TextArea).focus()

    def action_preview(self) -> None:
        self.toggle_class("-preview")
        if self.has_class("-preview"):
            self.query_one("#preview-body", Static).update(_preview(self.current()))
        else:
            self.query_one(TextArea).focus()

    def action_editor(self) -> None:
        """Write the text in $EDITOR (then $VISUAL, then vi) and take back what it saved."""
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        area = self.query_one(TextArea)
        with tempfile.NamedTemporaryFile("w", suffix=".txt", prefix="omnitui-",
                                         delete=False, encoding="utf-8") as handle:
            handle.write(area.text)
        path = Path(handle.name)
        try:
            try:
                with self.app.suspend():
                    subprocess.run([*shlex.split(editor), str(path)], check=False)
            except SuspendNotSupported:  # no terminal to hand over (headless, tests)
                subprocess.run([*shlex.split(editor), str(path)], check=False,
                               stdin=subprocess.DEVNULL)
            area.load_text(path.read_text(encoding="utf-8", errors="replace").rstrip("\n"))
        except OSError as exc:
            self.notify(f"could not run {editor!r}: {exc}", severity="error")
        finally:
            path.unlink(missing_ok=True)
        area.focus()

    def action_cancel(self) -> None:
        if not self.query_one(TextArea).text.strip():
            self.dismiss(None)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Throw away this draft?"), confirmed)


def _addresses(value: str) -> tuple[str, ...]:
    return tuple(a.strip() for a in value.replace(";", ",").split(",") if a.strip())


def _preview(draft: Draft) -> Text:
    """The message as it will leave (or, for a note, as the team will see it)."""
    if draft.internal:
        text = Text("Internal note: only agents see it\n\n", style="bold magenta")
    else:
        text = Text(f"Channel: {draft.channel}\nTo: {', '.join(draft.to)}\n", style="bold")
        if draft.channel == "email":
            text.append(f"Cc: {', '.join(draft.cc)}\nSubject: {draft.subject}\n",
                        style="bold")
            if draft.attachment_ids:
                text.append(f"Attachments: {len(draft.attachment_ids)} (forwarded)\n",
                            style="bold")
        text.append("\n")
    text.append(sanitize(draft.body, multiline=True))
    return text


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question: y or enter says yes, n or escape says no."""

    BINDINGS = [Binding("y,enter", "dismiss(True)", "Yes"),
                Binding("n,escape", "dismiss(False)", "No")]
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Label { width: 70; border: round $warning; background: $surface;
                            padding: 1 2; }
    """

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        yield Label(Text(f"{self.question}  [y/n]"))
