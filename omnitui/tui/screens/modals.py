"""Small modal screens: pick from a list, type one line, the help overlay."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static, TextArea


class PickScreen(ModalScreen[int | None]):
    """Choose one of `options`; dismisses with its index, or None on escape."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    PickScreen { align: center middle; }
    PickScreen > Vertical { width: 60; height: auto; max-height: 80%; border: round $accent;
                            background: $surface; }
    """

    def __init__(self, title: str, options: list[str], selected: int = 0) -> None:
        super().__init__()
        self.title_text = title
        self.options = options
        self.selected = selected

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield OptionList(*(Text(o) for o in self.options), id="choices")

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        choices.highlighted = self.selected
        choices.focus()

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


class HelpScreen(ModalScreen[None]):
    """Every binding of the console, with its id (for `[keymap]` in the config)."""

    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 90; height: auto; max-height: 90%;
                                  border: round $accent; background: $surface;
                                  padding: 0 1; }
    """

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        text = Text("keys".ljust(22) + "action".ljust(34) + "id\n", style="bold")
        for keys, description, binding_id in self.rows:
            text.append(f"{keys:<22}{description:<34}{binding_id}\n")
        with VerticalScroll():
            yield Static(text, id="bindings")


class ComposeScreen(ModalScreen[str | None]):
    """Write a note (several lines): ctrl+j or alt+enter sends, escape cancels."""

    BINDINGS = [
        Binding("ctrl+j,alt+enter", "send", "Send", id="composer.send"),
        Binding("escape", "dismiss(None)", "Cancel"),
    ]
    DEFAULT_CSS = """
    ComposeScreen { align: center middle; }
    ComposeScreen > Vertical { width: 90%; height: 60%; border: round $accent;
                               background: $surface; }
    ComposeScreen TextArea { height: 1fr; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text)
            yield TextArea(id="draft")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_send(self) -> None:
        text = self.query_one(TextArea).text.strip()
        self.dismiss(text or None)


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
