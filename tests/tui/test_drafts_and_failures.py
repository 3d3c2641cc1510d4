"""Nothing an agent typed is lost, and a store that fails is a message, not a crash: drafts
are kept as they are typed, come back after a failed send, a quit, or a console killed
mid-sentence; an action on a locked store says so and the console goes on."""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import time
from contextlib import closing
from pathlib import Path

from textual.widgets import TextArea

from omnitui.config import AgentSettings, Settings
from omnitui.store.db import Store, parse_db_time, set_busy_timeout
from omnitui.store.schema import SCHEMA_VERSION
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens.modals import ComposeScreen
from omnitui.wording import clock_time
from tests.tui.helpers import Terminal, drive, queue, screen_text, settle, wait_for


def kept_draft(path: Path, agent: str = "alice") -> list[tuple[int | None, str]]:
    with Store(path) as store:
        return store.conn.execute("SELECT case_id, text FROM drafts WHERE agent = ?",
                                  (agent,)).fetchall()


def outgoing(path: Path, case_id: int) -> list[str]:
    with Store(path) as store:
        return [r[0] for r in store.conn.execute(
            "SELECT text FROM messages WHERE case_id = ? AND direction = 'out'", (case_id,))]


def test_a_draft_is_kept_while_typing_and_comes_back_after_a_quit(demo_db: Path) -> None:
    case: dict[str, int] = {}

    async def write(app: OmnituiApp, pilot: object) -> None:
        case["id"] = queue(app).current_id
        await pilot.press("r", *"Half a thought")
        await wait_for(lambda: kept_draft(demo_db) == [(case["id"], "Half a thought")],
                       app, pilot)
        await pilot.press(*" and more")
        app.exit()  # quitting keeps the last words too

    async def reopen(app: OmnituiApp, pilot: object) -> None:
        assert queue(app).current_id == case["id"]
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen)
        assert app.screen.query_one(TextArea).text == "Half a thought and more"
        assert "unsent reply (r)" in screen_text(app)
        await pilot.press("ctrl+j")
        await settle(app, pilot)
        assert "Half a thought and more" in outgoing(demo_db, case["id"])
        assert kept_draft(demo_db) == []  # sent: nothing left to bring back

    drive(demo_db, write)
    drive(demo_db, reopen)


def test_throwing_a_draft_away_forgets_it(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("r", *"Never mind")
        await wait_for(lambda: kept_draft(demo_db) != [], app, pilot)
        await pilot.press("escape", "y")
        await settle(app, pilot)
        assert kept_draft(demo_db) == []

    drive(demo_db, script)


def test_leaving_a_draft_with_enter_keeps_it_for_later(demo_db: Path) -> None:
    """Enter, the answer of habit, threw a typed reply away; escape, then keeping it, puts
    it aside as mutt postpones, and its key brings it back."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("r", *"Dear Quinn, about your order")
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("escape")  # escape again: back to writing, nothing lost
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen)
        await pilot.press(*" 4411", "escape", "enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, ComposeScreen)
        assert [d[1] for d in kept_draft(demo_db)] == ["Dear Quinn, about your order 4411"]
        await pilot.press("r")
        await settle(app, pilot)
        assert app.screen.query_one(TextArea).text == "Dear Quinn, about your order 4411"

    drive(demo_db, script)


def test_solving_a_case_with_a_kept_reply_says_it_was_not_sent(demo_db: Path) -> None:
    """The toast said "solved: #1594" and nothing else: the reply the agent had put aside
    was named only when they quit."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        case_id = queue(app).current_id
        await pilot.press("r", *"Refund issued", "escape", "enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, ComposeScreen)
        app.clear_notifications()
        await pilot.press("S")
        await settle(app, pilot)
        said = [str(n.message) for n in app._notifications]
        assert f"solved: #{case_id}" in said
        assert (f"#{case_id} is solved with your unsent reply (r) kept, not sent: its key on "
                "the case brings it back") in said

    drive(demo_db, script)


def locked(path: Path) -> sqlite3.Connection:
    """Another program holding the store's write lock."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_send_that_fails_gives_the_text_back_and_a_locked_store_is_a_message(
        demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        set_busy_timeout(app.store.conn, 0.2)  # what 10 s of someone else's lock ends in
        case_id = queue(app).current_id
        status = app.store.conn.execute("SELECT status FROM cases WHERE id = ?",
                                        (case_id,)).fetchone()[0]
        holder = locked(demo_db)
        try:
            await pilot.press("S")  # a status change on a locked store
            await settle(app, pilot)
            await pilot.pause(0.2)  # type: ignore[attr-defined]
            assert "the store is busy" in screen_text(app)
            await pilot.press("r", *"Important answer", "ctrl+j")
            await settle(app, pilot)
            await pilot.pause(0.2)  # type: ignore[attr-defined]
            assert "not sent" in screen_text(app)
            assert isinstance(app.screen, ComposeScreen)  # the text is back
            assert app.screen.query_one(TextArea).text == "Important answer"
        finally:
            holder.rollback()
            holder.close()
        await pilot.press("ctrl+j")
        await settle(app, pilot)
        assert "Important answer" in outgoing(demo_db, case_id)
        assert app.store.conn.execute("SELECT status FROM cases WHERE id = ?",
                                      (case_id,)).fetchone()[0] == status  # S did nothing

    drive(demo_db, script)


def test_a_reply_sent_from_another_console_meanwhile_is_asked_about(demo_db: Path) -> None:
    """The same agent's two consoles open the same kept draft: both sent it, two replies to
    the customer, unasked."""
    from omnitui.services.desk import Desk
    from omnitui.tui.screens.modals import ConfirmScreen

    async def script(app: OmnituiApp, pilot: object) -> None:
        case_id = queue(app).current_id
        before = len(outgoing(demo_db, case_id))
        await pilot.press("r", *"Second thoughts")
        await settle(app, pilot)
        with Store(demo_db) as store:  # alice's other console sends meanwhile
            assert Desk(store, "alice").write(case_id, "reply", "First answer").done
        await pilot.press("ctrl+j")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "from another" in screen_text(app)
        with Store(demo_db) as store:  # when, in the agent's zone as every time ("UTC")
            at = store.conn.execute("SELECT max(created_at) FROM messages WHERE case_id = ?"
                                    " AND direction = 'out'", (case_id,)).fetchone()[0]
        asked = app.screen.question
        assert f"at {clock_time(parse_db_time(at), app.zone)} from another console" in asked
        assert " EST " in asked and "UTC" not in asked
        await pilot.press("n")  # not this one: the text comes back
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen)
        assert app.screen.query_one(TextArea).text == "Second thoughts"
        assert len(outgoing(demo_db, case_id)) == before + 1
        await pilot.press("ctrl+j", "y")  # this one too, asked and answered
        await settle(app, pilot)
        assert len(outgoing(demo_db, case_id)) == before + 2

    drive(demo_db, script, Settings(agents=[AgentSettings(name="alice",
                                                         time_zone="America/New_York")]))


def test_the_agents_own_send_just_before_is_never_taken_for_another_consoles(
        demo_db: Path) -> None:
    """A reply sent and the composer opened again within the same second asked "you sent a
    reply ... from another console": the check compared times to the second."""
    from omnitui.tui.screens.modals import ConfirmScreen

    async def script(app: OmnituiApp, pilot: object) -> None:
        case_id = queue(app).current_id
        before = len(outgoing(demo_db, case_id))
        await pilot.press("r", *"First answer")
        await settle(app, pilot)
        while time.time() % 1 > 0.1:  # the send and the next r in one second of the clock
            time.sleep(0.01)
        await pilot.press("ctrl+j", "r", *"One more thing", "ctrl+j")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmScreen), app.screen.question
        assert outgoing(demo_db, case_id)[before:] == ["First answer", "One more thing"]

    drive(demo_db, script)


def test_a_reply_to_a_case_merged_meanwhile_is_refused_with_its_text_kept(
        demo_db: Path) -> None:
    """Merged into another case while the agent wrote, the case took the reply anyway: it
    went out from a closed case nobody sees, not on the one the conversation now lives on
    (`omnitui reply` refused: "act on #N")."""
    from omnitui.services.desk import Desk

    async def script(app: OmnituiApp, pilot: object) -> None:
        case_id, target = queue(app).ids[:2]
        await pilot.press("r", *"Half written")
        await settle(app, pilot)
        with Store(demo_db) as store:  # a supervisor merges it meanwhile
            Desk(store, "carol").merge_cases([case_id], target, other_customers=True)
        before = outgoing(demo_db, target)
        await pilot.press("ctrl+j")
        await settle(app, pilot)
        assert outgoing(demo_db, case_id) == [] and outgoing(demo_db, target) == before
        assert isinstance(app.screen, ComposeScreen)
        assert app.screen.query_one(TextArea).text == "Half written"
        assert f"merged into #{target}" in screen_text(app)

    drive(demo_db, script)


def replying(demo_db: Path, home: Path, text: bytes, then_wait: float) -> Terminal:
    """The real console in a real terminal (a pty), as alice, a reply to the first case
    begun with `text`."""
    console = Terminal([sys.executable, "-m", "omnitui", "--db", str(demo_db), "--agent",
                        "alice"], env={**os.environ, "HOME": str(home)})
    try:
        console.read_for(4.0)  # the console starts and paints the queue
        console.type(b"r", then_wait=1.0)
        console.type(text, then_wait=then_wait)
    except BaseException:
        console.close()  # never left running
        raise
    return console


def test_a_draft_survives_a_console_killed_mid_sentence(demo_db: Path, tmp_path: Path) -> None:
    """The real command in a real terminal (a pty), killed as a lost SSH session would be:
    what was typed a second before is in the store, and comes back."""
    console = replying(demo_db, tmp_path, b"Dear customer, the refund", then_wait=2.5)
    console.close()  # kept a second behind the typing
    assert [text for _, text in kept_draft(demo_db)] == ["Dear customer, the refund"]

    async def reopen(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("r")
        await settle(app, pilot)
        assert app.screen.query_one(TextArea).text == "Dear customer, the refund"

    drive(demo_db, reopen, Settings())


def test_quitting_the_real_console_restores_the_terminal_and_keeps_the_draft(
        demo_db: Path, tmp_path: Path) -> None:
    """The real command in a real terminal: quitting with a reply half-written ends the
    process with status 0 (it no longer waits for Textual's input thread, nor tears the
    interpreter down), hands the terminal back (the alternate screen left, the cursor shown)
    and keeps the draft."""
    console = replying(demo_db, tmp_path, b"Half a reply", then_wait=0.5)
    try:
        console.type(b"\x11", then_wait=0.1)  # ctrl+q: quit from anywhere
        assert console.exit_status(within=10) == 0
    finally:
        console.close()
    assert console.output.rfind(b"\x1b[?1049l") > console.output.rfind(b"\x1b[?1049h")
    assert b"\x1b[?25h" in console.output[console.output.rfind(b"\x1b[?1049l") - 200:]
    assert [text for _, text in kept_draft(demo_db)] == ["Half a reply"]


BUGGY_CONSOLE = """
import sys
from omnitui.tui.app import OmnituiApp
def broken(self):
    raise RuntimeError("a bug in the help key")
OmnituiApp.action_help = broken
from omnitui.cli import main
sys.argv = ["omnitui", "--db", sys.argv[1], "--agent", "alice"]
main()
"""


def test_a_console_ended_by_a_bug_says_so_to_the_shell(demo_db: Path, tmp_path: Path) -> None:
    """Store errors are messages; a real bug still ends the console, with its traceback and
    an exit status a script or an SSH wrapper can see (it was 0)."""
    console = Terminal([sys.executable, "-c", BUGGY_CONSOLE, str(demo_db)],
                       env={**os.environ, "HOME": str(tmp_path)})
    try:
        console.read_for(4.0)
        console.type(b"?", then_wait=0.1)
        assert console.exit_status(within=10) == 1, "the console should have ended"
    finally:
        console.close()
    assert b"a bug in the help key" in console.output


def test_a_kept_reply_never_reopens_as_a_note(demo_db: Path) -> None:
    """A half-written reply is a reply: `i` opens a note (and says the reply is kept), so a
    note can never go to the customer by mistake."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        case_id = queue(app).current_id
        await pilot.press("r", *"Dear customer")
        await wait_for(lambda: [t for _, t in kept_draft(demo_db)] == ["Dear customer"],
                       app, pilot)  # kept a second or so behind the typing
        app.pop_screen()  # the composer goes away unsent (a crash, a lost connection)
        await settle(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen)
        assert app.screen.draft.mode == "note" and app.screen.draft.internal
        assert app.screen.query_one(TextArea).text == ""
        assert "unsent reply (r)" in screen_text(app)
        await pilot.press(*"INTERNAL: rude", "ctrl+j")
        await settle(app, pilot)
        assert "INTERNAL: rude" not in outgoing(demo_db, case_id)
        assert [text for _, text in kept_draft(demo_db)] == ["Dear customer"]  # still kept

    drive(demo_db, script)


def test_opening_a_case_on_a_locked_store_is_a_message(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        set_busy_timeout(app.store.conn, 0.2)
        holder = locked(demo_db)
        try:
            await pilot.press("enter")  # opening marks the agent present: a write
            await settle(app, pilot)
            await pilot.pause(0.3)  # type: ignore[attr-defined]
        finally:
            holder.rollback()
            holder.close()
        await pilot.press("escape", "j", "enter")
        await settle(app, pilot)
        assert app.is_running  # no crash; the console goes on

    drive(demo_db, script)


def test_typing_never_waits_for_a_busy_store(demo_db: Path) -> None:
    """Drafts are kept behind the typing: a store locked by someone else slows the saving,
    never the keys."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("i", "a")
        await settle(app, pilot)
        holder = locked(demo_db)  # the next save waits for the lock (10 s before giving up)
        try:
            await pilot.pause(1.3)  # type: ignore[attr-defined]
            started = time.monotonic()
            await pilot.press(*"bcd")
            await pilot.pause(1.3)  # another save is due while the first still waits
            await pilot.press(*"ef")
            typing = time.monotonic() - started
        finally:
            holder.rollback()
            holder.close()
        assert app.screen.query_one(TextArea).text == "abcdef"
        assert typing < 2.5, f"the keys waited {typing:.1f} s for the store"

    drive(demo_db, script)


def test_a_note_for_marked_cases_comes_back_when_the_store_is_busy(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        set_busy_timeout(app.store.conn, 0.2)
        await pilot.press("space", "space", "i", *"For all of them")
        await settle(app, pilot)
        holder = locked(demo_db)
        try:
            await pilot.press("ctrl+j")
            await settle(app, pilot)
            await pilot.pause(0.3)  # type: ignore[attr-defined]
        finally:
            holder.rollback()
            holder.close()
        assert "no note added" in screen_text(app)
        assert isinstance(app.screen, ComposeScreen)
        assert app.screen.query_one(TextArea).text == "For all of them"

    drive(demo_db, script)


def test_a_lost_connection_keeps_the_last_words_typed(demo_db: Path, tmp_path: Path) -> None:
    """sshd hangs up on a lost session: killed by the SIGHUP, the console lost the second
    of typing not yet kept."""
    # half the second the kept draft may trail the typing: time enough for the keys to
    # arrive, not for the draft to be kept without the hangup's help
    console = replying(demo_db, tmp_path, b"Typed just before the hangup", then_wait=0.5)
    try:
        console.process.send_signal(signal.SIGHUP)
        assert console.process.wait(10) is not None
    finally:
        console.close()
    assert [text for _, text in kept_draft(demo_db)] == ["Typed just before the hangup"]


def test_a_note_for_marked_cases_is_kept_as_it_is_typed(demo_db: Path) -> None:
    """A crash lost it: only a note on one case was kept."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        await pilot.press("x", "j", "x")
        marked = sorted(cases.marked)
        await pilot.press("i")
        await settle(app, pilot)
        await pilot.press(*"Both are the same outage")
        await wait_for(lambda: kept_draft(demo_db) == [(None, "Both are the same outage")],
                       app, pilot)
        await pilot.press("escape", "k")  # put aside
        await settle(app, pilot)
        await pilot.press("escape", "g", "j", "x", "j", "x", "i")  # others: it stays aside
        await settle(app, pilot)
        assert app.screen.query_one(TextArea).text == ""
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("escape", "g", "x", "j", "x", "i")  # the first two again
        await settle(app, pilot)
        await settle(app, pilot)
        assert app.screen.query_one(TextArea).text == "Both are the same outage"
        await pilot.press("ctrl+j")
        await settle(app, pilot)
        assert kept_draft(demo_db) == []
        with Store(demo_db) as store:
            noted = sorted(r[0] for r in store.conn.execute(
                "SELECT case_id FROM messages WHERE text = 'Both are the same outage'"))
        assert noted == marked

    drive(demo_db, script)


def drafts_in_file(path: Path) -> list[tuple[int | None, str]]:
    """The drafts as the file holds them, read as a newer omnitui would (ours refuses to
    open a file of a newer schema)."""
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute("SELECT case_id, text FROM drafts WHERE agent = 'alice'").fetchall()


def test_a_store_upgraded_under_the_console_keeps_the_draft_and_says_to_open_it_again(
        demo_db: Path) -> None:
    """The documented upgrade, with an agent who left their console open: the new version's
    daemon upgrades the store at its start. What the agent typed after it was refused
    ("written by a newer omnitui ... Upgrade omnitui to open it"), and gone once the
    composer was put aside; nothing said that the console should be opened again."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        case_id = queue(app).current_id
        await pilot.press("r", *"Before the upgrade")
        await wait_for(lambda: drafts_in_file(demo_db) == [(case_id, "Before the upgrade")],
                       app, pilot)
        with closing(sqlite3.connect(demo_db)) as newer:  # a newer omnitui's migration
            newer.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
            newer.commit()
        await pilot.press(*", and after it")
        await wait_for(lambda: drafts_in_file(demo_db) == [
            (case_id, "Before the upgrade, and after it")], app, pilot)
        said = [str(note.message) for note in app._notifications]
        assert (f"a newer omnitui upgraded the store while this console ran (schema version "
                f"{SCHEMA_VERSION + 1}; this one knows up to {SCHEMA_VERSION}): quit and "
                "open omnitui again to work with it (your drafts are kept)") in said
        assert not [words for words in said if "not saved" in words]
        await pilot.press("escape", "k")  # put aside, and back
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        assert app.screen.query_one(TextArea).text == "Before the upgrade, and after it"

    drive(demo_db, script)
