"""Keys on the message highlighted in an open case: its raw source, saving its attachments,
moving it to another case (split off or re-attach), sending a failed reply again."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rich.text import Text

from omnitui.errors import OmnituiError
from omnitui.sanitize import sanitize
from omnitui.services.files import save_attachments
from omnitui.services.merge import after_move, stranger
from omnitui.store.cases import get_case, message_ids_of_case
from omnitui.store.messages import raw_body
from omnitui.tui.screens.modals import AskScreen, ConfirmScreen, TextScreen, refusal
from omnitui.tui.way_out import default_download_folder, download_folder
from omnitui.wording import moved_words, no_attachments_words, plural

if TYPE_CHECKING:
    from omnitui.tui.screens.case import CaseScreen

RAW_SHOWN = 512 * 1024  # a 30 MB attachment is not something to page through in a terminal


def raw_source(screen: CaseScreen) -> None:
    message = screen.current_message
    if message is None:
        return
    raw = raw_body(screen.console.store.conn, message.id)
    if raw is None:
        screen.notify("this message was written here; there is no received source",
                      severity="warning")
        return
    text = Text(sanitize(raw[:RAW_SHOWN].decode("utf-8", "replace"), multiline=True))
    if len(raw) > RAW_SHOWN:
        text.append(f"\n… {len(raw) - RAW_SHOWN:,} more bytes not shown (the store keeps them "
                    "all)", style="dim italic")
    screen.app.push_screen(TextScreen(f"Raw source of message {message.id} ({len(raw):,} B)",
                                      text))


def save(screen: CaseScreen) -> None:
    message = screen.current_message
    if message is None:
        return
    if not message.attachments:
        from omnitui.channels.registry import PLATFORMS  # (its modules only when asked)

        kept_there = any(message.channel in (p.carries or ()) for p in PLATFORMS.values())
        screen.notify(no_attachments_words(message.channel, kept_there), severity="warning")
        return
    settings = screen.console.settings
    default = default_download_folder(settings)

    def answered(folder: str | None) -> None:
        if not folder:
            return
        try:
            saved = save_attachments(screen.console.store, message.id,
                                     download_folder(settings, folder))
        except OmnituiError as exc:
            screen.notify(str(exc), severity="error")
            return
        screen.notify("saved " + ", ".join(str(p) for p in saved))

    screen.app.push_screen(AskScreen(f"Save {plural(len(message.attachments), 'attachment')} "
                                     "to folder", str(default)), answered)


def move(screen: CaseScreen) -> None:
    message = screen.current_message
    if message is None:
        return

    def moved(case_id: int | None) -> None:
        moved_to, audit_id = screen.console.desk.move_messages([message.id], case_id,
                                                                other_customers=True)  # asked
        # both cases: the one on screen showed the message still, "joined" as it was
        screen.console.cases_changed({moved_to, screen.detail.case.id})
        emptied, status, resumed = after_move(screen.console.store.conn, [message.case_id],
                                              moved_to, audit_id)
        screen.notify(f"message moved to case #{moved_to}"
                      f"{moved_words(emptied, moved_to, status, resumed)} (u takes it back)")
        if emptied and screen.detail.case.id in emptied:  # the case on screen is closed
            screen.console.open_case(moved_to)  # into that one: its keys replied on it

    def answered(target: str | None) -> None:
        if target is None:
            return
        case_id = target_case(target)
        question = _someone_elses(screen, message.id, case_id,
                                  emptying=message.case_id if alone else None)
        if question is None:
            moved(case_id)
        else:
            screen.app.push_screen(ConfirmScreen(question),
                                   lambda yes: moved(case_id) if yes else None)

    def existing(text: str) -> None:
        """A case number of no case is said in the dialog, which stays open with it: the
        move failed after the dialog closed, and the number typed was gone."""
        case_id = target_case(text)
        if case_id is not None and get_case(screen.console.store.conn, case_id) is None:
            raise ValueError(f"there is no case {case_id}")

    alone = message_ids_of_case(screen.console.store.conn, message.case_id) == [message.id]
    screen.app.push_screen(AskScreen("Move this message to case number ('new': split it off "
                                     "into a new case)", "" if alone else "new",  # all of
                                     check=refusal(existing)), answered)  # it: never split


def resend(screen: CaseScreen) -> None:
    """e on our reply that failed for good: queued again as it was, through the Desk (the
    key bar offers the key there alone; the Desk refuses anything else in words)."""
    message = screen.current_message
    if message is None:
        return
    try:
        result = screen.console.desk.resend(message.id)
    except OmnituiError as exc:  # the message went meanwhile (undone, moved)
        screen.notify(str(exc), severity="warning")
        return
    screen.console.cases_changed({result.case_id})
    if not result.done:
        screen.notify(result.refusal, severity="warning")
        return
    screen.notify(f"reply #{message.id} queued again on {sanitize(message.channel)} "
                  f"({screen.console.keys_of('app.undo')} takes it back)")


def target_case(text: str) -> int | None:
    """Where X moves a message: "new" (None) or a case number; ValueError otherwise."""
    wanted = text.strip()
    if wanted.lower() in ("", "new"):
        return None
    number = re.fullmatch(r"#?(\d{1,18})", wanted)
    if number is None:
        raise ValueError(f"{text!r} is not a case number (or 'new')")
    return int(number[1])


def _someone_elses(screen: CaseScreen, message_id: int, case_id: int | None, *,
                   emptying: int | None) -> str | None:
    """The question to ask before a message joins another customer's case (the service's
    own check, `merge.stranger`), else None."""
    found = stranger(screen.console.store.conn, [message_id], case_id) \
        if case_id is not None else None
    if found is None:
        return None  # a new case, the same customer's, or none such: the move itself says so
    name = found[2]
    emptied = (f" It is all of case #{emptying}, which is then closed as merged there."
               if emptying is not None else "")
    return (f"Case #{case_id} is {name}'s, another customer's: replies there go to "
            f"{name}.{emptied} Move this message there?")
