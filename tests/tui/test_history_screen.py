"""The case screen's `H`: every change to the case, who made it and why, and what it
changed, before → after (routing's decisions too)."""

from __future__ import annotations

from pathlib import Path

from textual.containers import VerticalScroll

from omnitui.services.desk import Desk
from omnitui.store.db import Store
from omnitui.tui.app import OmnituiApp
from tests.tui.helpers import drive, screen_text, settle


def test_h_shows_who_changed_what_before_and_after(demo_db: Path) -> None:
    with Store(demo_db) as store:
        case_id = store.conn.execute("SELECT id FROM cases WHERE owner IS NULL AND status IN"
                                     " ('new', 'open') ORDER BY id LIMIT 1").fetchone()[0]
        alice = Desk(store, "alice")
        alice.each([case_id], alice.claim())
        alice.each([case_id], alice.tags("refund"))

    async def script(app: OmnituiApp, pilot: object) -> None:
        app.open_case(case_id)
        await settle(app, pilot)
        await pilot.press("H")  # type: ignore[attr-defined]
        await settle(app, pilot)
        text = screen_text(app)
        assert f"History of #{case_id} (times UTC)" in text and "a routing decision" in text
        app.screen.query_one(VerticalScroll).scroll_end(animate=False)
        await settle(app, pilot)
        text = screen_text(app)
        assert "an assignment: nobody -> alice" in text and "owner - → alice" in text
        assert 'tags [] → ["refund"]' in text

    drive(demo_db, script)
