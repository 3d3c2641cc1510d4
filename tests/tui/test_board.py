"""The supervisor's board (F3): its panels from the store, drilling down from a case due
soon into the case, acting on it with the queue's keys, another console's change shown by
itself within a second, and `--supervisor` opening on it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from textual.widgets import DataTable

from omnitui.config import Settings
from omnitui.services.desk import Desk
from omnitui.store.db import Store
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens.board import BoardScreen
from omnitui.tui.screens.case import CaseScreen
from tests.tui.helpers import drive, screen_text, settle


def board(app: OmnituiApp) -> BoardScreen:
    assert isinstance(app.screen, BoardScreen)
    return app.screen


def test_f3_shows_the_board_and_enter_drills_into_a_case(demo_db: Path) -> None:
    with Store(demo_db) as store:
        breached = store.conn.execute(
            "SELECT count(*) FROM cases WHERE status IN ('new', 'open', 'pending',"
            " 'on_hold') AND sla_due < datetime('now', '+1 hour')").fetchone()[0]

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("f3")  # type: ignore[attr-defined]
        await settle(app, pilot)
        text = screen_text(app)
        for panel in ("Waiting cases by age", "Queues today: first reply",
                      "Due soon and breached"):
            assert panel in text
        assert f"{breached:,} breached or due within 1h" in text
        app.screen.query_one("#board").scroll_end(animate=False)
        await settle(app, pilot)
        text = screen_text(app)
        assert "Team" in text and "Flow, last 14 days" in text and "reopened" in text
        app.screen.query_one("#board").scroll_home(animate=False)
        first = board(app).targets()
        assert first and first[0] == board(app).board.due_soon[0]["id"]  # type: ignore[union-attr]
        await pilot.press("enter")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.detail.case.id == first[0]
        await pilot.press("escape")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert isinstance(app.screen, BoardScreen)
        await pilot.press("E")  # type: ignore[attr-defined]  # escalate, as on the queue
        await settle(app, pilot)
        with Store(demo_db) as store:
            assert '"escalated"' in store.conn.execute(
                "SELECT tags FROM cases WHERE id = ?", (first[0],)).fetchone()[0]
        await pilot.press("f3")  # type: ignore[attr-defined]  # and back
        assert not isinstance(app.screen, BoardScreen)

    drive(demo_db, script)


def test_another_consoles_change_shows_within_a_second(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("f3")  # type: ignore[attr-defined]
        await settle(app, pilot)
        table = app.screen.query_one("#due", DataTable)
        case_id = board(app).targets()[0]
        with Store(demo_db) as other:  # another agent's console, another connection
            desk = Desk(other, "bob")
            desk.each([case_id], desk.priority(987))
        started = time.monotonic()
        while time.monotonic() - started < 3:
            await asyncio.sleep(0.05)
            if "987" in table.get_row_at(0)[2]:
                break
        assert "987" in table.get_row_at(0)[2]
        assert time.monotonic() - started < 1.5  # the poll, the throttle, the read

    drive(demo_db, script)


def test_supervisor_opens_on_the_board(demo_db: Path) -> None:
    async def run() -> None:
        app = OmnituiApp(demo_db, Settings(), "farid", board=True)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            assert isinstance(app.screen, BoardScreen)
            assert "Waiting cases by age" in screen_text(app)
            await pilot.press("escape")
            await settle(app, pilot)
            assert not isinstance(app.screen, BoardScreen)  # the queue under it

    asyncio.run(run())
