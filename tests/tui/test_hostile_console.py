"""No outside text reaches the terminal raw from the console: the queue, every case (facts,
timeline, customer pane), the composer and its preview, the pickers and the status bar, on a
store whose every outside-sourced field is hostile (tests/hostile.py)."""

from __future__ import annotations

from pathlib import Path

from omnitui.config import Macro, Settings
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens.modals import ComposeScreen, PickScreen
from tests.hostile import fill_hostile_store, forbidden_in
from tests.tui.helpers import drive, screen_text, settle


def test_every_console_screen_shows_hostile_text_harmless(tmp_path: Path) -> None:
    hostile = fill_hostile_store(tmp_path / "hostile.db")
    seen: list[tuple[str, str]] = []

    async def look(app: OmnituiApp, pilot: object, where: str) -> None:
        await settle(app, pilot)
        await pilot.pause(0.1)  # type: ignore[attr-defined]
        seen.append((where, screen_text(app)))

    async def script(app: OmnituiApp, pilot: object) -> None:
        app.refresh_health()  # the IMAP folder's hostile error in the status bar
        await look(app, pilot, "queue")
        for case_id in hostile.case_ids:
            app.open_case(case_id)
            await look(app, pilot, f"case #{case_id}")
            await pilot.press("C")  # the customer pane, shown or hidden by width
            await look(app, pilot, f"case #{case_id} other pane")
            await pilot.press("f2")
        app.open_case(hostile.chat_case_id)
        await pilot.press("r")
        await look(app, pilot, "composer")
        assert isinstance(app.screen, ComposeScreen)
        await pilot.press("ctrl+o")
        await look(app, pilot, "preview")
        await pilot.press("ctrl+o", "escape", "y", "f2")
        await settle(app, pilot)
        await pilot.press("A")
        await look(app, pilot, "assign picker")
        assert isinstance(app.screen, PickScreen)
        await pilot.press("escape")
        app.open_case(hostile.case_ids[0])
        await pilot.press("L")
        await look(app, pilot, "link picker")
        await pilot.press("escape", "f2", "v")
        await look(app, pilot, "view picker")  # view names come from queue names
        await pilot.press("escape")
        app.queue.set_view(next(i for i, v in enumerate(app.queue.views) if "QUEUE" in v.name))
        await look(app, pilot, "the hostile queue's view (status bar)")
        app.queue.set_view(next(i for i, v in enumerate(app.queue.views)
                                if v.name == "pending / on hold"))
        await look(app, pilot, "the pending view (what each case waits on)")
        assert "PAUSE REASON" in seen[-1][1]
        await pilot.press("Q")
        await look(app, pilot, "queue picker")
        await pilot.press("escape", "ctrl+p", *"queue")
        await look(app, pilot, "command palette")
        await pilot.press("escape", "m")
        await look(app, pilot, "macro picker and its preview")

    drive(hostile.db, script, Settings(macros=[Macro(
        "greet", reply="Hi {customer_name}, about {subject} in {queue}")]))
    assert len(seen) >= 2 * len(hostile.case_ids) + 4
    for where, text in seen:
        assert not forbidden_in(text), f"{where}: {forbidden_in(text)}"
