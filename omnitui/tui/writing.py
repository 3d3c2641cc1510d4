"""The console's writing actions: reply, reply to all, forward, new message, internal note.

Every one opens the same composer on a draft from `services.outbound`; sending queues it in
the outbox (the daemon sends it) or, for a note, adds it to the timeline. A draft that cannot
be queued comes back in the composer, so nothing written is lost.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from textual.binding import Binding

from omnitui.model import Channel, Draft
from omnitui.services.outbound import (
    address_on,
    queue_draft,
    reachable_channels,
    start_case,
    start_draft,
)
from omnitui.services.private import ACKNOWLEDGEMENT, move_to_private, private_draft
from omnitui.store.cases import require_case
from omnitui.store.db import StoreError, utc_now
from omnitui.tui.screens.modals import ComposeScreen

if TYPE_CHECKING:
    from omnitui.tui.app import OmnituiApp

WRITING_BINDINGS = [
    Binding("r", "write('reply')", "Reply", id="case.reply"),
    Binding("R", "write('reply_all')", "Reply all", id="case.reply_all", show=False),
    Binding("f", "write('forward')", "Forward", id="case.forward", show=False),
    Binding("i", "write('note')", "Note", id="case.note"),
    Binding("c", "compose_new", "New message", id="case.compose", show=False),
    Binding("D", "to_private", "Move to private", id="case.to_private", show=False),
]

Queue = Callable[[sqlite3.Connection, int, Draft, str, datetime], object]


def _queue(conn: sqlite3.Connection, case_id: int, draft: Draft, author: str,
           at: datetime) -> object:
    return queue_draft(conn, case_id, draft, author=author, at=at)


def _move(conn: sqlite3.Connection, case_id: int, draft: Draft, author: str,
          at: datetime) -> object:
    return move_to_private(conn, case_id, draft, author=author, at=at)


class WritingActions:
    """Mixed into the app; acts on the case on screen, else the highlighted case."""

    def action_write(self: OmnituiApp, mode: str) -> None:
        if mode == "note" and len(self._targets()) > 1:
            self._note_on_marked()
            return
        case_id = self.current_case_id()
        if case_id is None:
            return
        message_id = self.current_message_id() if mode == "forward" else None
        try:
            draft = start_draft(self.store.conn, case_id, mode, message_id=message_id,
                                own_addresses=frozenset(m.address for m in
                                                        self.settings.mailboxes))
        except StoreError as exc:
            self.notify(str(exc), severity="error")
            return
        self._open_composer(case_id, draft)

    def action_to_private(self: OmnituiApp) -> None:
        """Answer a public post privately: the composer opens on a direct message, and
        sending also queues a short acknowledgement in the public thread."""
        case_id = self.current_case_id()
        if case_id is None:
            return
        try:
            draft = private_draft(self.store.conn, case_id)
        except StoreError as exc:
            self.notify(str(exc), severity="error")
            return
        self.notify("writing privately; sending also tells the public thread "
                    f"\"{ACKNOWLEDGEMENT}\"")
        self._open_composer(case_id, draft, _move)

    def _open_composer(self: OmnituiApp, case_id: int, draft: Draft,
                       queue: Queue = _queue) -> None:
        customer_id = require_case(self.store.conn, case_id)["customer_id"]
        addresses = {channel: address_on(self.store.conn, customer_id, channel) or ""
                     for channel in reachable_channels(self.store.conn, customer_id)}
        addresses.update({draft.channel: ", ".join(draft.to)} if draft.to else {})

        def written(result: Draft | None) -> None:
            self._keep_presence()
            if result is None:
                return
            try:
                with self.store.write() as conn:
                    queue(conn, case_id, result, self.agent, utc_now())
            except StoreError as exc:
                self.notify(str(exc), severity="error")
                self._open_composer(case_id, result, queue)  # give the text back
                return
            self._after_change({case_id})
            self.notify("note added" if result.internal else
                        f"queued for sending to {', '.join(result.to)} (u takes it back)")

        self.push_screen(ComposeScreen(draft, addresses, case_id), written)
        self._keep_presence("writing")

    def _note_on_marked(self: OmnituiApp) -> None:
        """One internal note on every marked case."""
        def written(result: Draft | None) -> None:
            if result is not None:
                self._act("note added", lambda conn, case_id: queue_draft(
                    conn, case_id, result, author=self.agent, at=utc_now()))

        self.push_screen(ComposeScreen(Draft("note", Channel.EMAIL, internal=True)), written)

    def action_compose_new(self: OmnituiApp) -> None:
        """A new outbound case to someone, by email address or phone number."""
        def written(result: Draft | None) -> None:
            if result is None:
                return
            try:
                with self.store.write() as conn:
                    case_id, _ = start_case(
                        conn, result, author=self.agent, at=utc_now(),
                        default_queue=self.settings.routing.default_queue,
                        phone_region=self.settings.identity.default_phone_region)
            except StoreError as exc:
                self.notify(str(exc), severity="error")
                self.push_screen(ComposeScreen(result, NEW_CASE_CHANNELS), written)
                return
            self._after_change({case_id})
            self.notify(f"case #{case_id} opened; message queued for {result.to[0]}")

        self.push_screen(ComposeScreen(Draft("new", Channel.EMAIL), NEW_CASE_CHANNELS),
                         written)


NEW_CASE_CHANNELS = {Channel.EMAIL: "", Channel.SMS: "", Channel.WHATSAPP: ""}

