"""Marks that keep their case's number and survive a change of view, a merge that says whose
conversations become one, dialogs that say what is wrong and stay open, what a case waits on
and until when, and a console that fits 80x24."""

from __future__ import annotations

from pathlib import Path

from omnitui.services.actions import retag
from omnitui.store.db import Store, utc_now
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens.case import CaseScreen
from omnitui.tui.screens.modals import AskScreen, ConfirmScreen
from omnitui.tui.widgets.case_list import row_cells
from tests.tui.helpers import answer, drive, queue, screen_text, settle, show_view


def test_a_mark_keeps_the_whole_case_number(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        case_id = cases.current_id
        await pilot.press("x")
        row = cases.row(case_id)
        cells = row_cells(row, 120, app.clock(), marked=True)
        assert cells[""][0].strip() == "●" and cells["#"][0].strip() == str(case_id)
        assert f"● {case_id}" in screen_text(app)

    drive(demo_db, script)


def test_marks_survive_a_change_of_view_and_act_only_where_seen(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        await pilot.press("x", "j", "x")
        marked = set(cases.marked)
        await show_view(app, pilot, "channel: email")
        assert cases.marked == marked  # still marked
        other = next(c for c in cases.ids if c not in marked)
        with Store(demo_db) as store, store.write() as conn:  # another agent, meanwhile
            retag(conn, other, "seen-elsewhere", actor="bob", at=utc_now())
        for _ in range(40):  # the console polls twice a second
            await pilot.pause(0.05)  # type: ignore[attr-defined]
            await settle(app, pilot)
            if "seen-elsewhere" in (cases.row(other).tags if cases.row(other) else []):
                break
        assert cases.marked == marked  # another case's change drops no mark
        hidden = [c for c in marked if c not in cases.ids]
        if hidden:
            assert "in other views" in screen_text(app)
        assert cases.visible_marks() == sorted(c for c in marked if c in cases.ids)
        await show_view(app, pilot, "all open")
        assert cases.visible_marks() == sorted(marked)

    drive(demo_db, script)


def customers_of(path: Path, case_ids: list[int]) -> set[int]:
    with Store(path) as store:
        return {store.conn.execute("SELECT customer_id FROM cases WHERE id = ?",
                                   (c,)).fetchone()[0] for c in case_ids}


def test_merging_cases_of_different_customers_says_so(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        await pilot.press("x", "j", "x", "j")
        chosen = [*cases.marked, cases.current_id]
        assert len(customers_of(demo_db, chosen)) > 1
        await pilot.press("M")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        question = app.screen.question  # wrapped on screen; whole here
        assert f"belong to {len(customers_of(demo_db, chosen))} customers" in question
        assert f"become one case, #{chosen[-1]}" in question
        target = cases.row(chosen[-1])  # by name and number: two Ann Smiths read the same
        assert question.endswith(f"of {target.customer_name} #{target.customer_id}.")
        await pilot.press("n")

    drive(demo_db, script)


def test_a_wrong_answer_keeps_the_dialog_open_and_says_why(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        case_id = queue(app).current_id
        await pilot.press("z", "end", "enter")  # snooze: custom… (awake: no "wake up now")
        await settle(app, pilot)
        assert isinstance(app.screen, AskScreen)
        assert "write 3h, 2d, 1w" in await answer(app, pilot, "in a fortnight")
        assert isinstance(app.screen, AskScreen)  # still asking: put it right
        await answer(app, pilot, "3h")
        assert not isinstance(app.screen, AskScreen)
        assert queue(app).current_id != case_id  # snoozed: out of the view

    drive(demo_db, script)


def test_the_case_shows_what_it_waits_on_and_until_when_it_sleeps(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("P")
        await settle(app, pilot)
        await answer(app, pilot, "waiting on the courier")
        assert isinstance(app.screen, CaseScreen)
        assert "waiting on the courier" in screen_text(app)
        await pilot.press("z", "enter")  # 1 hour
        await settle(app, pilot)
        assert "snoozed until" in screen_text(app)
        await pilot.press("u")
        await settle(app, pilot)
        await pilot.pause(0.2)  # type: ignore[attr-defined]
        text = screen_text(app)
        assert "undone: a snooze on #" in text and "case.snoozed" not in text

    drive(demo_db, script)
