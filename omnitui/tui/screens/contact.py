"""Logging a phone call or a walk-up visit by hand (`+`): who, how long, what they wanted and
what the agent answered. The Desk files it as the customer's inbound item, so calls that
reach a team without any API get cases, SLA clocks and metrics like every other channel."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Select, Static

from omnitui.model import Channel
from omnitui.records import record
from omnitui.sanitize import sanitize
from omnitui.tui.screens.modals import ConfirmScreen
from omnitui.tui.widgets.steady_select import SteadySelect
from omnitui.tui.widgets.typing import TypingArea, TypingInput


@record(frozen=True)
class Contact:
    channel: str
    who: str  # an email address or a phone number
    name: str
    minutes: float | None
    text: str
    answer: str


class ContactScreen(ModalScreen[Contact | None]):
    """ctrl+j logs it; escape cancels, asking first if anything was typed. A wrong field is
    said here, the form stays."""

    BINDINGS = [Binding("ctrl+j", "save", "Log it", priority=True),
                Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    ContactScreen { align: center middle; }
    ContactScreen > Vertical { width: 90%; max-width: 100; height: auto; max-height: 100%;
                               border: round $accent; background: $surface; padding: 0 1; }
    ContactScreen .field { height: 1; }
    ContactScreen .field Label { width: 14; }
    ContactScreen .field TypingInput { width: 1fr; border: none; height: 1; padding: 0 1; }
    ContactScreen #channel { width: 1fr; }
    ContactScreen #channel SelectCurrent { border: none; height: 1; padding: 0 1; }
    ContactScreen TypingArea { height: 5; }
    ContactScreen #problem { color: $error; }
    """
    AUTO_FOCUS = "#who"

    def __init__(self, contact: Contact) -> None:
        super().__init__()
        self.contact = contact

    def compose(self) -> ComposeResult:
        c = self.contact
        with Vertical():
            yield Label("Log a call or a walk-up visit · ctrl+j logs it · escape cancels")
            with Horizontal(classes="field", id="field-channel"):
                yield Label("Channel")
                yield SteadySelect([("phone call", Channel.PHONE),
                                    ("walk-up visit", Channel.WALK_UP)],
                                   value=c.channel, allow_blank=False, id="channel")
            for key, label, value in (("who", "Email or phone", c.who), ("name", "Name", c.name),
                                      ("minutes", "Minutes", "" if c.minutes is None
                                       else f"{c.minutes:g}")):
                with Horizontal(classes="field"):
                    yield Label(label)
                    yield TypingInput(sanitize(value, multiline=False), id=key)
            yield Label("What they wanted")
            yield TypingArea(sanitize(c.text), id="text")
            yield Label("What you answered (optional: it is their first response)")
            yield TypingArea(sanitize(c.answer), id="answer")
            yield Static("", id="problem")

    def action_save(self) -> None:
        who, name, minutes_text, text, answer = self._fields()
        try:
            minutes = float(minutes_text) if minutes_text else None
            if minutes is not None and not 0 <= minutes < 24 * 60:
                raise ValueError
        except ValueError:
            return self._say(f"minutes must be a number from 0 to {24 * 60}, "
                             f"not {minutes_text!r}")
        contact = Contact(str(self.query_one("#channel", Select).value), who, name, minutes,
                          text, answer)
        if not contact.who:
            return self._say("who was it? an email address or a phone number")
        if not contact.text:
            return self._say("say what they wanted")
        self.dismiss(contact)
        return None

    def action_cancel(self) -> None:
        """A call typed in is the agent's work, as a draft is: escape drops the form unasked
        only with nothing in it but the caller it came up with (the case's customer). A form
        given back after a failed save has what they wanted in it: it asks."""
        who, *rest = self._fields()
        if who == self._caller and not any(rest):
            self.dismiss(None)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen("Throw away this call or visit?"), confirmed)

    def on_mount(self) -> None:
        self._caller = self._fields()[0]

    def _fields(self) -> list[str]:
        """who, name, minutes, what they wanted, what the agent answered: as typed."""
        return [*(self.query_one(f"#{key}", TypingInput).value.strip()
                  for key in ("who", "name", "minutes")),
                *(self.query_one(f"#{key}", TypingArea).text.strip()
                  for key in ("text", "answer"))]

    def _say(self, problem: str) -> None:
        self.query_one("#problem", Static).update(problem)
