"""Writing: reply, reply to all, forward, internal note, a new message that opens a case,
moving a public conversation to private, and logging a call or visit by hand.

Every one opens the same composer on a draft from `services.outbound`. What the agent writes
is kept in the store as they type (services.drafts, through omnitui/tui/draft_keeper.py), so it
survives a failed send, a crash and a lost connection: opening the composer on that case for
the same kind of writing brings it back. Sending queues it in the outbox (the daemon sends
it) or, for a note, adds it to the timeline; a draft that cannot be sent comes back in the
composer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from omnitui.errors import OmnituiError
from omnitui.model import Channel, Draft
from omnitui.sanitize import sanitize
from omnitui.services import drafts
from omnitui.services.drafts import MacroGone
from omnitui.services.kb import insertion, suggestions
from omnitui.services.outbound import (
    AddressRefused,
    address_on,
    also_open,
    reachable_channels,
    start_draft,
)
from omnitui.services.private import ACKNOWLEDGEMENT, private_draft
from omnitui.store.cases import require_case
from omnitui.store.db import (
    STORE_ERRORS,
    Store,
    expected,
    parse_db_time,
    store_problem,
)
from omnitui.store.messages import newest_message_id, written_after
from omnitui.tui.screens.contact import Contact, ContactScreen
from omnitui.tui.screens.modals import ConfirmScreen
from omnitui.wording import clock_time, written_first_words

if TYPE_CHECKING:
    from omnitui.tui.app import OmnituiApp
    from omnitui.tui.screens.work import WorkScreen

NEW_CASE_CHANNELS = {Channel.EMAIL: "", Channel.SMS: "", Channel.WHATSAPP: ""}
SLOT_WORDS = {"reply": "reply (r)", "reply_all": "reply to all (R)", "forward": "forward (f)",
              "note": "internal note (i)", "new": "new message (c)",
              "reply-private": "private answer (D)"}


def unsent(store: Store, agent: str, case_id: int) -> list[str]:
    """The kinds of the agent's own kept drafts on a case, as said to them ("internal note
    (i)"); how many there are decides "its key" or "their keys"."""
    return [SLOT_WORDS.get(slot, slot) for slot in drafts.own_kinds(store, agent, case_id)]


def unsent_words(kinds: list[str]) -> list[str]:
    """`unsent` kinds in one phrase ("your unsent internal note (i) and reply (r)": each its
    own "your unsent" cut the case's line at 80 columns); none: []."""
    return [f"your unsent {' and '.join(kinds)}"] if kinds else []


def write(screen: WorkScreen, mode: str) -> None:
    """r, R, f, i: on the screen's one case; a note goes to every marked case at once."""
    console = screen.console
    if mode == "note" and len(targets := screen.targets()) > 1:
        _note_on_marked(screen, targets)
        return
    case_id = screen.one_case()
    if case_id is None:
        return
    message_id = screen.current_message_id() if mode == "forward" else None
    if message_id is not None and screen.current_message_is_note():
        message_id = None  # the note just written is highlighted: never it
        screen.notify("forwarding the customer's last message: notes stay internal")
    draft = start_draft(console.store.conn, case_id, mode, message_id=message_id,
                        own_addresses=frozenset(console.settings.own_addresses))
    open_composer(console, case_id, draft)


def to_private(screen: WorkScreen) -> None:
    """D: answer a public post privately: the composer opens on a direct message, and
    sending also queues a short acknowledgement in the public thread."""
    case_id = screen.one_case()
    if case_id is None:
        return
    draft = private_draft(screen.console.store.conn, case_id)
    screen.notify(f"writing privately; sending also tells the public thread \"{ACKNOWLEDGEMENT}\"")
    open_composer(screen.console, case_id, draft)


def compose_new(screen: WorkScreen) -> None:
    """c: a new outbound case to someone, by email address or phone number."""
    open_composer(screen.console, None, Draft("new", Channel.EMAIL))


def log_contact(screen: WorkScreen) -> None:
    """+: a phone call or a walk-up visit, typed in; on one case, its customer is the caller
    (their phone number, else their email address)."""
    targets, conn = screen.targets(), screen.console.store.conn
    who = ""
    if len(targets) == 1:
        customer_id = require_case(conn, targets[0])["customer_id"]
        who = (address_on(conn, customer_id, Channel.SMS)
               or address_on(conn, customer_id, Channel.EMAIL) or "")
    _contact_form(screen.console, Contact(Channel.PHONE, who, "", None, "", ""))


def _contact_form(console: OmnituiApp, contact: Contact) -> None:
    def logged(result: Contact | None) -> None:
        if result is None:
            return
        try:
            case_id, _ = console.desk.log_contact(result.who, result.channel, result.text,
                                                  name=result.name, minutes=result.minutes,
                                                  answer=result.answer)
        except (OmnituiError, *STORE_ERRORS) as exc:
            if not (isinstance(exc, OmnituiError) or expected(exc)):
                raise  # a bug: keep its traceback
            console.notify(f"not logged: {store_problem(exc)}", severity="error")
            _contact_form(console, result)  # give the form back, filled in
            return
        console.cases_changed({case_id})
        console.notify(f"logged on case #{case_id}")
        console.open_case(case_id)

    console.push_screen(ContactScreen(contact), logged)


def open_composer(console: OmnituiApp, case_id: int | None, draft: Draft, *,
                  restore: bool = True, at_field: str = "") -> None:
    """The composer on a draft for a case (None: a new message that opens a case). With
    `restore`, an unsent draft of the same kind the agent kept on that case comes back
    instead; drafts of other kinds are named, never opened in its place."""
    store, agent = console.store, console.agent
    if restore and (saved := drafts.kept(store, agent, case_id, draft.slot)):
        draft, saved_at = saved
        moment = parse_db_time(saved_at).astimezone(console.settings.agent_zone(agent))
        what = SLOT_WORDS.get(draft.slot, 'message')
        console.notify(f"the {what} macro {draft.macro!r} drafted is ready: sending it "
                       "applies the macro (escape asks what becomes of it)" if draft.macro else
                       f"your unsent {what} from {moment:%a %H:%M} is back (escape asks what "
                       "becomes of it)")
    if restore and (others := [k for k in drafts.kept_kinds(store, agent, case_id)
                               if k != draft.slot]):  # not again over why a send failed
        console.notify("an unsent " + " and ".join(SLOT_WORDS.get(k, k) for k in others)
                       + " waits on this case: its key brings it back")
    if case_id is None:
        addresses = dict(NEW_CASE_CHANNELS)
    else:
        customer_id = require_case(store.conn, case_id)["customer_id"]
        addresses = {channel: address_on(store.conn, customer_id, channel) or ""
                     for channel in reachable_channels(store.conn, customer_id)}
    addresses.update({draft.channel: ", ".join(draft.to)} if draft.to else {})

    opened = newest_message_id(store.conn)  # what is newer was written after it opened

    def written(result: Draft | None) -> None:
        console.keep_presence()
        if result is None:
            if case_id is not None:  # kept for later or thrown away: the case says which
                console.drafts.wait(timeout=0.5)  # the kept one's save, a moment behind
                console.cases_changed({case_id})
            return
        if case_id is not None and (at := written_after(
                store.conn, case_id, agent, internal=result.internal, after=opened)):
            ask_again(result, at)
            return
        send(result)

    def ask_again(result: Draft, at: str) -> None:
        """This agent's other console sent on the case while this one was writing (the
        same kept draft opens in both): two replies went to the customer, unasked."""
        what = "a note" if result.internal else "a reply"

        def answered(yes: bool | None) -> None:
            if yes:
                send(result)
            else:
                open_composer(console, case_id, result, restore=False)  # the text back

        console.push_screen(ConfirmScreen(
            f"You sent {what} on #{case_id} at {clock_time(parse_db_time(at), console.zone)} "
            "from another console, after this one opened. Send this one too?"), answered)

    def send(result: Draft) -> None:
        try:
            sent_to = _send(console, case_id, result)
        except MacroGone as exc:  # the reply may still go, on its own
            console.notify(f"not sent: {exc}. Sending again sends it without the macro",
                           severity="warning")
            open_composer(console, case_id, replace(result, macro=""), restore=False)
            return
        except (OmnituiError, *STORE_ERRORS) as exc:  # a refusal too ("already queued
            # this reply"): it reached the console as a traceback, which closed it
            if not (isinstance(exc, OmnituiError) or expected(exc)):
                raise  # a bug: keep its traceback
            console.notify(f"not sent: {store_problem(exc)}", severity="error")
            refused = exc.field if isinstance(exc, AddressRefused) else ""
            open_composer(console, case_id, result, restore=False,  # the text back, the focus
                          at_field=refused)  # on the field of the address refused
            return
        console.cases_changed({sent_to})
        to = sanitize(", ".join(result.to), multiline=False)
        console.notify("note added" if result.internal else
                       written_first_words(sent_to, to, also_open(store.conn, sent_to))
                       if case_id is None else f"queued for sending to {to} (u takes it back)")

    def discard() -> None:
        console.drafts.settle(case_id, draft.slot)
        drafts.discard(store, agent, case_id, draft.slot)

    def articles() -> list[tuple[str, str]]:
        if case_id is None or not console.settings.kb.path:
            return []
        return [(a.title, insertion(console.settings.kb, a))
                for a in suggestions(store.conn, console.settings, case_id, wait=False)]

    console.write(draft, written, addresses, case_id,
                  keep=lambda kept: console.drafts.later(case_id, kept), discard=discard,
                  articles=articles, at_field=at_field)
    console.keep_presence("writing")


def _send(console: OmnituiApp, case_id: int | None, draft: Draft) -> int:
    """Send a finished draft; returns the case it went to."""
    console.drafts.settle(case_id, draft.slot)  # no save on its way may bring it back
    if case_id is None:
        return console.desk.new_case(draft)
    console.desk.send_draft(case_id, draft)
    return case_id


def _note_on_marked(screen: WorkScreen, targets: list[int]) -> None:
    """One internal note on every marked case, kept as it is typed as every draft is (a
    crash lost it): on no case of its own, it comes back the next time `i` writes to marked
    cases."""
    console = screen.console
    store, agent = console.store, console.agent
    cases = tuple(f"#{case_id}" for case_id in sorted(targets))  # kept in its unused To
    draft = Draft("note", Channel.EMAIL, internal=True, to=cases)
    if saved := drafts.kept(store, agent, None, draft.slot):
        if saved[0].to == cases:
            draft = saved[0]
            screen.notify("your unsent note for these cases is back (escape asks what "
                          "becomes of it)")
        else:  # never onto other cases than it was written for
            screen.notify(f"an unsent note for {', '.join(saved[0].to)} is kept: mark those "
                          "cases and press i to finish it; writing here replaces it",
                          severity="warning")
    screen.notify(f"an internal note on {len(targets)} marked cases")

    def keep(kept: Draft) -> None:
        console.drafts.later(None, kept)

    def discard() -> None:
        console.drafts.settle(None, draft.slot)
        if (now := drafts.kept(store, agent, None, draft.slot)) is None or now[0].to == cases:
            drafts.discard(store, agent, None, draft.slot)  # not another set's note

    def written(result: Draft | None) -> None:
        if result is None:
            return
        console.drafts.settle(None, draft.slot)
        try:
            screen.act("note added", console.desk.draft(result), targets)
        except STORE_ERRORS as exc:
            if not expected(exc):
                raise  # a bug: keep its traceback
            screen.notify(f"no note added: {store_problem(exc)}", severity="error")
            console.write(result, written, keep=keep, discard=discard)  # the text back
            return
        drafts.discard(store, agent, None, draft.slot)

    console.write(draft, written, keep=keep, discard=discard)
