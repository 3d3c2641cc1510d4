"""The case screen: the customer's whole timeline, folded quotes, raw source, saving
attachments, moving a message, the customer pane, linking customers, snooze."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import Input

from omnitui.channels.email.parse import parse_email
from omnitui.config import Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.services.actions import set_status
from omnitui.services.desk import Desk
from omnitui.store.db import Store, utc_now
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens import queue as queue_module
from omnitui.tui.screens.case import CaseScreen
from omnitui.tui.screens.modals import AskScreen, ConfirmScreen, PickScreen, TextScreen
from tests.conftest import ago, chat_event, make_email
from tests.tui.helpers import drive, queue, screen_text, settle, show_view

QUOTED = ("It still fails.\n\nOn Mon, 2 Nov 2026 at 10:00, Support wrote:\n"
          "> Please restart the router.\n> It usually helps.\n")


@pytest.fixture
def history_db(tmp_path: Path) -> Path:
    """Ann: an old solved case on Telegram, then an email case with a quoted reply and an
    attachment (known to be one person); Zed: someone else."""
    path = tmp_path / "history.db"
    with Store(path) as store:
        pipeline = Pipeline(store, Settings())
        old = pipeline.ingest(chat_event("telegram", "4242", "Is my order shipped?",
                                         name="Ann Lee", at=ago(days=3)))
        with store.write() as conn:
            set_status(conn, old.case_id, "solved", actor="bob", at=utc_now())
        new = pipeline.ingest(parse_email(make_email(
            subject="Router", body=QUOTED, attachment=("log.txt", b"router log\n"))))
        Desk(store, "bob").merge_customers(old.customer_id, new.customer_id)  # one person
        pipeline.ingest(parse_email(make_email(sender="zed@example.com", name="Zed",
                                               subject="Unrelated")))
    return path


async def open_case_of(app: OmnituiApp, pilot: object, subject: str) -> CaseScreen:
    wanted = app.store.conn.execute("SELECT id FROM cases WHERE subject = ?",
                                    (subject,)).fetchone()[0]
    cases = queue(app)
    for _ in range(len(cases.ids)):
        if cases.current_id == wanted:
            break
        await pilot.press("j")  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(app, pilot)
    assert isinstance(app.screen, CaseScreen) and app.screen.detail.case.subject == subject
    return app.screen


def test_timeline_spans_channels_and_folds_quotes(history_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        screen = await open_case_of(app, pilot, "Router")
        text = screen_text(app)
        assert "Is my order shipped?" in text and "case #1" in text  # the older case, too
        assert "telegram" in text and "email" in text
        assert "It still fails." in text and "Please restart the router" not in text
        assert "quoted history" in text
        assert screen.current_message is not None and "It still fails" in \
            screen.current_message.text  # the newest message of this case is highlighted
        await pilot.press("T")
        await settle(app, pilot)
        assert "Please restart the router" in screen_text(app)
        # the customer pane: identities across channels, other open cases
        assert "ann@example.com" in text and "Customer" in text
        await pilot.press("k")
        await settle(app, pilot)
        assert "Is my order shipped" in screen.current_message.text
        await pilot.press("T")  # nothing quoted in it: said, where the key did nothing
        await settle(app, pilot)
        assert "this message has no quoted history or signature to show" in screen_text(app)

    drive(history_db, script)


def test_raw_source_and_saving_attachments(history_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "saved"
    folder.mkdir()

    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_case_of(app, pilot, "Router")
        await pilot.press("V")
        await settle(app, pilot)
        assert isinstance(app.screen, TextScreen)
        raw = screen_text(app)
        assert "Message-ID:" in raw and "Subject: Router" in raw
        await pilot.press("escape", "s")
        await settle(app, pilot)
        box = app.screen.query_one(Input)
        box.value = str(folder)
        await pilot.press("enter")
        await settle(app, pilot)
        assert (folder / "log.txt").read_bytes() == b"router log\n"

    drive(history_db, script)


def test_an_outlook_winmail_dat_says_what_to_ask_the_customer(tmp_path: Path) -> None:
    """Outlook's rich text arrives as winmail.dat, an opaque file nobody here can open
    (no reader of it with a licence the project can take): the agent is told what to ask."""
    path = tmp_path / "winmail.db"
    raw = (b"From: Ann Lee <ann@example.com>\nTo: support@example.com\nSubject: Contract\n"
           b"Message-ID: <tnef-1@example.com>\nDate: Mon, 07 Dec 2026 09:00:00 +0000\n"
           b'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n'
           b"\nSee the contract attached.\n--b\nContent-Type: application/ms-tnef;"
           b' name="winmail.dat"\nContent-Transfer-Encoding: base64\n\neJ8+IgEGkAgABAAA\n--b--\n')
    with Store(path) as store:
        Pipeline(store, Settings()).ingest(parse_email(raw))

    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_case_of(app, pilot, "Contract")
        text = screen_text(app)
        assert "See the contract attached." in text
        assert "attachment: winmail.dat (application/ms-tnef, 12 B)" in text
        assert "Outlook winmail.dat: ask the customer to resend without rich text" in text

    drive(path, script)


def test_move_a_message_out_and_back_with_undo(history_db: Path) -> None:
    with Store(history_db) as store:  # (all of a case is merged, not split off)
        pipeline = Pipeline(store, Settings())
        pipeline.ingest(parse_email(make_email(subject="Re: Router", body="Still down.",
                                               headers={"In-Reply-To": "<x@y>"})))

    async def script(app: OmnituiApp, pilot: object) -> None:
        screen = await open_case_of(app, pilot, "Router")
        case_id = screen.detail.case.id
        moved = screen.current_message
        assert moved is not None
        await pilot.press("X")
        await settle(app, pilot)
        await pilot.press("enter")  # the default: split off into a new case
        await settle(app, pilot)
        with Store(history_db) as store:
            moved_to = store.conn.execute("SELECT case_id, thread_rule FROM messages WHERE"
                                          " id = ?", (moved.id,)).fetchone()
        assert moved_to[0] != case_id and moved_to[1] == "split-off"
        await pilot.pause(0.3)  # type: ignore[attr-defined]  # still the customer's, on
        [shown] = [box.message for box in screen.boxes if box.message.id == moved.id]
        assert shown.case_id == moved_to[0]  # its own case now, as the screen shows it
        await pilot.press("u")
        await settle(app, pilot)
        with Store(history_db) as store:
            assert store.conn.execute("SELECT case_id FROM messages WHERE id = ?",
                                      (moved.id,)).fetchone()[0] == case_id

    drive(history_db, script)


def test_moving_a_message_into_another_customers_case_asks_first(history_db: Path) -> None:
    """A case number mistyped by a digit put one customer's words in a stranger's case."""
    with Store(history_db) as store:
        zeds = store.conn.execute("SELECT id FROM cases WHERE subject = 'Unrelated'"
                                  ).fetchone()[0]

    def router_case() -> int:
        with Store(history_db) as store:
            return store.conn.execute("SELECT case_id FROM messages WHERE subject = 'Router'"
                                      ).fetchone()[0]

    async def script(app: OmnituiApp, pilot: object) -> None:
        screen = await open_case_of(app, pilot, "Router")
        await pilot.press("X")
        await settle(app, pilot)
        await pilot.press("ctrl+u", *"999999", "enter")  # no such case: said, kept, open
        await settle(app, pilot)
        assert isinstance(app.screen, AskScreen) and "there is no case 999999" in \
            screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        for answer in ("n", "y"):
            await pilot.press("X")
            await settle(app, pilot)
            await pilot.press("ctrl+u", *str(zeds), "enter")
            await settle(app, pilot)
            assert isinstance(app.screen, ConfirmScreen)
            assert f"Case #{zeds} is Zed's, another customer's" in screen_text(app)
            emptied = screen.detail.case.id  # its only message: the case closes, and says so
            assert f"It is all of case #{emptied}, which is then closed as merged there." \
                in screen_text(app)
            await pilot.press(answer)
            await settle(app, pilot)
            assert router_case() == (screen.detail.case.id if answer == "n" else zeds)
        assert (f"message moved to case #{zeds}; #{emptied}, left empty, is closed as merged "
                f"into #{zeds} (u takes it back)") in [str(n.message)
                                                      for n in app._notifications]
        assert isinstance(app.screen, CaseScreen) and app.screen.detail.case.id == zeds  # its
        # keys replied on the closed case: the screen goes where its message went

    drive(history_db, script)


def test_link_an_address_then_merge_a_customer_with_undo(history_db: Path) -> None:
    def identities(customer: str) -> list[tuple[str, str]]:
        with Store(history_db) as store:
            return store.conn.execute(
                "SELECT i.kind, i.value FROM identities i JOIN customers c ON c.id ="
                " i.customer_id WHERE c.name = ? AND c.merged_into IS NULL ORDER BY i.id",
                (customer,)).fetchall()

    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_case_of(app, pilot, "Router")
        await pilot.press("L")
        await settle(app, pilot)
        if isinstance(app.screen, PickScreen):  # suggestions first; the last entry types
            await pilot.press("end", "enter")
            await settle(app, pilot)
        await pilot.press(*"+44 20 7946 0958", "enter")
        await settle(app, pilot)
        assert ("phone", "+442079460958") in identities("Ann Lee")
        assert "+442079460958" in screen_text(app)  # the customer pane shows it
        await pilot.press("L")
        await settle(app, pilot)
        if isinstance(app.screen, PickScreen):
            await pilot.press("end", "enter")
            await settle(app, pilot)
        await pilot.press(*"zed@example.com", "enter")
        await settle(app, pilot)
        assert "Merge customer" in screen_text(app)
        await pilot.press("y")
        await settle(app, pilot)
        assert ("email", "zed@example.com") in identities("Ann Lee")
        await pilot.press("u")
        await settle(app, pilot)
        assert identities("Zed") == [("email", "zed@example.com")]

    drive(history_db, script)


def test_snooze_hides_the_case_until_its_time(history_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        before = len(cases.ids)
        snoozed = cases.current_id
        await pilot.press("z")
        await settle(app, pilot)
        assert "tomorrow 9:00" in screen_text(app)
        assert "wake up now" not in screen_text(app)  # it is awake: it said "woken up"
        await pilot.press("enter")  # 1 hour
        await settle(app, pilot)
        assert len(cases.ids) == before - 1 and snoozed not in cases.ids
        await show_view(app, pilot, "snoozed")
        assert list(cases.ids) == [snoozed]
        await pilot.press("z", "end", "enter")  # wake up now
        await settle(app, pilot)
        assert list(cases.ids) == []
        await show_view(app, pilot, "all open")
        assert snoozed in cases.ids

    drive(history_db, script)


def test_the_demos_live_example_shows_its_draft_and_the_cases_solved_before(
        demo_db: Path) -> None:
    """The seeds' example in the demo: the playbook's private apology waits as a draft the
    case names, and the charged-twice cases the team solved before are listed (found in a
    worker thread, drawn once found)."""
    with Store(demo_db) as store:
        [(case_id,)] = store.conn.execute(
            "SELECT c.id FROM cases c JOIN customers cu ON cu.id = c.customer_id"
            " WHERE cu.name = 'Maya Schneider'").fetchall()

    async def script(app: OmnituiApp, pilot: object) -> None:
        app.open_case(case_id)
        await settle(app, pilot)
        text = screen_text(app)
        assert "drafted: private answer (D) by Double charge" in text
        assert "solved before (# opens one): #" in text
        screen = app.screen
        assert isinstance(screen, CaseScreen) and screen.similar
        assert all("charged twice" in c.text.lower() for c in screen.similar)

    drive(demo_db, script)


def test_resting_on_a_row_finds_its_similar_cases_before_the_case_opens(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The queue looks up the solved cases like the one under its cursor while the agent
    reads the row, so the case opens with them in its first paint (no lookup of its own)."""
    monkeypatch.setattr(queue_module, "QUIET_START", 0)  # (the console's start is over)
    with Store(demo_db) as store:
        [(case_id,)] = store.conn.execute(
            "SELECT c.id FROM cases c JOIN customers cu ON cu.id = c.customer_id"
            " WHERE cu.name = 'Maya Schneider'").fetchall()

    async def script(app: OmnituiApp, pilot: object) -> None:
        assert queue(app).move_to_case(case_id)
        assert app.similar_cases.known(case_id) is None
        await pilot.pause(0.3)  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert app.similar_cases.known(case_id)
        app.open_case(case_id)
        await pilot.pause()  # type: ignore[attr-defined]
        screen = app.screen
        assert isinstance(screen, CaseScreen) and screen.similar
        assert not [w for w in app.workers if w.group == "similar" and w.node is screen]
        assert "solved before (# opens one): #" in screen_text(app)

    drive(demo_db, script)


def test_a_long_message_reads_from_its_top_and_pages_like_a_pager(tmp_path: Path) -> None:
    """The newest message, 60 lines long, opened at its end; g, G, space and ctrl+d did
    nothing, and paging moved the view but not the highlight (the next j jumped back)."""
    path = tmp_path / "long.db"
    with Store(path) as store:
        pipeline = Pipeline(store, Settings())
        pipeline.ingest(chat_event("telegram", "7", "First, a short question.", at=ago(hours=3)))
        long_text = "\n".join(f"Paragraph line {n}" for n in range(1, 61))
        pipeline.ingest(chat_event("telegram", "7", long_text, at=ago(hours=1)))

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen)
        shown = screen_text(app)  # its top, to read down
        assert "Paragraph line 2 " in shown and "Paragraph line 60" not in shown
        last = len(screen.boxes) - 1
        assert screen.current == last
        await pilot.press("space")
        await settle(app, pilot)
        assert "Paragraph line 30" in screen_text(app) and screen.current == last
        await pilot.press("g")
        await settle(app, pilot)
        assert screen.current == 0 and "First, a short question." in screen_text(app)
        await pilot.press("G")
        await settle(app, pilot)
        assert screen.current == last

    drive(path, script)


def test_the_customer_pane_keeps_the_current_message_in_view(tmp_path: Path) -> None:
    """C narrowed the timeline, its messages rewrapped, and the view was left ten days
    away from the message the agent had selected."""
    from textual.containers import VerticalScroll

    path = tmp_path / "many.db"
    with Store(path) as store:
        pipeline = Pipeline(store, Settings())
        for n in range(12):
            words = " ".join(["a long line that wraps when the pane takes its width"] * 4)
            pipeline.ingest(chat_event("telegram", "7", f"Message {n}: {words}",
                                       at=ago(hours=30 - n)))

    async def run() -> None:  # 80 columns: the pane comes in on C and narrows the timeline
        app = OmnituiApp(path, Settings(), "alice")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            await pilot.press("enter")
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, CaseScreen)
            await pilot.press("k", "k", "k", "C")
            await settle(app, pilot)
            await pilot.pause(0.3)
            box = screen.boxes[screen.current]
            view = screen.query_one("#timeline", VerticalScroll).content_region
            assert box.region.y < view.bottom and box.region.bottom > view.y  # in view

    asyncio.run(run())


def test_a_merge_always_asks_and_no_goes_back_with_what_was_typed(history_db: Path) -> None:
    """Enter on a suggested merge merged two customers at once; "n" to a typed one closed
    the dialog and lost the address typed."""
    from omnitui.store import customers
    from omnitui.store.db import db_time

    with Store(history_db) as store, store.write() as conn:
        ann, zed = (conn.execute("SELECT customer_id FROM cases WHERE subject = ?", (subject,))
                    .fetchone()[0] for subject in ("Router", "Unrelated"))
        customers.add_suggestion(conn, kind="merge_customers", source_id=zed, target_id=ann,
                                 confidence=0.6, evidence="same order: A1", message_id=None,
                                 now=db_time(utc_now()))

    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_case_of(app, pilot, "Router")
        await pilot.press("L")
        await settle(app, pilot)
        await pilot.press("enter")  # the suggestion
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen) and "Merge customer #" in screen_text(app)
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, PickScreen)  # back to the suggestions
        await pilot.press("end", "enter", *"zed@example.com", "enter")
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, AskScreen)
        assert app.screen.query_one(Input).value == "zed@example.com"
        await pilot.press("escape")
        with Store(history_db) as store:
            assert store.conn.execute("SELECT merged_into FROM customers WHERE id = ?",
                                      (zed,)).fetchone() == (None,)

    drive(history_db, script)


def test_a_long_routing_story_is_cut_at_a_word(history_db: Path) -> None:
    """At 80 columns the story read "routed: …tent presales, says 'team plan' → …" and
    "…6}\\b/ ('A731162') → to erin": cut mid-word, mid-pattern. Too long, the notes go
    first, then the queue's reason is cut at a word, the owner's kept whole."""
    from rich.text import Text

    from omnitui.tui.screens.case import _Story
    from tests.tui.helpers import rendered

    decisions = [Text("billing: intent billing, says 'charged twice'"),
                 Text("to erin: skill billing, 3/8 open, idle 14 min")]
    notes = [Text("escalated (first response at risk: 4m left)")]
    for width, shown in (
            (150, "billing: intent billing, says 'charged twice' → to erin: skill billing, 3/8"
                  " open, idle 14 min · escalated (first response at risk: 4m left)"),
            (110, "billing: intent billing, says 'charged twice' → to erin: skill billing, 3/8"
                  " open, idle 14 min"),
            (80, "billing: intent… → to erin: skill billing, 3/8 open, idle 14 min"),
            (50, "billing: intent… → to erin: skill…")):
        line = rendered(_Story(Text("routed: "), decisions, notes), width).strip()
        assert line == f"routed: {shown}", line


def test_the_row_the_console_opens_on_is_looked_up_after_its_start(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first look-up loads the semantic model, a second or two of the interpreter's
    lock: at start it fell on the agent's first keys, and a filter typed then took seconds
    to show. The row the queue opens on is looked up once the start is over."""
    monkeypatch.setattr(queue_module, "QUIET_START", 3.0)

    async def script(app: OmnituiApp, pilot: object) -> None:
        first = queue(app).current_id
        await pilot.pause(0.4)  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert first is not None and app.similar_cases.known(first) is None
        await pilot.pause(3.0)  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert app.similar_cases.known(first) is not None

    drive(demo_db, script)


def test_typing_a_filter_looks_up_no_row_until_the_list_has_the_keys(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rows under the cursor change with every key typed in the search box: none is
    looked up then (each competed with the next key); enter gives the list the keys, and
    the row under the cursor is looked up."""
    monkeypatch.setattr(queue_module, "QUIET_START", 0)

    async def script(app: OmnituiApp, pilot: object) -> None:
        before = queue(app).current_id
        await pilot.press("slash", *"refund")  # type: ignore[attr-defined]
        await pilot.pause(0.4)  # type: ignore[attr-defined]
        await settle(app, pilot)
        found = queue(app).current_id
        assert found is not None and found != before
        assert app.similar_cases.known(found) is None
        await pilot.press("enter")  # type: ignore[attr-defined]
        await pilot.pause(0.4)  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert app.similar_cases.known(found) is not None

    drive(demo_db, script)


def test_a_case_closed_before_its_layout_came_leaves_the_console_running(
        demo_db: Path) -> None:
    """The timeline's highlight waits for the layout (`call_after_refresh`): a case left
    at once (F2 right after it opened, on a loaded machine) had lost its timeline by then,
    and the console ended in a traceback (NoMatches '#timeline')."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        first = queue(app).current_id
        for _ in range(3):
            app.open_case(first)
            await pilot.pause(0)  # type: ignore[attr-defined]
            app.screen.action_toggle_customer()  # type: ignore[attr-defined]
            app.pop_screen()
            await pilot.pause(0.2)  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert app.is_running and not isinstance(app.screen, CaseScreen)

    drive(demo_db, script)
