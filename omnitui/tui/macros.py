"""Macros in the console: keys 1 to 9 apply the config's first nine [[macros]], `m` picks any
with a preview of what it will do to the highlighted case.

The field changes of a macro land in one transaction on every target (one undo takes them
all back). A macro with a reply opens its draft in the composer for a single case, and its
changes are applied when that reply is sent; for marked cases, after a confirm, each case's
filled-in reply is queued with the changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from omnitui.config import Macro
from omnitui.sanitize import sanitize
from omnitui.services import drafts
from omnitui.services.macros import macro_refusal, macro_reply
from omnitui.tui.keys import bind
from omnitui.tui.screens.modals import ConfirmScreen, PickScreen
from omnitui.tui.writing import SLOT_WORDS

if TYPE_CHECKING:
    from omnitui.tui.app import OmnituiApp

MACRO_BINDINGS = [
    *(bind(f"macro.{n}", f"macro({n})") for n in range(1, 10)),
    bind("macro.pick", "pick_macro"),
]


def describe(macro: Macro) -> Text:
    """What a macro changes, in one line per field."""
    lines = []
    if macro.status:
        lines.append(f"status → {macro.status}"
                     + (f" ({macro.pause_reason})" if macro.pause_reason else ""))
    if macro.assign:
        lines.append(f"assign → {macro.assign}")
    if macro.tags:
        lines.append(f"tags: {' '.join(macro.tags)}")
    if macro.priority is not None:
        lines.append(f"priority → {macro.priority:g}")
    if macro.queue:
        lines.append(f"queue → {macro.queue}")
    return Text(sanitize("\n".join(lines), multiline=True))


class MacroActions:
    def action_macro(self: OmnituiApp, number: int) -> None:
        macros = self.settings.macros
        if not 1 <= number <= len(macros):
            self.notify(f"no macro {number}: add [[macros]] entries to the config",
                        severity="warning")
            return
        self._apply_macro(macros[number - 1])

    def action_pick_macro(self: OmnituiApp) -> None:
        macros = self.settings.macros
        if not macros:
            self.notify("no macros yet: add [[macros]] entries to the config",
                        severity="warning")
            return
        targets = self._targets()
        case_id = targets[0] if targets else None  # the preview fills in the first target

        def preview(index: int) -> Text:
            text = describe(macros[index])
            draft = (macro_reply(self.store.conn, case_id, macros[index], self.agent)
                     if case_id is not None else None)
            if draft is not None:
                what = "internal note" if draft.internal else "reply"
                text.append(f"\n\ndrafts this {what} for #{case_id}"
                            f"{' (and each marked case)' if len(targets) > 1 else ''}; "
                            "the changes apply when it is sent:\n", style="bold")
                text.append(sanitize(draft.text, multiline=True))
            return text

        def chosen(index: int | None) -> None:
            if index is not None:
                self._apply_macro(macros[index])

        labels = [f"{n}  {m.name}" if n <= 9 else f"   {m.name}"
                  for n, m in enumerate(macros, start=1)]
        self.push_screen(PickScreen("Apply a macro", labels, preview=preview), chosen)

    def _apply_macro(self: OmnituiApp, macro: Macro) -> None:
        """A macro without a reply changes the cases at once (one undo). One with a reply
        opens its draft: the changes go in with the reply when it is sent, or not at all."""
        targets = self._targets()
        if not targets:
            return
        if not macro.reply:
            self._act(macro.name, self.desk.macro(macro), targets)
            return
        if len(targets) == 1:
            self._macro_in_composer(targets[0], macro)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._act(f"{macro.name}, with its {what}", self.desk.macro(macro),
                          targets)  # the marks may be gone by now

        what = "internal note" if macro.internal else "reply"
        self.push_screen(ConfirmScreen(
            f"Apply {macro.name!r} to {len(targets)} cases, each with its {what} filled in "
            "for its customer? (no: nothing changes)"), confirmed)

    def _macro_in_composer(self: OmnituiApp, case_id: int, macro: Macro) -> None:
        if refusal := macro_refusal(self.store.conn, case_id, macro, self.agent):
            self.notify(refusal, severity="warning")
            return
        draft = macro_reply(self.store.conn, case_id, macro, self.agent)
        if draft is None:
            return
        if drafts.kept(self.store, self.agent, case_id, draft.slot) is not None:
            self.notify(f"you have an unsent {SLOT_WORDS[draft.slot]} on #{case_id}: send it "
                        "or throw it away first", severity="warning")
            return
        self.notify(f"{macro.name}: sending also applies the macro; escape leaves the case "
                    "as it was")
        self.open_composer(case_id, draft, restore=False)
