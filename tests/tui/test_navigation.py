"""Keys that move through work: ] and [ to the cases awaiting an answer, n and N through
search hits, F2 back to the queue, : for the command palette."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette

from omnitui.store.db import Store
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens.case import CaseScreen
from tests.tui.helpers import drive, queue, settle


def awaiting(path: Path) -> set[int]:
    with Store(path) as store:
        return {r[0] for r in store.conn.execute(
            "SELECT id FROM cases WHERE last_inbound_at >= coalesce(last_message_at, '')")}


def test_brackets_walk_the_cases_waiting_for_an_answer(demo_db: Path) -> None:
    waiting = awaiting(demo_db)

    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        expected = [i for i, case_id in enumerate(cases.ids) if case_id in waiting]
        assert len(expected) >= 3 and len(expected) < len(cases.ids)
        visited = []
        for _ in range(3):
            await pilot.press("right_square_bracket")
            visited.append(cases.cursor)
        after_start = [i for i in expected if i > 0]  # the cursor starts on row 0
        assert visited == after_start[:3]
        await pilot.press("left_square_bracket")
        assert cases.cursor == visited[1]

    drive(demo_db, script)


def test_n_and_N_walk_search_hits_in_a_case_and_f2_goes_home(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("slash", *"refund", "enter")
        await settle(app, pilot)
        assert queue(app).ids
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen)
        screen.current = -1  # from the top
        await pilot.press("n")
        await settle(app, pilot)
        assert "refund" in screen.current_message.text.casefold() or \
            "refund" in screen.current_message.subject.casefold()
        await pilot.press("f2")
        await settle(app, pilot)
        assert app.screen is app.screen_queue()
        await pilot.press("colon")
        await settle(app, pilot)
        assert isinstance(app.screen, CommandPalette)

    drive(demo_db, script)
