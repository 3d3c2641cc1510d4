"""Macros: keys 1 to 9 apply the config's first nine [[macros]], `m` picks any with a
preview of what it will do to the first target.

A macro without a reply changes the cases at once, in one transaction (one undo). A macro
with a reply opens its draft in the composer for a single case, and its changes are applied
when that reply is sent, or never; for marked cases, after a confirm, each case's filled-in
reply is queued with the changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from omnitui.config import Macro
from omnitui.sanitize import sanitize
from omnitui.services import drafts
from omnitui.services.macros import macro_refusal, macro_reply
from omnitui.tui.screens.modals import ConfirmScreen, PickScreen
from omnitui.tui.work.writing import SLOT_WORDS, open_composer

if TYPE_CHECKING:
    from omnitui.tui.screens.work import WorkScreen


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


def by_number(screen: WorkScreen, number: int) -> None:
    macros = screen.console.settings.macros
    if not 1 <= number <= len(macros):
        screen.notify(f"no macro {number}: add [[macros]] entries to the config",
                      severity="warning")
        return
    apply(screen, macros[number - 1])


def pick(screen: WorkScreen) -> None:
    console = screen.console
    first = screen.suggested_macros()  # those that fit the case, then the rest in order
    macros = [*first, *(m for m in console.settings.macros if m not in first)]
    if not macros:
        screen.notify("no macros yet: add [[macros]] entries to the config", severity="warning")
        return
    if not (targets := screen.chosen()):
        return
    case_id = targets[0]  # the preview fills in the first target

    def preview(index: int) -> Text:
        text = describe(macros[index])
        draft = (macro_reply(console.store.conn, case_id, macros[index], console.agent)
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
            apply(screen, macros[index], targets)

    keys = {id(m): n for n, m in enumerate(console.settings.macros[:9], start=1)}
    labels = [(f"{keys[id(m)]}  " if id(m) in keys else "   ") + m.name
              + ("  (suggested)" if m in first else "") for m in macros]
    screen.app.push_screen(PickScreen("Apply a macro", labels, preview=preview), chosen)


def apply(screen: WorkScreen, macro: Macro, targets: list[int] | None = None) -> None:
    targets = screen.chosen() if targets is None else targets
    if not targets:
        return
    desk = screen.console.desk
    if not macro.reply:
        screen.act(macro.name, desk.macro(macro), targets)
        return
    if len(targets) == 1:
        _in_composer(screen, targets[0], macro)
        return

    def confirmed(yes: bool | None) -> None:
        if yes:
            screen.act(f"{macro.name}, with its {what}", desk.macro(macro), targets)

    what = "internal note" if macro.internal else "reply"
    screen.app.push_screen(ConfirmScreen(
        f"Apply {macro.name!r} to {len(targets)} cases, each with its {what} filled in for "
        "its customer? (no: nothing changes)"), confirmed)


def _in_composer(screen: WorkScreen, case_id: int, macro: Macro) -> None:
    console = screen.console
    if refusal := macro_refusal(console.store.conn, case_id, macro, console.agent):
        screen.notify(refusal, severity="warning")
        return
    draft = macro_reply(console.store.conn, case_id, macro, console.agent)
    if draft is None:
        return
    if drafts.kept(console.store, console.agent, case_id, draft.slot) is not None:
        screen.notify(f"you have an unsent {SLOT_WORDS[draft.slot]} on #{case_id}: send it "
                      "or throw it away first", severity="warning")
        return
    screen.notify(f"{macro.name}: sending also applies the macro; escape leaves the case as "
                  "it was")
    open_composer(console, case_id, draft, restore=False)
