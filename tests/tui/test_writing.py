"""Writing from the console: reply, reply all, forward, note, new message, $EDITOR, preview,
the outbox states on the timeline, and undo of a queued reply."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import pytest
from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input, Select, TextArea

from omnitui.channels.email.parse import parse_email
from omnitui.config import MailboxSettings, Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.services.desk import Desk
from omnitui.store import outbox
from omnitui.store.db import Store, db_time, utc_now
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens.case import CaseScreen
from omnitui.tui.screens.contact import Contact, ContactScreen
from omnitui.tui.screens.modals import ComposeScreen, ConfirmScreen, LeaveDraftScreen
from tests.conftest import make_email
from tests.tui.helpers import drive, queue, screen_text, settle

QUOTED_BODY = ("Still broken, see below.\n\nOn Mon, 2 Nov 2026 at 10:00, Support wrote:\n"
               "> Please restart the router.\n> It usually helps.\n")


@pytest.fixture
def mail_db(tmp_path: Path) -> Path:
    path = tmp_path / "mail.db"
    with Store(path) as store:
        Pipeline(store, Settings()).ingest(parse_email(make_email(
            subject="Router broken", body=QUOTED_BODY, message_id="ann-1@example.com",
            headers={"Cc": "Bob <bob@example.com>"},
            attachment=("photo.png", b"\x89PNG fake"))))
    return path


def outbox_rows(path: Path) -> list[dict]:
    with Store(path) as store:
        cur = store.conn.execute("SELECT o.*, m.text, m.thread_key FROM outbox o"
                                 " JOIN messages m ON m.id = o.message_id ORDER BY o.id")
        return [dict(zip([d[0] for d in cur.description], r, strict=True)) for r in cur]


async def open_case(app: OmnituiApp, pilot: object) -> CaseScreen:
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(app, pilot)
    assert isinstance(app.screen, CaseScreen)
    return app.screen


async def open_reply(app: OmnituiApp, pilot: object) -> ComposeScreen:
    await open_case(app, pilot)
    await pilot.press("r")  # type: ignore[attr-defined]
    await settle(app, pilot)
    assert isinstance(app.screen, ComposeScreen)
    return app.screen


async def wait_for(app: OmnituiApp, pilot: object, text: str) -> str:
    for _ in range(40):
        await asyncio.sleep(0.05)
        await settle(app, pilot)
        if text in screen_text(app):
            break
    return screen_text(app)


def test_reply_is_queued_threaded_and_its_fate_shows_live(mail_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        composer = await open_reply(app, pilot)
        assert composer.query_one("#to", Input).value == "ann@example.com"
        assert composer.query_one("#subject", Input).value == "Re: Router broken"
        await pilot.press(*"Please try the reset button.", "ctrl+o")
        await settle(app, pilot)
        preview = screen_text(app)
        assert "To: ann@example.com" in preview and "Please try the reset button." in preview
        await pilot.press("ctrl+o", "ctrl+j")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        [row] = outbox_rows(mail_db)
        assert row["status"] == "queued" and row["text"] == "Please try the reset button."
        assert json.loads(row["recipients"]) == {"to": ["ann@example.com"], "cc": []}
        assert "queued" in screen_text(app)
        # the daemon sends it: the console shows it at once
        with Store(mail_db) as daemon, daemon.write() as conn:
            outbox.mark_sent(conn, row["id"], at=db_time(utc_now()))
        assert "sent" in await wait_for(app, pilot, "sent")
        [reply] = [m for m in app.screen.detail.messages if m.direction == "out"]
        assert reply.delivery == "sent"

    drive(mail_db, script)


def test_reply_all_forward_and_undo_of_a_queued_reply(mail_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_case(app, pilot)
        await pilot.press("R")
        await settle(app, pilot)
        # everyone else on the message; our own address is left out once [[mailboxes]] name it
        assert "bob@example.com" in app.screen.query_one("#cc", Input).value
        await pilot.press(*"Copying Bob.", "ctrl+j")
        await settle(app, pilot)
        assert "bob@example.com" in json.loads(outbox_rows(mail_db)[0]["recipients"])["cc"]
        await pilot.press("u")  # not sent yet: undo takes it back whole
        await settle(app, pilot)
        assert outbox_rows(mail_db) == []
        await pilot.press("f")
        await settle(app, pilot)
        assert app.screen.query_one("#to", Input).has_focus
        await pilot.press(*"it@example.org", "tab", "tab", "tab")
        await pilot.press(*"Can you look at this?", "ctrl+j")
        await settle(app, pilot)
        [row] = outbox_rows(mail_db)
        assert json.loads(row["recipients"])["to"] == ["it@example.org"]
        assert row["subject"] == "Fwd: Router broken"
        assert "Forwarded message" in row["text"] and "Still broken" in row["text"]
        assert len(json.loads(row["attachment_ids"])) == 1
        await pilot.press("u")  # taken back: f brings it back whole, files and subject
        await settle(app, pilot)
        assert any(str(n.message).startswith("undone: a forward on #")
                   for n in app._notifications)  # said as what it was
        await pilot.press("f")
        await settle(app, pilot)
        assert app.screen.query_one("#subject", Input).value == "Fwd: Router broken"
        assert app.screen.query_one("#to", Input).value == "it@example.org"
        assert "Can you look at this?" in app.screen.query_one(TextArea).text
        await pilot.press("ctrl+j")
        await settle(app, pilot)
        [again] = outbox_rows(mail_db)
        assert again["subject"] == "Fwd: Router broken"
        assert len(json.loads(again["attachment_ids"])) == 1

    drive(mail_db, script)


def test_a_reply_taken_back_comes_back_to_be_fixed(mail_db: Path) -> None:
    """Taken back with `u`, a reply's text was gone: it comes back as the agent's draft,
    addressed as it was, as an Undo Send gives the words back."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_case(app, pilot)
        await pilot.press("R", *"Copying Bob, with a tpyo.", "ctrl+j")
        await settle(app, pilot)
        await pilot.press("u")
        await settle(app, pilot)
        assert outbox_rows(mail_db) == []
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen)
        assert app.screen.query_one(TextArea).text == "Copying Bob, with a tpyo."
        assert "bob@example.com" in app.screen.query_one("#cc", Input).value

    drive(mail_db, script)


def test_a_reply_turned_into_a_note_and_empty_or_unaddressed_drafts(mail_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_case(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.press("ctrl+j")  # nothing written: stays open, says why
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen)
        await pilot.press(*"Customer sounds upset", "ctrl+t")
        await settle(app, pilot)
        assert "Internal note" in screen_text(app)
        await pilot.press("ctrl+j")
        await settle(app, pilot)
        assert outbox_rows(mail_db) == []
        with Store(mail_db) as store:
            assert store.conn.execute("SELECT direction FROM messages WHERE text = ?",
                                      ("Customer sounds upset",)).fetchone() == ("note",)
        await pilot.press("r")
        await settle(app, pilot)
        app.screen.query_one("#to", Input).value = ""
        await pilot.press(*"hello", "ctrl+j")
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen)  # no recipient: not sent, not lost
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, LeaveDraftScreen)  # written text is never dropped silently
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen.query_one(TextArea).text == "hello"

    drive(mail_db, script)

def test_the_first_reply_finds_the_composer_already_composed(mail_db: Path) -> None:
    """While the agent reads the queue the console composes its composer, unseen: the first
    reply of a session only fills it (38 ms to come up in a terminal instead of 61)."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        for _ in range(100):  # the preload thread asks for it once its imports are done
            if app._composer is not None and app._composer.ready:
                break
            await asyncio.sleep(0.05)
        prepared = app._composer
        assert prepared is not None and prepared.ready  # mounted, its widgets there
        assert app.screen is app.queue  # and never shown
        composer = await open_reply(app, pilot)
        assert composer is prepared
        assert composer.query_one("#to", Input).value == "ann@example.com"
        assert "Reply on email, case #1" in screen_text(app)

    drive(mail_db, script)


def test_the_next_draft_finds_nothing_of_the_last_in_the_composer(mail_db: Path) -> None:
    """The console fills one composer for every draft: a reply thrown away must leave no
    text, no undo step and no preview in the note written next, and filling it is not
    typing (no draft kept of a forward nobody touched)."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        composer = await open_reply(app, pilot)
        await pilot.press(*"Secret for Ann", "ctrl+o", "escape")  # the preview: back to
        await settle(app, pilot)  # the text, as a pager's q (it asked to throw it away)
        assert app.screen is composer and not composer.has_class("-preview")
        assert app.focused is composer.query_one(TextArea)
        await pilot.press("escape", "y")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("i")
        await settle(app, pilot)
        assert app.screen is composer  # the same one, filled again
        area = composer.query_one(TextArea)
        assert area.text == "" and app.focused is area
        assert "Internal note, case #1" in screen_text(app)
        assert "Secret" not in screen_text(app) and "To:" not in screen_text(app)
        assert not composer.query_one("#field-to").display
        await pilot.press("ctrl+z")  # the last draft's text is not one undo away
        await settle(app, pilot)
        assert area.text == ""
        await pilot.press("escape", "f")  # a forward comes with the message's attachment
        await asyncio.sleep(composer.SAVE_AFTER + 0.3)
        await settle(app, pilot)
        assert composer.draft.attachment_ids
        assert "Forward of #1 from Ann Lee on email" in screen_text(app)
        with Store(mail_db) as store:  # opening it is not typing: nothing to keep
            assert store.conn.execute("SELECT count(*) FROM drafts").fetchone() == (0,)
        await pilot.press("escape", "y", "r")
        await settle(app, pilot)
        assert app.screen is composer and composer.query_one(TextArea).text == ""
        assert composer.query_one("#to", Input).value == "ann@example.com"
        assert composer.query_one("#field-subject").display

    drive(mail_db, script)



def test_editor_writes_the_reply(mail_db: Path, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    editor = tmp_path / "fake-editor"
    editor.write_text("#!/bin/sh\nprintf 'Written in my editor\\n' >> \"$1\"\n")
    editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("EDITOR", str(editor))
    monkeypatch.delenv("VISUAL", raising=False)

    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_case(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.press(*"Hi Ann,", "enter", "ctrl+e")
        await settle(app, pilot)
        assert app.screen.query_one(TextArea).text == "Hi Ann,\nWritten in my editor"
        await pilot.press("ctrl+j")
        await settle(app, pilot)
        assert outbox_rows(mail_db)[0]["text"] == "Hi Ann,\nWritten in my editor"

    drive(mail_db, script)


def test_over_ssh_only_the_configured_editor_runs(mail_db: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A console an agent's SSH key opens never runs $EDITOR (vi's :! would be a shell on
    the server's account): ctrl+e says so and keeps the text; the config's editor runs."""
    trap = tmp_path / "trap-editor"
    trap.write_text("#!/bin/sh\nprintf 'ESCAPED\\n' >> \"$1\"\n")
    allowed = tmp_path / "allowed-editor"
    allowed.write_text("#!/bin/sh\nprintf 'Written in rnano\\n' >> \"$1\"\n")
    for editor in (trap, allowed):
        editor.chmod(editor.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("EDITOR", str(trap))
    monkeypatch.setenv("SSH_CONNECTION", "127.0.0.1 50000 127.0.0.1 22")

    def run(settings: Settings, expected: str, said: str) -> None:
        async def script(app: OmnituiApp, pilot: object) -> None:
            await open_case(app, pilot)
            await pilot.press("r")
            await settle(app, pilot)
            await pilot.press(*"Hi,", "ctrl+e")
            await settle(app, pilot)
            assert app.screen.query_one(TextArea).text == expected
            assert said in screen_text(app)
            await pilot.press("escape", "y")
            await settle(app, pilot)

        drive(mail_db, script, settings)

    run(Settings(), "Hi,", "no editor over SSH")
    configured = Settings()
    configured.console.editor = str(allowed)
    run(configured, "Hi,Written in rnano", "Hi,")


def test_reply_on_another_channel_of_the_same_customer(mail_db: Path) -> None:
    with Store(mail_db) as store:
        Pipeline(store, Settings()).ingest(parse_email(make_email(
            body="My number is below", headers={"X-Phone": "x"})))
        Desk(store, "alice").link(1, ("phone", "+14155550100"))

    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_case(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        app.screen.query_one(Select).value = "whatsapp"
        await settle(app, pilot)
        assert app.screen.query_one("#to", Input).value == "+14155550100"
        assert not app.screen.query_one("#field-subject").display
        await pilot.press("ctrl+t")  # a note leaves on no channel: none is offered
        await settle(app, pilot)
        assert not app.screen.query_one("#field-channel").display
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert app.screen.query_one("#field-channel").display
        await pilot.press(*"Texting you instead", "ctrl+j")
        await settle(app, pilot)
        [row] = outbox_rows(mail_db)
        assert row["channel"] == "whatsapp"
        assert json.loads(row["recipients"])["to"] == ["+14155550100"]

    drive(mail_db, script)


def test_an_address_typed_after_switching_channel_goes_after_the_one_filled_in(
        mail_db: Path) -> None:
    """Switching the channel filled in the customer's address there with the cursor left
    where the shorter one before had ended: an address typed into the To went into the
    middle of it."""
    with Store(mail_db) as store:
        Desk(store, "alice").link(1, ("phone", "+14155550100"))

    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_case(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        for channel in ("sms", "email"):  # to the number, and back to the longer address
            app.screen.query_one("#channel", Select).value = channel
            await settle(app, pilot)
        app.screen.query_one("#to", Input).focus()
        await pilot.press(*", bo@ex.io")
        await settle(app, pilot)
        assert app.screen.query_one("#to", Input).value == "ann@example.com, bo@ex.io"

    drive(mail_db, script)


def test_new_outbound_case_from_the_queue(mail_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press(*"new.person@example.net", "tab", "tab", *"Welcome", "escape")
        await settle(app, pilot)  # an address and a subject typed, no text yet: it asks
        assert isinstance(app.screen, LeaveDraftScreen)
        await pilot.press("n")
        await settle(app, pilot)
        await pilot.press("tab")
        await pilot.press(*"Your account is ready.", "ctrl+t")  # a note opened a case
        await settle(app, pilot)  # holding only the note, its first-response clock running
        assert isinstance(app.screen, ComposeScreen) and not app.screen.draft.internal
        assert "a note is written on a case" in list(app._notifications)[-1].message
        assert "reply/note" not in screen_text(app)  # the hint does not offer it
        await pilot.press("ctrl+j")
        await settle(app, pilot)
        [row] = outbox_rows(mail_db)
        assert json.loads(row["recipients"])["to"] == ["new.person@example.net"]
        with Store(mail_db) as store:
            owner, subject, status = store.conn.execute(
                "SELECT owner, subject, status FROM cases WHERE id = ?",
                (row["case_id"],)).fetchone()
        assert (owner, subject, status) == ("alice", "Welcome", "pending")
        assert "Welcome" in screen_text(app)
        assert list(app._notifications)[-1].message.startswith(  # out of her open work
            f"case #{row['case_id']} opened, pending on their answer;")

    drive(mail_db, script)


def test_d_moves_a_public_post_to_a_private_answer(tmp_path: Path) -> None:
    from dataclasses import replace as with_values

    from tests.conftest import chat_event

    path = tmp_path / "public.db"
    with Store(path) as store:
        event = chat_event("telegram", "42", "my order 1234 never came", name="Ada")
        Pipeline(store, Settings()).ingest(with_values(event, reply_route={
            "hook": "tg", "chat_id": -100500, "message_id": 7, "user_id": 42,
            "public": True}))

    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_case(app, pilot)
        await pilot.press("D")
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen) and app.screen.draft.private
        await pilot.press(*"Which address should we use?", "ctrl+j")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        ack, answer = outbox_rows(path)
        assert json.loads(ack["recipients"])["route"]["chat_id"] == -100500
        assert json.loads(answer["recipients"])["route"]["private"] is True
        assert answer["text"] == "Which address should we use?"
        await pilot.press("D")  # already private now
        text = await wait_for(app, pilot, "not a public conversation")
        assert "not a public conversation" in text

    drive(path, script)


def test_d_on_an_email_case_says_why_not(mail_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_case(app, pilot)
        await pilot.press("D")
        text = await wait_for(app, pilot, "not a public conversation")
        assert "not a public conversation" in text and not outbox_rows(mail_db)

    drive(mail_db, script)


def test_escape_asks_before_a_typed_call_is_thrown_away(demo_db: Path) -> None:
    """The form as it came up (the caller filled in) goes at once; once the agent typed, it
    asks, and no keeps the form with what was typed."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("plus")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is app.queue  # nothing typed: nothing to ask
        await pilot.press("plus")
        await settle(app, pilot)
        app.screen.query_one("#text", TextArea).text = "called about the refund"
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, ContactScreen)
        assert app.screen.query_one("#text", TextArea).text == "called about the refund"
        await pilot.press("escape", "y")
        await settle(app, pilot)
        assert app.screen is app.queue
        # given back after a failed save, the form holds the agent's words: it asks too
        app.push_screen(ContactScreen(Contact("phone", "ann@example.com", "", None,
                                              "wants a refund", "")))
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)

    drive(demo_db, script)


async def log_by_hand(app: OmnituiApp, pilot: object, *, who: str = "", text: str = "",
                      answer: str = "") -> None:
    """+, the form's fields given (the caller's left as filled in when not), then ctrl+j."""
    await pilot.press("plus")
    await settle(app, pilot)
    if who:
        app.screen.query_one("#who", Input).value = who
    app.screen.query_one("#text", TextArea).text = text
    if answer:
        app.screen.query_one("#answer", TextArea).text = answer
    await pilot.press("ctrl+j")
    await settle(app, pilot)


def test_a_phone_call_logged_by_hand_lands_on_the_callers_case(demo_db: Path) -> None:
    """+ on a case: the caller is its customer; the call joins their open case and what the
    agent answered is on the timeline, delivered (a call has no outbox)."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        case_id = queue(app).current_id
        await pilot.press("plus")
        await settle(app, pilot)
        assert isinstance(app.screen, ContactScreen)
        assert app.screen.query_one("#who", Input).value  # the customer, filled in
        app.screen.query_one("#minutes", Input).value = "ten"
        await pilot.press("ctrl+j")
        await settle(app, pilot)
        assert "minutes must be a number" in screen_text(app)  # the form stays
        app.screen.query_one("#minutes", Input).value = "10"
        app.screen.query_one("#text", TextArea).text = "wants the invoice again"
        app.screen.query_one("#answer", TextArea).text = "sent it by email"
        await pilot.press("ctrl+j")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.detail.case.id == case_id
        text = screen_text(app)
        assert "wants the invoice again" in text and "sent it by email" in text

    drive(demo_db, script)


def test_u_takes_back_a_call_logged_in_the_console(demo_db: Path) -> None:
    """The call and the answer typed with + are the agent's: u takes both back, and the
    caller's case is as it was."""
    def messages_of(case_id: int) -> list[tuple]:
        with Store(demo_db) as store:
            return store.conn.execute("SELECT * FROM messages WHERE case_id = ? ORDER BY id",
                                      (case_id,)).fetchall()

    async def script(app: OmnituiApp, pilot: object) -> None:
        case_id = queue(app).current_id
        before = messages_of(case_id)
        await log_by_hand(app, pilot, text="wants the invoice again",
                          answer="sent it by email")
        assert isinstance(app.screen, CaseScreen) and app.screen.detail.case.id == case_id
        with Store(demo_db) as store:
            assert store.conn.execute("SELECT actor FROM audit WHERE action ="
                                      " 'contact.logged'").fetchall() == [(app.desk.actor,)]
        await pilot.press("u")
        text = await wait_for(app, pilot, "undone:")
        assert f"undone: a logged call or visit and a reply on #{case_id}" in text
        assert "wants the invoice again" not in screen_text(app)
        assert messages_of(case_id) == before

    drive(demo_db, script)


def test_u_takes_back_a_call_that_opened_a_case_and_leaves_it(demo_db: Path) -> None:
    """A call from a new number opened a case; u took it away, and the console went back to
    the queue (it stayed on a case that was no more)."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await log_by_hand(app, pilot, who="+14155550123", text="asks about the team plan")
        assert isinstance(app.screen, CaseScreen)
        case_id = app.screen.detail.case.id
        await pilot.press("u")
        text = await wait_for(app, pilot, "undone:")
        assert f"undone: a logged call or visit on #{case_id}" in text
        assert app.screen is app.queue
        with Store(demo_db) as store:
            assert store.conn.execute("SELECT count(*) FROM cases WHERE id = ?",
                                      (case_id,)).fetchone() == (0,)

    drive(demo_db, script)


def test_tab_into_an_address_adds_to_it(mail_db: Path) -> None:
    """Selected whole on the way in, the first key typed replaced the customer's address;
    after another draft, the cursor stood where that one left it."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_case(app, pilot)
        await pilot.press("f")  # an empty forward first: its To empty, its cursor at 0
        await settle(app, pilot)
        await pilot.press("escape", "r")
        await settle(app, pilot)
        composer = app.screen
        assert isinstance(composer, ComposeScreen)
        to = composer.query_one("#to", Input)
        before = to.value
        await pilot.press("shift+tab", "shift+tab", "shift+tab")  # back up to the To
        await settle(app, pilot)
        assert to.has_focus
        await pilot.press(*", bob@example.com")
        assert to.value == f"{before}, bob@example.com"

    drive(mail_db, script)


def test_the_case_says_a_draft_is_kept_on_it(mail_db: Path) -> None:
    """A draft kept for later was nowhere on the case: only its key, pressed by chance,
    brought it back."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_reply(app, pilot)
        await pilot.press(*"half written", "escape", "k")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "drafted: your unsent reply (r) — its key opens it" in screen_text(app)
        await pilot.press("i", *"check logs", "escape", "k")  # two: one phrase (each its
        await settle(app, pilot)  # own "your unsent" ran past 80 columns)
        assert ("drafted: your unsent internal note (i) and reply (r) — their keys open "
                "them") in screen_text(app)
        await pilot.press("escape", "q")  # quitting names it: kept drafts were easy to
        await settle(app, pilot)  # forget
        assert isinstance(app.screen, ConfirmScreen)
        assert "Your unsent drafts on #1 are kept: their keys bring them back." in \
            screen_text(app)
        await pilot.press("n", "enter")
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.press("escape", "y")  # the reply thrown away, the note kept
        await settle(app, pilot)
        assert "drafted: your unsent internal note (i) — its key opens it" in screen_text(app)

    drive(mail_db, script)


def test_a_refused_send_is_told_over_the_other_drafts_note(mail_db: Path) -> None:
    """With a reply kept on the case, a forward refused for its address came back saying
    only that the reply waits: the agent never learned what was wrong."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_reply(app, pilot)
        await pilot.press(*"half written", "escape", "k", "f")
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen)
        app.screen.query_one("#to", Input).value = "ZZZ"
        app.screen.query_one("#draft", TextArea).text = "FYI"
        await pilot.press("ctrl+j")
        await settle(app, pilot)
        text = screen_text(app)
        assert "'ZZZ' is not a usable email address" in text
        assert text.count("waits on this case") == 1  # said as it opened, not again

    drive(mail_db, script)


def test_keys_typed_right_after_a_tab_land_in_the_next_field(mail_db: Path) -> None:
    """Keys reach the console faster than it handles them: typed right after shift+tab,
    they landed in the text the agent was leaving."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        composer = await open_reply(app, pilot)
        subject = composer.query_one("#subject", Input)
        before = subject.value
        for key, character in (("shift+tab", None), ("z", "z"), ("tab", None), ("y", "y")):
            app.post_message(events.Key(key, character))  # in one burst, as typed
        await settle(app, pilot)
        assert subject.value == before + "z"
        assert composer.query_one("#draft", TextArea).text == "y"

    drive(mail_db, script)


def test_a_send_typed_in_one_burst_with_the_text_sends_all_of_it(mail_db: Path) -> None:
    """Over SSH keys arrive in bursts: the send (a priority key, run as it arrives) went
    before the field had taken the characters typed ahead of it, and "write something
    first" threw the agent out of their flow, or the reply went cut short."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_reply(app, pilot)
        for character in "Done, refunded.":
            app.post_message(events.Key(_character_to_key(character), character))
        app.post_message(events.Key("ctrl+j", None))  # all in one burst, as typed, and
        app.post_message(events.Key("i", "i"))  # a key for what comes next: a note
        await settle(app, pilot)
        [row] = outbox_rows(mail_db)
        assert row["text"] == "Done, refunded."  # ("Done, refunded.i" before)
        assert isinstance(app.screen, ComposeScreen) and app.screen.draft.internal, \
            screen_text(app)  # the i reached the case screen, after the send

    drive(mail_db, script)


def test_a_refused_address_brings_the_reply_back_with_the_focus_on_it(mail_db: Path) -> None:
    """The text came back, the focus in the text: the agent hunted for what was wrong."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        composer = await open_reply(app, pilot)
        composer.query_one("#to", Input).value = "ZZZ"
        await pilot.press(*"The fix is live.", "ctrl+j")
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen)
        assert app.screen.query_one("#to", Input).has_focus
        assert app.screen.query_one(TextArea).text == "The fix is live."
        assert outbox_rows(mail_db) == []

    drive(mail_db, script)


async def refused(app: OmnituiApp, pilot: object, why: str, *, at: str,
                  **kept: str) -> None:
    """The composer is still open, says `why`, has the focus in the field `at`, and keeps
    what was typed (`text`: the message, else a field's id and value)."""
    await settle(app, pilot)
    assert isinstance(app.screen, ComposeScreen)
    assert why in screen_text(app)
    assert app.screen.query_one(f"#{at}", Input).has_focus
    for field, value in kept.items():
        assert (app.screen.query_one(TextArea).text if field == "text" else
                app.screen.query_one(f"#{field}", Input).value) == value


def test_a_refused_cc_or_new_to_puts_the_focus_on_that_field(mail_db: Path) -> None:
    """A Cc refused came back with the focus in the To, which was right; a new message's
    To refused, in the text."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        composer = await open_reply(app, pilot)
        composer.query_one("#cc", Input).value = "bob@example.com, billing"
        await pilot.press(*"The fix is live.", "ctrl+j")
        await refused(app, pilot, "'billing' is not a usable email address", at="cc",
                      cc="bob@example.com, billing", to="ann@example.com",
                      text="The fix is live.")
        await pilot.press("escape", "k", "escape", "c")
        await settle(app, pilot)
        await pilot.press(*"newperson", "tab", "tab", *"Welcome", "tab", *"Hello!", "ctrl+j")
        await refused(app, pilot, "'newperson' is not a usable email address", at="to",
                      to="newperson", subject="Welcome", text="Hello!")
        assert outbox_rows(mail_db) == []

    drive(mail_db, script)


def test_a_new_email_without_a_subject_is_refused_with_everything_kept(mail_db: Path) -> None:
    """A new email with an empty or blank subject went to the customer titled nothing; a
    text message has no subject and goes without one."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press(*"new.person@example.net", "tab", "tab", "space", "space", "tab",
                          *"Your account is ready.", "ctrl+j")
        await settle(app, pilot)
        composer = app.screen
        assert isinstance(composer, ComposeScreen)
        assert "not sent: a new email needs a subject" in screen_text(app)
        assert composer.query_one("#subject", Input).has_focus
        assert composer.query_one("#to", Input).value == "new.person@example.net"
        assert composer.query_one(TextArea).text == "Your account is ready."
        assert outbox_rows(mail_db) == []
        await pilot.press(*"Welcome", "ctrl+j")
        await settle(app, pilot)
        [mail] = outbox_rows(mail_db)
        await pilot.press("c")
        await settle(app, pilot)
        app.screen.query_one("#channel", Select).value = "sms"
        await settle(app, pilot)
        await pilot.press(*"+14155550199", "tab", *"Your parcel is here.", "ctrl+j")
        await settle(app, pilot)
        [_, text] = outbox_rows(mail_db)
        assert text["channel"] == "sms"
        with Store(mail_db) as store:
            assert store.conn.execute("SELECT subject FROM cases WHERE id IN (?, ?) ORDER BY"
                                      " id", (mail["case_id"], text["case_id"])).fetchall() \
                == [("Welcome",), ("Your parcel is here.",)]  # its first line, as a
            # customer's text titles theirs (the queue said "(no subject)")
            assert not text["subject"]  # the text itself goes without one

    drive(mail_db, script)


def test_writing_first_to_someone_with_an_open_case_names_it(mail_db: Path) -> None:
    """A second case opened beside the customer's open one without a word: it still opens
    (teams do write twice), and the toast names the other."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press(*"ann@example.com", "tab", "tab", *"Your invoice", "tab",
                          *"Here it is.", "ctrl+j")
        await settle(app, pilot)
        [row] = outbox_rows(mail_db)
        assert list(app._notifications)[-1].message == (
            f"case #{row['case_id']} opened, pending on their answer; the message is queued "
            "for ann@example.com; ann@example.com also has case #1 open")

    drive(mail_db, script)


def test_f_after_writing_a_note_forwards_the_customers_message_not_the_note(
        mail_db: Path) -> None:
    """The note just written is the highlighted message: f then ctrl+j sent it to an
    outside address, and the composer never said which message went."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_case(app, pilot)
        await pilot.press("i", *"Bank says Tuesday. @bob fyi", "ctrl+j")
        await settle(app, pilot)
        await pilot.press("G", "f")  # on the note, the latest message
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen)
        assert "Forward of #1 from Ann Lee on email" in screen_text(app)
        assert any("notes stay internal" in str(n.message) for n in app._notifications)
        await pilot.press(*"it@example.org", "tab", "tab", "tab", *"FYI", "ctrl+j")
        await settle(app, pilot)
        [row] = outbox_rows(mail_db)
        assert "Still broken" in row["text"] and "Bank says Tuesday" not in row["text"]

    drive(mail_db, script)


def test_ctrl_g_without_a_knowledge_base_says_how_to_have_one(mail_db: Path) -> None:
    """It said "no article is suggested for this case", as if there were articles."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_reply(app, pilot)
        await pilot.press("ctrl+g")
        await settle(app, pilot)
        assert "no knowledge base: set [kb] path in the config" in str(
            list(app._notifications)[-1].message)

    drive(mail_db, script)


def test_a_reply_no_mailbox_can_send_says_so_as_it_is_written(mail_db: Path) -> None:
    """No mailbox with an smtp_host: the composer took the reply and the outbox failed it
    afterwards; it says so as the agent starts (not on a note, which leaves nothing), and
    not once a mailbox can send."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_reply(app, pilot)
        assert ("this cannot leave: no mailbox can send email: set smtp_host on one of the"
                " [[mailboxes]] in the config") in " ".join(screen_text(app).split())
        await pilot.press("ctrl+t")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert "cannot leave" not in screen_text(app)

    drive(mail_db, script)
    sending = Settings(mailboxes=[MailboxSettings(
        name="support", address="support@example.com", imap_host="imap.example",
        username="support", smtp_host="smtp.example")])

    async def can_send(app: OmnituiApp, pilot: object) -> None:
        await open_reply(app, pilot)
        assert "cannot leave" not in screen_text(app)

    drive(mail_db, can_send, sending)
    demo = OmnituiApp(mail_db, Settings(), "alice", stand_in="the demo's traffic")
    assert demo.unsendable("email") is None  # the demo's stand-in sends every reply


def test_the_composer_counts_a_text_against_its_channels_limit(tmp_path: Path) -> None:
    """An SMS reply past 1,600 characters was accepted, then refused by the platform and
    left failed in the outbox: the composer counts as the agent types (beside the title,
    the key hints whole at 80 columns), says in words when it is past the limit, and
    refuses to send it, the text left as typed."""
    from tests.conftest import chat_event

    path = tmp_path / "sms.db"
    with Store(path) as store:
        Pipeline(store, Settings()).ingest(chat_event("sms", "+14155550100", "Where is it?"))

    async def script(app: OmnituiApp, pilot: object) -> None:
        composer = await open_reply(app, pilot)
        await pilot.press(*"Hello")
        await settle(app, pilot)
        text = screen_text(app)
        assert "5/1600 · 1 SMS" in text
        assert "^j send · ^t reply/note · ^o preview · ^e editor · ^g article · esc cancel" \
            in text
        area = composer.query_one(TextArea)
        area.insert(" " + "x" * 160)  # one SMS holds 160 of these
        await settle(app, pilot)
        assert "166/1600 · 2 SMS" in screen_text(app)
        area.insert("x" * 1435)
        await pilot.press("ctrl+j")
        await settle(app, pilot)
        text = screen_text(app)
        assert "1601/1600 · too long by 1" in text
        assert list(app._notifications)[-1].message == (
            "not sent: too long for sms: 1,601 characters, the most one message holds is "
            "1,600 (shorten it by 1); your text stays here")
        assert app.screen is composer and area.text == "Hello " + "x" * 1595
        assert outbox_rows(path) == []
        await pilot.press("backspace")
        await settle(app, pilot)
        assert "1600/1600 · 11 SMS" in screen_text(app)
        await pilot.press("ctrl+j")
        await settle(app, pilot)
        assert [len(row["text"]) for row in outbox_rows(path)] == [1600]

    drive(path, script, size=(80, 24))


def test_an_email_reply_has_no_count(mail_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        composer = await open_reply(app, pilot)
        composer.query_one(TextArea).insert("x" * 5000)
        await settle(app, pilot)
        assert "/1600" not in screen_text(app)
        assert not composer.query_one("#compose-count").display
        await pilot.press("ctrl+j")
        await settle(app, pilot)
        assert [len(row["text"]) for row in outbox_rows(mail_db)] == [5000]

    drive(mail_db, script)
