"""Actions on the highlighted message of a case's timeline: raw source, save attachments,
move it to another case (split off or re-attach)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text

from omnitui.sanitize import sanitize
from omnitui.services.files import save_attachments
from omnitui.store.db import StoreError
from omnitui.store.messages import raw_body
from omnitui.tui.screens.case import CaseScreen
from omnitui.tui.screens.modals import AskScreen, TextScreen, refusal
from omnitui.wording import plural

if TYPE_CHECKING:
    from omnitui.tui.app import OmnituiApp

RAW_SHOWN = 512 * 1024  # a 30 MB attachment is not something to page through in a terminal


class TimelineActions:
    """Mixed into the app; each acts on the message highlighted in the open case."""

    def current_message_id(self: OmnituiApp) -> int | None:
        if isinstance(self.screen, CaseScreen) and self.screen.current_message is not None:
            return self.screen.current_message.id
        return None

    def action_raw_source(self: OmnituiApp) -> None:
        message_id = self.current_message_id()
        if message_id is None:
            return
        raw = raw_body(self.store.conn, message_id)
        if raw is None:
            self.notify("this message was written here; there is no received source",
                        severity="warning")
            return
        text = Text(sanitize(raw[:RAW_SHOWN].decode("utf-8", "replace"), multiline=True))
        if len(raw) > RAW_SHOWN:
            text.append(f"\n… {len(raw) - RAW_SHOWN:,} more bytes not shown "
                        "(the store keeps them all)", style="dim italic")
        self.push_screen(TextScreen(f"Raw source of message {message_id} ({len(raw):,} B)",
                                    text))

    def action_save_attachments(self: OmnituiApp) -> None:
        screen = self.screen
        message_id = self.current_message_id()
        if not isinstance(screen, CaseScreen) or message_id is None:
            return
        count = len(screen.current_message.attachments) if screen.current_message else 0
        if not count:
            self.notify("this message has no attachments", severity="warning")
            return
        default = Path("~/Downloads") if Path("~/Downloads").expanduser().is_dir() else Path(".")

        def answered(folder: str | None) -> None:
            if not folder:
                return
            try:
                saved = save_attachments(self.store, message_id, Path(folder))
            except StoreError as exc:
                self.notify(str(exc), severity="error")
                return
            self.notify("saved " + ", ".join(sanitize(str(p)) for p in saved))

        self.push_screen(AskScreen(f"Save {plural(count, 'attachment')} to folder",
                                   str(default)), answered)

    def action_move_message(self: OmnituiApp) -> None:
        message_id = self.current_message_id()
        if message_id is None:
            return

        def answered(target: str | None) -> None:
            if target is None:
                return
            moved_to, _ = self.desk.move_messages([message_id], target_case(target))
            self._after_change({moved_to})
            self.notify(f"message moved to case #{moved_to} (u takes it back)")

        self.push_screen(AskScreen("Move this message to case number ('new': split it off "
                                   "into a new case)", "new", check=refusal(target_case)),
                         answered)


def target_case(text: str) -> int | None:
    """Where X moves a message: "new" (None) or a case number; ValueError otherwise."""
    wanted = text.strip()
    if wanted.lower() in ("", "new"):
        return None
    number = re.fullmatch(r"#?(\d{1,18})", wanted)
    if number is None:
        raise ValueError(f"{text!r} is not a case number (or 'new')")
    return int(number[1])
