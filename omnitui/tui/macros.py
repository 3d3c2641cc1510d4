"""Macros in the console: keys 1 to 9 apply the config's first nine [[macros]], `m` picks any
with a preview of what it will do to the highlighted case.

The field changes of a macro land in one transaction on every target (one undo takes them
all back). Its drafted reply opens in the composer for a single case; for marked cases the
reply, filled in for each case, is queued after a confirm.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.binding import Binding

from omnitui.config import Macro
from omnitui.model import Draft
from omnitui.sanitize import sanitize
from omnitui.services.macros import apply_macro, render_template
from omnitui.services.outbound import queue_draft, start_draft
from omnitui.store.db import StoreError, utc_now
from omnitui.tui.screens.modals import ConfirmScreen, PickScreen

if TYPE_CHECKING:
    from omnitui.tui.app import OmnituiApp

MACRO_BINDINGS = [
    *(Binding(str(n), f"macro({n})", f"Macro {n}", id=f"macro.{n}", show=False)
      for n in range(1, 10)),
    Binding("m", "pick_macro", "Macros", id="macro.pick", show=False),
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
            if macros[index].reply and case_id is not None:
                what = "internal note" if macros[index].internal else "reply"
                text.append(f"\n\ndrafts this {what} for #{case_id}"
                            f"{' (and each marked case)' if len(targets) > 1 else ''}:\n",
                            style="bold")
                text.append(sanitize(render_template(macros[index].reply, self.store.conn,
                                                     case_id, self.agent), multiline=True))
            return text

        def chosen(index: int | None) -> None:
            if index is not None:
                self._apply_macro(macros[index])

        labels = [f"{n}  {m.name}" if n <= 9 else f"   {m.name}"
                  for n, m in enumerate(macros, start=1)]
        self.push_screen(PickScreen("Apply a macro", labels, preview=preview), chosen)

    def _apply_macro(self: OmnituiApp, macro: Macro) -> None:
        targets = self._targets()
        if not targets:
            return
        drafts: dict[int, str | None] = {}
        try:
            with self.store.write() as conn:
                for case_id in targets:
                    drafts[case_id] = apply_macro(conn, case_id, macro, agent=self.agent,
                                                  at=utc_now())
        except StoreError as exc:
            self.notify(str(exc), severity="error")
            return
        self._after_change(set(targets))
        self.notify(f"{macro.name}: {', '.join(f'#{t}' for t in targets)}")
        if not macro.reply:
            return
        if len(targets) == 1:
            try:
                draft = self._macro_draft(targets[0], macro, drafts[targets[0]] or "")
            except StoreError as exc:
                self.notify(str(exc), severity="error")
                return
            self._open_composer(targets[0], draft)
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._act("macro reply queued", lambda conn, case_id: queue_draft(
                    conn, case_id, self._macro_draft(case_id, macro, drafts[case_id] or ""),
                    author=self.agent, at=utc_now()), targets)  # the marks may be gone

        what = "internal note" if macro.internal else "reply"
        self.push_screen(ConfirmScreen(f"Also add the macro's {what} to all {len(targets)} "
                                       "cases, each filled in for its customer?"), confirmed)

    def _macro_draft(self: OmnituiApp, case_id: int, macro: Macro, text: str) -> Draft:
        base = start_draft(self.store.conn, case_id, "note" if macro.internal else "reply")
        return Draft(base.mode, base.channel, text, base.to, base.cc, base.subject,
                     base.internal)
