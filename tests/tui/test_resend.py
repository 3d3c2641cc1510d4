"""A reply that failed for good, in the console: its author is told once, the key bar offers
the resend on it alone, and a reply goes where the customer last wrote (Pilot, real store)."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Select

from omnitui.config import Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.services.desk import Desk
from omnitui.store import outbox
from omnitui.store.db import Store, db_time, utc_now
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens.case import CaseScreen
from omnitui.tui.screens.modals import ComposeScreen
from omnitui.tui.widgets.key_bar import KeyBar
from tests.services.test_outbound import ingest_email
from tests.services.test_resend import REFUSED, failed_reply, telegram_case_then_sms
from tests.tui.helpers import drive, screen_text, settle, wait_for


def notes(app: OmnituiApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


def bar(app: OmnituiApp) -> str:
    return str(app.screen.query_one(KeyBar).render())


def outbox_rows(path: Path) -> list[tuple[int, str, str]]:
    with Store(path) as store:
        return store.conn.execute("SELECT message_id, status, recipients FROM outbox"
                                  " ORDER BY id").fetchall()


def test_the_failed_reply_highlighted_is_resent_with_its_key_and_nothing_else_is(
        tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    with Store(path) as store:
        case_id = ingest_email(Pipeline(store, Settings()), subject="Refund")
        failed = failed_reply(store, case_id)

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("enter")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        assert app.screen.current_message.id == failed  # the newest: our failed reply
        assert bar(app).startswith(" e Resend ")  # first: at 80 columns the last give way
        await pilot.press("k")  # type: ignore[attr-defined]  # the customer's message
        await settle(app, pilot)
        assert "Resend" not in bar(app)
        await pilot.press("e")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert any("is the customer's: only a reply of ours that failed is resent" in n
                   for n in notes(app))
        assert len(outbox_rows(path)) == 1
        await pilot.press("j", "e")  # type: ignore[attr-defined]
        await settle(app, pilot)
        rows = outbox_rows(path)
        assert [status for _, status, _ in rows] == ["failed", "queued"]
        assert rows[0][2] == rows[1][2]  # to the same address
        assert f"reply #{failed} queued again on email (u takes it back)" in notes(app)
        while app.screen.current_message.id != failed:  # back on it: resent, offered no more
            await pilot.press("k")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert "Resend" not in bar(app)
        await pilot.press("u")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert [status for _, status, _ in outbox_rows(path)] == ["failed"]

    drive(path, script, size=(80, 24))
    with Store(path) as store:  # the resend was audited with why it went again, and undone
        assert store.conn.execute("SELECT reason FROM audit WHERE action = 'reply.queued'"
                                  " AND actor = 'alice' ORDER BY id DESC LIMIT 1").fetchone()[0] \
            == f"resent #{failed} after: {REFUSED}"


def test_an_agents_reply_failing_for_good_is_said_once_in_their_console(
        tmp_path: Path) -> None:
    """The daemon failed alice's reply while her console ran: the case only reopened.
    She is told once, with the key [keymap] gives the resend; bob's failure is his."""
    path = tmp_path / "x.db"
    with Store(path) as store:
        pipeline = Pipeline(store, Settings())
        hers = ingest_email(pipeline, subject="Refund")
        his = ingest_email(pipeline, sender="zed@example.com", name="Zed", subject="Login")
        for case_id, agent in ((hers, "alice"), (his, "bob")):
            assert Desk(store, agent).write(case_id, "reply", f"On it, {agent}").done
    settings = Settings(keymap={"message.resend": "Y"})

    async def script(app: OmnituiApp, pilot: object) -> None:
        with Store(path) as store, store.write() as conn:  # the daemon, elsewhere
            for row in store.conn.execute("SELECT id FROM outbox").fetchall():
                outbox.mark_failed(conn, row[0], REFUSED, at=db_time(utc_now()),
                                   retry_at=None)
        expected = f"your reply on #{hers} could not be sent: {REFUSED} · Y on it resends it"
        await wait_for(lambda: expected in notes(app), app, pilot)
        for _ in range(6):  # polls go on: said once
            await pilot.pause(0.2)  # type: ignore[attr-defined]
        assert [n for n in notes(app) if "could not be sent" in n] == [expected]

    drive(path, script, settings)


def test_the_composer_replies_where_the_customer_last_wrote_and_says_so(
        tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    with Store(path) as store:
        telegram_case_then_sms(store, Pipeline(store, Settings()))

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("enter", "r")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen)
        assert app.screen.query_one("#channel", Select).value == "sms"
        assert "Reply on sms (where they last wrote)" in screen_text(app)
        app.screen.query_one("#channel", Select).value = "telegram"  # the agent's choice
        await settle(app, pilot)
        assert "Reply on telegram, case" in screen_text(app)
        app.screen.query_one("#channel", Select).value = "sms"
        await settle(app, pilot)
        await pilot.press(*"It ships today", "ctrl+j")  # type: ignore[attr-defined]
        await settle(app, pilot)
        [(_, status, recipients)] = outbox_rows(path)
        assert (status, json.loads(recipients)["to"]) == ("queued", ["+14155550100"])

    drive(path, script)
