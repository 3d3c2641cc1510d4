"""What the config brings to the console: macros on 1 to 9 and m, saved views, remapped keys
(and a clear refusal of unknown binding ids); plus the status bar's health line."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from textual.binding import Binding
from textual.widgets import Static, TextArea

from omnitui.channels.email.parse import parse_email
from omnitui.config import (
    ConfigError,
    CsatSettings,
    HookChannel,
    KbSettings,
    Macro,
    MacroWhen,
    SavedView,
    ServerSettings,
    Settings,
)
from omnitui.daemon.service import Daemon
from omnitui.keymap import KEYS
from omnitui.services.desk import Desk
from omnitui.services.intake import intake_pipeline
from omnitui.store import channel_state
from omnitui.store.db import Store, db_time, utc_now
from omnitui.store.messages import insert_raw
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens.board import BoardScreen
from omnitui.tui.screens.case import CaseScreen
from omnitui.tui.screens.modals import ComposeScreen, ConfirmScreen, PickScreen
from omnitui.tui.screens.queue import QueueScreen
from omnitui.tui.screens.work import WorkScreen
from omnitui.tui.widgets.case_list import CaseList
from tests.channels.test_smtp import free_port
from tests.channels.webhook_clients import (
    SECRETS,
    post_meta,
    post_slack,
    post_telegram,
    slack_message,
    telegram_update,
)
from tests.conftest import make_email, wait_for
from tests.services.test_kb import DOUBLE, EXPORT
from tests.tui.helpers import (
    drive,
    open_case_by_id,
    queue,
    rendered,
    screen_text,
    settle,
    show_view,
)

REFUND = Macro("Refund issued", status="pending", pause_reason="waiting on bank",
               tags=["refund"], assign="me",
               reply="Hello {customer_first_name}, your refund for #{case_id} is on its way.")
SPAM = Macro("Spam", status="solved", tags=["spam"])


def macro_settings() -> Settings:
    return Settings(macros=[REFUND, SPAM],
                    views=[SavedView("my refunds", "owner:me tag:refund status:pending")])


def fields(path: Path, case_id: int) -> tuple:
    with Store(path) as store:
        return store.conn.execute("SELECT status, pause_reason, owner, tags FROM cases"
                                  " WHERE id = ?", (case_id,)).fetchone()


def replies(path: Path, case_id: int) -> int:
    with Store(path) as store:
        return store.conn.execute("SELECT count(*) FROM messages WHERE case_id = ? AND"
                                  " direction = 'out'", (case_id,)).fetchone()[0]


def test_a_macro_with_a_reply_changes_the_case_only_when_the_reply_is_sent(
        demo_db: Path) -> None:
    """Solving by macro, then throwing the reply away, must not leave the customer solved
    and unanswered: the changes and the reply go in together, in one undo, or not at all."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await show_view(app, pilot, "unassigned")  # "assign = me" claims, as `a` does
        case_id = queue(app).current_id
        before, sent_before = fields(demo_db, case_id), replies(demo_db, case_id)
        await pilot.press("1")
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen)
        draft = app.screen.query_one(TextArea).text
        assert draft.startswith("Hello ") and f"#{case_id} is on its way" in draft
        assert fields(demo_db, case_id) == before  # nothing yet
        await pilot.press("escape", "y")  # throw the draft away
        await settle(app, pilot)
        assert fields(demo_db, case_id) == before and replies(demo_db, case_id) == sent_before
        await pilot.press("1")
        await settle(app, pilot)
        await pilot.press("ctrl+j")
        await settle(app, pilot)
        assert fields(demo_db, case_id)[:3] == ("pending", "waiting on bank", "alice")
        assert replies(demo_db, case_id) == sent_before + 1
        with Store(demo_db) as store:  # pending stops the clocks, as `omnitui macro` does:
            # only a target late already stays due, when it was
            due = store.conn.execute("SELECT sla_due FROM cases WHERE id = ?",
                                     (case_id,)).fetchone()[0]
            state = app.sla.state(store.conn, case_id, utc_now())
        assert state is not None and all(t["state"] in ("paused", "breached", "met",
                                                        "met late") for t in state["targets"])
        late = [t["due"] for t in state["targets"] if t["state"] == "breached"]
        assert due == (min(late) if late else None)
        await show_view(app, pilot, "my refunds")
        assert list(queue(app).ids) == [case_id]
        await pilot.press("u")
        await settle(app, pilot)
        assert fields(demo_db, case_id) == before and replies(demo_db, case_id) == sent_before

    drive(demo_db, script, macro_settings())


def test_a_macro_reply_sent_twice_is_refused_in_words_with_the_text_kept(
        demo_db: Path) -> None:
    """The second send of a macro's reply still unsent in the outbox is refused: the refusal
    reached the console as a traceback, which closed it."""
    ack = Macro("Ack", reply="Hello, we are on it.")

    async def script(app: OmnituiApp, pilot: object) -> None:
        case_id = queue(app).current_id
        sent_before = replies(demo_db, case_id)
        for _ in range(2):
            await pilot.press("1")
            await settle(app, pilot)
            await pilot.press("ctrl+j")
            await settle(app, pilot)
        assert replies(demo_db, case_id) == sent_before + 1
        assert isinstance(app.screen, ComposeScreen)  # the text back, to change or drop
        assert app.screen.query_one(TextArea).text == "Hello, we are on it."
        assert "already queued this reply" in screen_text(app)

    drive(demo_db, script, Settings(macros=[ack]))


def test_a_macro_that_solves_from_the_composer_asks_the_survey(demo_db: Path) -> None:
    """Sent from the console, a macro's solve asked no survey: `omnitui macro` did."""
    solve = Macro("Refund done", status="solved", reply="Hello, the refund is done.")
    settings = Settings(macros=[solve], csat=CsatSettings(enabled=True))

    async def script(app: OmnituiApp, pilot: object) -> None:
        case_id = queue(app).current_id
        await pilot.press("1")
        await settle(app, pilot)
        await pilot.press("ctrl+j")
        await settle(app, pilot)
        assert fields(demo_db, case_id)[0] == "solved"
        with Store(demo_db) as store:
            assert store.conn.execute("SELECT count(*) FROM audit WHERE case_id = ? AND"
                                      " action = 'csat.asked'", (case_id,)).fetchone()[0] == 1

    drive(demo_db, script, settings)


def test_macro_picker_previews_and_applies_to_marked_cases(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        await show_view(app, pilot, "unassigned")
        first = queue(app).current_id
        await pilot.press("space", "space")
        marked = sorted(queue(app).marked)
        assert first in marked and len(marked) == 2
        await pilot.press("m")
        await settle(app, pilot)
        assert isinstance(app.screen, PickScreen)
        text = screen_text(app)
        assert "Refund issued" in text and "status → pending" in text
        assert "drafts this reply" in text and "on its way" in text
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)  # one reply per marked case?
        await pilot.press("y")
        await settle(app, pilot)
        with Store(demo_db) as store:
            replies = store.conn.execute(
                "SELECT m.case_id, m.text FROM outbox o JOIN messages m ON m.id = o.message_id"
                " WHERE m.auto_submitted IS NULL ORDER BY m.case_id").fetchall()  # (not the
        assert [r[0] for r in replies] == marked  # demo's satisfaction surveys)
        assert all(f"#{case_id} is on its way" in text for case_id, text in replies)
        assert all(fields(demo_db, c)[0] == "pending" for c in marked)

    drive(demo_db, script, macro_settings())


def test_a_macro_does_not_take_a_case_another_agent_holds(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        await show_view(app, pilot, "all open")
        cases = queue(app)
        while fields(demo_db, cases.current_id)[2] in (None, "alice"):
            await pilot.press("j")
        case_id = cases.current_id
        before = fields(demo_db, case_id)
        await pilot.press("1")
        await settle(app, pilot)
        await pilot.pause(0.2)
        assert fields(demo_db, case_id) == before  # nothing of the macro applied
        assert f"is already {before[2]}'s" in screen_text(app)

    drive(demo_db, script, macro_settings())


def test_a_missing_macro_number_says_how_to_add_one(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("7")
        await settle(app, pilot)
        await pilot.pause(0.2)  # the toast takes a frame or two to appear
        assert "no macro 7" in screen_text(app)

    drive(demo_db, script, Settings(macros=[REFUND, SPAM]))  # (its saved view is empty: no
    # case to act on)


def test_saved_views_come_first_and_filter(demo_db: Path) -> None:
    settings = Settings(views=[SavedView("email, by SLA", "channel:email", sort="sla")])

    async def script(app: OmnituiApp, pilot: object) -> None:
        assert app.queue.view.name == "email, by SLA"
        with Store(demo_db) as store:
            expected = store.conn.execute(
                "SELECT count(*) FROM cases WHERE channel = 'email'"  # by SLA: every case
                " AND status IN ('new','open','pending','on_hold')").fetchone()[0]
        assert len(queue(app).ids) == expected > 0
        assert "email, by SLA" in screen_text(app)

    drive(demo_db, script, settings)


def test_the_status_bar_shows_daemon_and_channel_health(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        assert "daemon: never started" in screen_text(app)
        now = db_time(utc_now())
        with Store(demo_db) as daemon, daemon.write() as conn:
            channel_state.heartbeat(conn, pid=123, host="srv", at=now, started_at=now)
            channel_state.record_sync(conn, "email", "support", at=now, backlog=42)
            channel_state.record_error(conn, "telegram", "", "401 Unauthorized", at=now)
            insert_raw(conn, "email", "support", make_email(), now, pending=True)
        app.refresh_health()
        await settle(app, pilot)
        text = str(app.queue.health)  # all of it; the bar keeps to one line
        assert "daemon: running" in text and "email/support ✓" in text
        assert "42 behind" in text and "telegram ✗ 401 Unauthorized" in text
        assert "1 received, being filed" in text  # fetched, safe, not on a case yet
        bar = app.queue.query_one("#status-bar", Static)
        assert bar.region.height == 1 and "telegram ✗ 401 Unauthorized" in str(bar.content)
        with Store(demo_db) as daemon, daemon.write() as conn:  # more than the bar holds:
            for n in range(4):  # the channels that work are counted, problems named
                channel_state.record_sync(conn, "email", f"mailbox-number-{n}", at=now)
        app.refresh_health()
        await settle(app, pilot)
        shown = str(bar.content)
        assert bar.region.height == 1  # the rows kept: not a line a channel
        assert "4 channels ✓ · telegram ✗ 401 Unauthorized · email/support ✓, 42" in shown
        assert "mailbox-number" not in shown  # (the failure first, then the backlog)

    drive(demo_db, script)


def test_refused_requests_show_in_the_status_bar_while_they_go_on(demo_db: Path) -> None:
    """The bar counted every request a webhook ever refused: one forged request a month
    ago (as any public endpoint gets) kept "tg/ ✓, 3 refused" there for good, and the
    channel out of those that work. Now it shows the refusals of late, and when the last
    came; doctor keeps the total."""
    now = utc_now()
    with Store(demo_db) as daemon, daemon.write() as conn:
        channel_state.record_sync(conn, "webhook", "tg", at=db_time(now))
        channel_state.record_rejected(conn, "webhook", "tg", 3,
                                      at=db_time(now - timedelta(days=30)))

    async def script(app: OmnituiApp, pilot: object) -> None:
        assert str(app.queue.health).endswith("s ago")  # "webhook/tg ✓ synced 1s ago"
        assert "refused" not in str(app.queue.health)
        with Store(demo_db) as daemon, daemon.write() as conn:
            for minutes_ago in (10, 2):
                channel_state.record_rejected(conn, "webhook", "tg", 1,
                                              at=db_time(now - timedelta(minutes=minutes_ago)))
        app.refresh_health()
        await settle(app, pilot)
        assert str(app.queue.health).endswith("ago, 2 refused, last 2m ago")

    drive(demo_db, script)
    doctor = subprocess.run([sys.executable, "-m", "omnitui", "--db", str(demo_db), "doctor"],
                            capture_output=True, text=True, stdin=subprocess.DEVNULL,
                            timeout=60, env={**os.environ, "COLUMNS": "200"})
    assert "5 requests refused as unsigned, forged or replayed, the last" in doctor.stdout


def test_a_reply_channel_failing_leads_the_status_bar_at_80_columns(tmp_path: Path) -> None:
    """Every webhook channel had refused a forged request (as any public endpoint does), so
    none was counted among those that work; the outbound channel that could not reach
    Telegram came last, cut off the bar, and the agent saw replies "queued" with no sign
    that nothing could go out."""
    db, port = tmp_path / "s.db", free_port()
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens: the platform unreachable
    settings = Settings(server=ServerSettings(listen=f"127.0.0.1:{port}"), channels=[
        HookChannel("tg", "telegram", secret=SECRETS["tg"], token="123:tok", api_base=down),
        HookChannel("slack", "slack", secret=SECRETS["slack"], token="xoxb-1", api_base=down),
        HookChannel("meta", "meta", secret=SECRETS["meta"], token="EAA1", api_base=down,
                    verify_token=SECRETS["verify"])])
    daemon = Daemon(db, settings)
    daemon.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            assert post_telegram(client, telegram_update(), secret="forged").status_code == 403
            assert post_slack(client, slack_message(), secret="forged").status_code == 403
            assert post_meta(client, b"{}", secret="forged").status_code == 403
            assert post_telegram(client, telegram_update("my order?")).status_code == 200
        assert wait_for(lambda: case_ids(db), 10)
        with Store(db) as store:
            Desk(store, "alice").write(case_ids(db)[0], "reply", "It left the depot today.")
        assert wait_for(lambda: webhook_out_failing(db), 10)
    finally:
        daemon.shutdown()

    async def script(app: OmnituiApp, pilot: object) -> None:
        shown = str(app.queue.query_one("#status-bar", Static).content)
        assert "webhook-out/tg ✗ cannot r" in shown

    drive(db, script, settings, size=(80, 24))


def test_saving_a_chat_photo_says_the_platform_keeps_it(tmp_path: Path) -> None:
    """`s` on a Telegram photo, shown as "[photo: ...] (telegram file ...)", said "this
    message has no attachments": the file looked lost, not kept by Telegram."""
    db, port = tmp_path / "s.db", free_port()
    settings = Settings(server=ServerSettings(listen=f"127.0.0.1:{port}"), channels=[
        HookChannel("tg", "telegram", secret=SECRETS["tg"], token="123:tok")])
    daemon = Daemon(db, settings)
    daemon.start()
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            photo = telegram_update(caption="the box", photo=[
                {"file_id": "AgAD1", "file_size": 9000, "width": 1280, "height": 960}])
            assert post_telegram(client, photo).status_code == 200
        assert wait_for(lambda: case_ids(db), 10)
    finally:
        daemon.shutdown()

    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_case_by_id(app, pilot, case_ids(db)[0])
        assert "(telegram file AgAD1)" in screen_text(app)
        await pilot.press("s")
        await settle(app, pilot)
        assert "files sent on telegram stay on the platform" in screen_text(app)

    drive(db, script, settings)


def case_ids(db: Path) -> list[int]:
    with Store(db) as store:
        return [row[0] for row in store.conn.execute("SELECT id FROM cases")]


def webhook_out_failing(db: Path) -> bool:
    with Store(db) as store:
        return any(state.failing and state.channel == "webhook-out"
                   for state in channel_state.channel_states(store.conn))


def test_an_unknown_keymap_id_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"keymap\.case\.slove is not a console binding id"):
        OmnituiApp(tmp_path / "x.db", Settings(keymap={"case.slove": "f9"}), "alice")
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"queue.dwon" = "n"\n')
    result = subprocess.run([sys.executable, "-m", "omnitui", "--config", str(config),
                             "--db", str(tmp_path / "x.db")], capture_output=True, text=True,
                            stdin=subprocess.DEVNULL, timeout=60)
    assert result.returncode == 2
    assert "queue.dwon" in result.stderr and "Traceback" not in result.stderr
    doctor = subprocess.run([sys.executable, "-m", "omnitui", "--config", str(config),
                             "--db", str(tmp_path / "x.db"), "doctor"], capture_output=True,
                            text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert doctor.returncode == 2  # doctor refuses what the console would refuse
    assert "queue.dwon is not a console binding id" in doctor.stderr


def test_a_key_another_binding_has_where_both_work_is_refused(tmp_path: Path) -> None:
    """`queue.down = "n"`: n went on finding the next search hit and down had no key, with
    no word; given another key too, the other one lets it go."""
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"queue.down" = "n"\n')
    result = subprocess.run([sys.executable, "-m", "omnitui", "--config", str(config),
                             "--db", str(tmp_path / "x.db"), "doctor"], capture_output=True,
                            text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert ("keymap.queue.down: 'n' is queue.search_next's key in the queue (Next search "
            "hit): give that one another key too, or choose a free one") in result.stderr
    OmnituiApp(tmp_path / "x.db", Settings(keymap={"queue.down": "n",
                                                   "queue.search_next": "ctrl+n"}), "alice")


def test_a_key_typed_as_its_character_clashes_as_textual_names_it() -> None:
    """`queue.down = "?"` passed the check: Textual calls "?" question_mark, help's key."""
    import string

    from textual.keys import _character_to_key

    from omnitui.keymap import key_name, keymap_problem

    assert [key_name(c) for c in string.printable] == [_character_to_key(c)
                                                       for c in string.printable]
    assert "is app.help's key in the queue" in (keymap_problem({"queue.down": "?"}) or "")


def test_every_key_in_the_table_is_bound_and_every_binding_is_in_it() -> None:
    """The key table (Textual-free, read by the config loader) and the console agree."""
    owners = (OmnituiApp, WorkScreen, QueueScreen, CaseList, CaseScreen, ComposeScreen,
              BoardScreen)
    bound = {b.id for owner in owners for b in vars(owner)["BINDINGS"]
             if isinstance(b, Binding) and b.id}
    assert bound == {key.id for key in KEYS}


def test_help_lists_writing_timeline_and_macro_bindings(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("question_mark")
        await settle(app, pilot)
        text = rendered(app.screen.query_one("#text", Static).content)
        for binding_id in ("case.reply", "case.forward", "composer.send", "composer.editor",
                           "message.raw", "message.move", "macro.1", "macro.pick",
                           "case.snooze", "customer.link", "timeline.down"):
            assert binding_id in text
        assert "f9" in text  # the remapped key is the one listed
        assert "Macro 1: Double charge" in text  # by its name, as the palette says it
        assert "macro.2" not in text  # no second macro: no key for one

    drive(demo_db, script, Settings(keymap={"case.solved": "f9"},
                                    macros=[Macro(name="Double charge")]))


def test_a_macro_sent_to_marked_cases_keeps_the_agents_own_drafts(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        await show_view(app, pilot, "unassigned")
        first = queue(app).current_id
        await pilot.press("r", *"my own words")
        for _ in range(100):  # kept a second or so behind the typing
            await pilot.pause(0.05)
            with Store(demo_db) as store:
                if store.conn.execute("SELECT text FROM drafts WHERE agent != ''"
                                      ).fetchall() == [("my own words",)]:
                    break
        app.pop_screen()  # the composer goes away unsent; the draft stays kept
        await settle(app, pilot)
        await pilot.press("space", "space", "1", "y")
        await settle(app, pilot)
        with Store(demo_db) as store:
            kept = store.conn.execute("SELECT case_id, text FROM drafts WHERE agent != ''"
                                      ).fetchall()  # the demo's playbook left one too
        assert kept == [(first, "my own words")]

    drive(demo_db, script, macro_settings())


def test_a_macro_whose_when_fits_is_suggested_on_the_case_and_first_in_the_picker(
        demo_db: Path) -> None:
    with Store(demo_db) as store:
        case_id = intake_pipeline(store, Settings()).ingest(parse_email(make_email(
            "new.customer@example.com", subject="Refund please",
            body="I was charged twice for my order."))).case_id
    apology = Macro("Double charge", tags=["refund"], run="suggest",
                    when=MacroWhen(text="(?i)charged twice"))

    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_case_by_id(app, pilot, case_id)
        assert isinstance(app.screen, CaseScreen) and app.screen.detail.case.id == case_id
        assert "m: suggested — Double charge" in screen_text(app)
        await pilot.press("m")
        await settle(app, pilot)
        assert isinstance(app.screen, PickScreen)
        lines = [line for line in screen_text(app).splitlines() if "Spam" in line
                 or "Double charge (" in line or "Refund issued" in line]
        assert "3 Double charge (suggested)" in lines[0]  # first, its key kept
        assert "1 Refund issued" in lines[1] and "2 Spam" in lines[2]

    drive(demo_db, script, Settings(macros=[REFUND, SPAM, apology]))


def test_the_case_shows_its_articles_and_ctrl_g_inserts_one_in_the_reply(
        demo_db: Path, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "double-charge.md").write_text(DOUBLE)
    (folder / "export-pdf.md").write_text(EXPORT)
    with Store(demo_db) as store:
        case_id = intake_pipeline(store, Settings()).ingest(parse_email(make_email(
            "new.customer@example.com", subject="Charged twice",
            body="You charged my card twice for one order."))).case_id

    async def script(app: OmnituiApp, pilot: object) -> None:
        await open_case_by_id(app, pilot, case_id)
        assert "kb: Charged twice for one order" in screen_text(app)
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen)
        await pilot.press("ctrl+g")  # one suggested: it goes in where the cursor is
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen)
        text = app.screen.query_one(TextArea).text
        assert "https://help.example.com/kb/double-charge" in text

    drive(demo_db, script, Settings(kb=KbSettings(path=str(folder),
                                                  base_url="https://help.example.com/kb")))


def test_a_daemon_killed_on_this_machine_reads_stopped_at_once(demo_db: Path) -> None:
    """Killed, it wrote nothing more: its row said "running" for 80 s, its heartbeat young."""
    import socket

    async def script(app: OmnituiApp, pilot: object) -> None:
        now = db_time(utc_now())
        with Store(demo_db) as daemon, daemon.write() as conn:  # its row, its lock not held
            channel_state.heartbeat(conn, pid=123, host=socket.gethostname(), at=now,
                                    started_at=now)
        app.refresh_health()
        await settle(app, pilot)
        assert "daemon: stopped" in str(app.queue.health)

    drive(demo_db, script)
