"""The supervisor's board (F3): its panels from the store, drilling down from a case due
soon into the case, acting on it with the queue's keys, another console's change shown by
itself within a second, and `--supervisor` opening on it."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from omnitui.config import Settings
from omnitui.metrics import board as board_metrics
from omnitui.metrics.board import AGE_BUCKETS, age_filters
from omnitui.services.desk import Desk
from omnitui.store.db import Store, db_time, parse_db_time, utc_now
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens.board import BoardScreen, aging_rows, draw_spread, team_rows
from omnitui.tui.screens.case import CaseScreen
from omnitui.tui.widgets.key_bar import KeyBar
from tests.conftest import demo_story_end
from tests.tui.helpers import drive, rendered, screen_text, settle, show_view


def board(app: OmnituiApp) -> BoardScreen:
    assert isinstance(app.screen, BoardScreen)
    return app.screen


def due_row(app: OmnituiApp, table: DataTable, case_id: int) -> list[object]:
    """The due list's row of `case_id` as the board shows it now."""
    ids = [row["id"] for row in board(app).board.due_soon]  # type: ignore[union-attr]
    return table.get_row_at(ids.index(case_id))


def supervise(path: Path, script: Callable[[OmnituiApp, Pilot], Awaitable[None]],
              size: tuple[int, int], settings: Settings | None = None) -> None:
    """`script` on `omnitui --supervisor` as farid, the demo team's supervisor, on a
    terminal of `size`, once the board is drawn (its toasts kept)."""
    async def run() -> None:
        app = OmnituiApp(path, settings or Settings(), "farid", board=True)
        async with app.run_test(size=size, notifications=True) as pilot:
            await settle(app, pilot)
            await script(app, pilot)

    asyncio.run(run())


def held_at_a_gate(read: Callable[..., object]) -> tuple[threading.Event,
                                                        Callable[..., object]]:
    """`read`, made to wait (10 s at most) until the event is set: a board's read that
    takes as long as the test needs."""
    gate = threading.Event()

    def held_read(*args: object) -> object:
        gate.wait(10)
        return read(*args)

    return gate, held_read


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
                      "Due soon, then breached"):
            assert panel in text
        assert f"{breached:,} late or due in 1h" in text
        app.screen.query_one("#board").scroll_end(animate=False)
        await settle(app, pilot)
        text = screen_text(app)
        assert "Team" in text and "Flow, last 14 days" in text and "reopened" in text
        app.screen.query_one("#board").scroll_home(animate=False)
        await settle(app, pilot)
        if not board(app).targets():  # out of sight on this screen: the first key shows it
            await settle(app, pilot)
        first = board(app).targets()
        assert first and first[0] == board(app).board.due_soon[0]["id"]  # type: ignore[union-attr]
        await pilot.press("j")  # type: ignore[attr-defined]  # j and k, as in the queue
        await settle(app, pilot)
        assert board(app).targets() == [board(app).board.due_soon[1]["id"]]  # type: ignore[union-attr]
        await pilot.press("k")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert board(app).targets() == first
        await pilot.press("enter")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.detail.case.id == first[0]
        await pilot.press("escape")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert isinstance(app.screen, BoardScreen)
        await pilot.press("E")  # type: ignore[attr-defined]  # escalate, as on the queue
        await settle(app, pilot)
        await pilot.press("p")  # type: ignore[attr-defined]  # a dialog names its case: the
        await settle(app, pilot)  # list may be scrolled out of sight
        assert f"Priority of #{first[0]} (now " in screen_text(app)
        await pilot.press("escape")  # type: ignore[attr-defined]
        await settle(app, pilot)
        with Store(demo_db) as store:
            assert '"escalated"' in store.conn.execute(
                "SELECT tags FROM cases WHERE id = ?", (first[0],)).fetchone()[0]
        await pilot.press("q")  # type: ignore[attr-defined]  # quits, asking, as the queue's
        await settle(app, pilot)
        assert "Quit omnitui?" in screen_text(app)
        await pilot.press("n")  # type: ignore[attr-defined]
        await settle(app, pilot)
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
        started = time.monotonic()  # (the case may move down the list: 987 escalates it)
        while time.monotonic() - started < 3:
            await asyncio.sleep(0.05)
            if "987" in due_row(app, table, case_id)[2]:
                break
        assert "987" in due_row(app, table, case_id)[2]
        assert time.monotonic() - started < 1.5  # the poll, the throttle, the read

    drive(demo_db, script)


def test_the_cursor_stays_on_its_case_when_the_due_list_sorts_again(demo_db: Path) -> None:
    """A case whose due time moved (escalated to a queue with another target, or another
    console's change) takes its place further down: the next key still acts on it, not on
    the case that took its row."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("f3")  # type: ignore[attr-defined]
        await settle(app, pilot)
        first = board(app).targets()[0]
        with Store(demo_db) as other, other.write() as conn:
            conn.execute("UPDATE cases SET sla_due = datetime('now', '-3650 days'),"
                         " version = version + 1 WHERE id = ?", (first,))
        board(app).read_now()
        await settle(app, pilot)
        assert board(app)._ids[0] != first  # type: ignore[attr-defined]
        assert board(app).targets() == [first]

    drive(demo_db, script)


def test_supervisor_opens_on_the_board(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: Pilot) -> None:
        assert isinstance(app.screen, BoardScreen)
        assert "Waiting cases by age" in screen_text(app)
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, BoardScreen)  # the queue under it

    supervise(demo_db, script, (80, 24))


def test_enter_on_an_age_row_shows_exactly_its_cases_among_all_open(demo_db: Path) -> None:
    """From any view (here "mine"), enter on a row of the aging panel shows all open cases
    of that age, as many as the board counted, each opened within the row's bounds."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await show_view(app, pilot, "mine")
        await pilot.press("f3")  # type: ignore[attr-defined]
        await settle(app, pilot)
        counted = [sum(row.values()) for _, row in board(app).board.aging]  # type: ignore[union-attr]
        row = max(range(1, len(AGE_BUCKETS)), key=counted.__getitem__)  # two bounds
        table = app.screen.query_one("#aging", DataTable)
        table.focus()
        table.move_cursor(row=row)
        await pilot.press("enter")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert app.screen is app.queue and app.queue.view.name == "all open"
        assert app.queue.narrowed_by == age_filters()[row]
        shown = list(app.queue.cases.ids)
        assert counted[row] > 0 and len(shown) == counted[row]
        low, high = AGE_BUCKETS[row - 1][1], AGE_BUCKETS[row][1]
        with Store(demo_db) as store:
            for case_id in shown:
                opened = parse_db_time(store.conn.execute(
                    "SELECT created_at FROM cases WHERE id = ?", (case_id,)).fetchone()[0])
                assert low - timedelta(minutes=1) <= utc_now() - opened <= high + timedelta(
                    minutes=1)
        assert age_filters()[row] in screen_text(app)  # the filter stays in the box

    drive(demo_db, script)


def test_each_channel_shows_its_first_replies_today_and_drills_down(demo_db: Path) -> None:
    end = demo_story_end()  # the demo's today: the board's clock stands there
    midnight = end.astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
    with Store(demo_db) as store:
        today = dict(store.conn.execute(
            "SELECT channel, count(*) FROM cases WHERE created_at >= ? GROUP BY 1",
            (db_time(midnight),)))
    assert today  # the demo's customers write all day, up to its end

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("f3")  # type: ignore[attr-defined]
        await settle(app, pilot)
        lines = board(app).board.channels  # type: ignore[union-attr]
        assert {line.name: line.opened_today for line in lines} == today
        table = app.screen.query_one("#channels", DataTable)
        assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == sorted(today)
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("enter")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert app.queue.narrowed_by == f"channel:{sorted(today)[0]}"

    drive(demo_db, script, clock=lambda: end)


def test_enter_on_reopened_shows_the_open_cases_that_came_back(demo_db: Path) -> None:
    with Store(demo_db) as store:
        expected = {row[0] for row in store.conn.execute(
            "SELECT id FROM cases WHERE reopens > 0 AND status IN ('new', 'open', 'pending',"
            " 'on_hold') AND (snoozed_until IS NULL OR snoozed_until <= datetime('now'))")}
    assert expected  # the demo's customers write again after a solve

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("f3")  # type: ignore[attr-defined]
        await settle(app, pilot)
        table = app.screen.query_one("#flow", DataTable)
        assert str(table.get_row_at(0)[0]) == "reopened"
        table.focus()
        table.move_cursor(row=0)
        await pilot.press("enter")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert app.queue.narrowed_by == "is:reopened"
        assert set(app.queue.cases.ids) == expected

    drive(demo_db, script)


def test_the_flows_reasons_fit_the_screen() -> None:
    """Three routing reasons ran past a 120-column screen, to be read only by scrolling
    sideways: they go one a line when they do not fit on one, on two at most, cut at a
    word, under their label when even that is tight; measured in cells."""
    from types import SimpleNamespace

    from rich.cells import cell_len

    from omnitui.tui.screens.board import FLOW_EDGES, flow_rows

    why = [(f"back to routing: reopened while {name} is not here, after {days} days away", n)
           for name, n, days in (("farid", 110, 3), ("alice", 88, 12), ("erin", 70, 2))]

    def shown(width: int, share: float = 0.13, reasons: list | None = None,
              ) -> tuple[str, list[str]]:
        board = SimpleNamespace(
            reopened=SimpleNamespace(share=0.44), reassigned=SimpleNamespace(share=share),
            reopened_what=[("billing", 81), ("orders", 80)],
            reassigned_why=why if reasons is None else reasons)
        rows = flow_rows(board, width)  # type: ignore[arg-type]
        room = width - FLOW_EDGES - max(cell_len(r[0]) for r in rows) - max(
            cell_len(r[1]) for r in rows)
        lines = rows[1][2].plain.splitlines()
        assert all(cell_len(line) <= room for row in rows for line in row[2].plain.split(
            "\n")), (width, lines)
        return rows[0][2].plain, lines

    about, reasons = shown(200)
    assert about == "about: billing (81) · orders (80)"
    assert reasons == [
        "left their owner: back to routing: reopened while farid is not here, after 3 days "
        "away (110)",
        "                  back to routing: reopened while alice is not here, after 12 days "
        "away (88)",
        "                  back to routing: reopened while erin is not here, after 2 days "
        "away (70)"]
    about, reasons = shown(80)
    assert reasons[:2] == ["left their owner: back to routing: reopened",
                           "                  while farid is not… (110)"]
    assert len(reasons) == 6
    for width in (60, 70, 74, 100, 120):  # every width fits, a share of 100% too
        shown(width)
        shown(width, share=1.0)
    assert shown(60)[1][0] == "left their owner:"  # under it when beside it is too tight
    assert shown(200, reasons=[])[1] == ["left their owner: -"]
    _, handed = shown(200, reasons=[("alice -> bob", 4)])  # a hand-over's reason, stored
    assert handed == ["left their owner: alice → bob (4)"]  # with the history's arrow
    wide = [("返金が遅れているため再度連絡しました。担当者の方から連絡をください " * 3, 5)]
    shown(100, reasons=wide)  # two cells a character: measured in cells


def test_a_subject_is_shown_literally_not_as_markup(demo_db: Path) -> None:
    """The due list's cells were strings, which a DataTable reads as markup: a customer's
    subject "[/]" stopped the console, and another made a link of their choosing."""
    with Store(demo_db) as store, store.write() as conn:
        ids = [row[0] for row in conn.execute(
            "SELECT id FROM cases WHERE status IN ('new', 'open') ORDER BY id LIMIT 2")]
        conn.execute("UPDATE cases SET subject = ?, sla_due = ? WHERE id = ?",
                     ("[/]", db_time(utc_now() - timedelta(minutes=1)), ids[0]))
        conn.execute("UPDATE cases SET subject = ?, sla_due = ? WHERE id = ?",
                     ("Refund [link=https://evil.example]pay here[/link]",
                      db_time(utc_now() - timedelta(minutes=2)), ids[1]))

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("f3")  # type: ignore[attr-defined]
        await settle(app, pilot)
        text = screen_text(app)
        assert "[/]" in text and "Refund [link=https://evil.example]pay" in text

    drive(demo_db, script)


def key_bar(app: OmnituiApp) -> str:
    return str(app.screen.query_one(KeyBar).render())


def last_audit(app: OmnituiApp) -> int:
    return app.store.conn.execute("SELECT max(id) FROM audit").fetchone()[0]


async def said_and_did_nothing(app: OmnituiApp, pilot: Pilot, key: str, words: str) -> None:
    """`key` pressed said `words` in a toast and changed no case."""
    before = last_audit(app)
    await pilot.press(key)
    await settle(app, pilot)
    assert words in [str(n.message) for n in app._notifications]
    assert last_audit(app) == before


def test_on_a_short_terminal_the_board_starts_on_what_is_seen(demo_db: Path) -> None:
    """At 80x24 the due list sat below the fold with the focus, the key bar offered "a Take
    S Solved" for it, and `S` acted on a case never seen. The focus starts on the first
    list; the case keys leave the bar and say where they act; tab goes there."""
    async def script(app: OmnituiApp, pilot: Pilot) -> None:
        assert app.focused is app.screen.query_one("#aging", DataTable)
        assert "Supervisor ·" in screen_text(app)  # at its top: Textual's own focus
        # centred the first list, the headline three lines above the screen
        assert "Next list" in key_bar(app) and "Solved" not in key_bar(app)
        await said_and_did_nothing(
            app, pilot, "S", "this key acts on a case of the list of cases due soon: tab "
                             "moves there")
        due = app.screen.query_one("#due", DataTable)
        while app.focused is not due:
            await pilot.press("tab")
        await settle(app, pilot)
        assert board(app)._in_sight(due) and "Solved" in key_bar(app)
        solved = board(app).targets()
        await pilot.press("S")
        await settle(app, pilot)
        assert app.store.conn.execute("SELECT status FROM cases WHERE id = ?",
                                      solved).fetchone()[0] == "solved"

    supervise(demo_db, script, (80, 16))


def test_a_tall_board_starts_on_the_due_list(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: Pilot) -> None:
        assert app.focused is app.screen.query_one("#due", DataTable)
        assert "Solved" in key_bar(app)

    supervise(demo_db, script, (200, 50))


def test_page_down_scrolls_the_board_and_the_focus_follows(demo_db: Path) -> None:
    """PageDown went to the focused list's cursor: the board below the fold was out of the
    keyboard's reach at 80x24."""
    async def script(app: OmnituiApp, pilot: Pilot) -> None:
        scroll = app.screen.query_one("#board")
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert scroll.scroll_y > 0
        assert isinstance(app.focused, DataTable) and app.focused.id != "aging"
        assert board(app)._in_sight(app.focused)  # a list in sight: the keys act there
        while scroll.scroll_y < scroll.max_scroll_y:
            await pilot.press("pagedown")
            await settle(app, pilot)
        assert board(app).targets() == []  # the due list is out of sight: no case
        while scroll.scroll_y > 0:
            await pilot.press("pageup")
            await settle(app, pilot)
        assert "Waiting cases by age" in screen_text(app)
        assert board(app)._in_sight(app.focused)  # type: ignore[arg-type]

    supervise(demo_db, script, (80, 24))


def test_a_key_for_a_case_scrolled_out_of_sight_shows_it_first(demo_db: Path) -> None:
    """The due list keeps the focus when the mouse scrolls it away: a key then brings the
    case into view before it acts (`a` took a case never seen), and says so once: the
    key bar's every draw said it too (fifty toasts with no key pressed), and the key
    added "this list is empty"."""
    async def script(app: OmnituiApp, pilot: Pilot) -> None:
        app.screen.query_one("#board").scroll_home(animate=False)
        app.screen.query_one("#due", DataTable).focus(scroll_visible=False)
        await settle(app, pilot)
        assert not app._notifications  # no key pressed, nothing said
        before = last_audit(app)
        await said_and_did_nothing(
            app, pilot, "S", "the case is in the due list, now in view: press the key again")
        assert [str(n.message) for n in app._notifications] == [
            "the case is in the due list, now in view: press the key again"]
        assert board(app).targets()  # the list, and its case, on screen now
        await pilot.press("S")
        await settle(app, pilot)
        assert last_audit(app) != before

    supervise(demo_db, script, (80, 14))


def test_the_boards_team_panel_follows_the_supervisors_own_away(demo_db: Path) -> None:
    """`@` on the board said "You are away" while its team panel kept "here" until another
    console changed the store."""
    def state(app: OmnituiApp) -> str:
        found = board(app).board
        assert found is not None
        return next(a.state for a in found.team if a.name == "alice")

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("f3")  # type: ignore[attr-defined]
        await settle(app, pilot)
        before = state(app)
        await pilot.press("@")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert state(app) != before and "away" in state(app)
        await pilot.press("@")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert state(app) == before

    drive(demo_db, script)


def test_another_agents_away_and_the_supervisors_own_presence_show_within_seconds(
        demo_db: Path) -> None:
    """An agent's state changes no case, so the board read it again only every 30 s:
    `omnitui agents away bob` showed 30 s later, and a fresh board said its own supervisor
    was gone for as long."""
    def state(app: OmnituiApp, name: str) -> str:
        found = board(app).board
        assert found is not None
        return next(a.state for a in found.team if a.name == name)

    async def until(app: OmnituiApp, name: str, wanted: str) -> float:
        started = time.monotonic()
        while time.monotonic() - started < 5 and state(app, name) != wanted:
            await asyncio.sleep(0.05)
        assert state(app, name) == wanted
        return time.monotonic() - started

    async def script(app: OmnituiApp, pilot: Pilot) -> None:
        assert await until(app, "farid", "here") < 3
        with Store(demo_db) as other:  # `omnitui agents away bob`: another process
            Desk(other, "farid").set_agent_away("bob", True)
        assert await until(app, "bob", "away") < 3

    supervise(demo_db, script, (120, 40))


def test_the_team_panel_marks_an_agent_over_capacity_in_one_channel_class(
        demo_db: Path) -> None:
    """Email 8/5 beside an idle chat 0/2 showed "open 8" and "chat 2 · email 5", unmarked:
    over capacity was counted against all classes together."""
    with Store(demo_db) as store, store.write() as conn:
        conn.execute("UPDATE agents SET capacity = '{\"chat\": 30, \"email\": 1}'"
                     " WHERE name = 'alice'")
        emails = conn.execute("SELECT count(*) FROM cases WHERE owner = 'alice' AND status"
                              " IN ('new', 'open') AND channel = 'email'").fetchone()[0]
    assert emails > 1

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("f3")  # type: ignore[attr-defined]
        await settle(app, pilot)
        found = board(app).board
        assert found is not None
        alice = next(a for a in found.team if a.name == "alice")
        assert alice.overloaded
        [row] = [row for row in team_rows(found, 200) if str(row[0]) == "alice"]
        assert re.search(r"email \d+/1!", str(row[6]))  # the open/capacity column

    drive(demo_db, script)


def test_the_lists_are_the_only_tab_stops_and_g_and_end_reach_their_ends(
        demo_db: Path) -> None:
    """A seventh tab stop was the board itself, nothing highlighted; home and end scrolled
    the due list sideways, hiding its first columns, and g and G did nothing."""
    async def script(app: OmnituiApp, pilot: Pilot) -> None:
        seen = []
        for _ in range(8):
            await pilot.press("tab")
            seen.append(app.focused.id if app.focused else None)
        assert set(seen) == {"aging", "queues", "channels", "due", "team", "flow"}
        due = app.screen.query_one("#due", DataTable)
        while app.focused is not due:
            await pilot.press("tab")
        for key, row in (("end", due.row_count - 1), ("g", 0), ("G", due.row_count - 1),
                         ("home", 0)):
            await pilot.press(key)
            await settle(app, pilot)
            assert due.cursor_row == row and due.scroll_x == 0, key

    supervise(demo_db, script, (80, 24))


def test_a_long_subject_is_cut_with_an_ellipsis_to_the_screens_width(demo_db: Path) -> None:
    with Store(demo_db) as store, store.write() as conn:
        case_id = conn.execute("SELECT id FROM cases WHERE status = 'open' ORDER BY id"
                               " LIMIT 1").fetchone()[0]
        conn.execute("UPDATE cases SET subject = ?, sla_due = ? WHERE id = ?",
                     ("Refund " + "very " * 40 + "END", db_time(utc_now() - timedelta(days=90)),
                      case_id))

    async def run(width: int) -> str:
        app = OmnituiApp(demo_db, Settings(), "farid", board=True)
        async with app.run_test(size=(width, 50)) as pilot:
            await settle(app, pilot)
            due = app.screen.query_one("#due", DataTable)
            assert due.virtual_size.width <= due.size.width  # no sideways scrolling
            return str(due_row(app, due, case_id)[-1])

    wide, narrow = asyncio.run(run(200)), asyncio.run(run(80))
    assert wide.endswith("…") and narrow.endswith("…") and "END" not in wide
    assert len(wide) > 120 and len(narrow) < 30  # the room the screen leaves


def test_the_due_list_shows_the_cases_about_to_breach_then_the_latest_breaches(
        demo_db: Path) -> None:
    """Earliest first, a morning with more breached cases than the list holds (50 of 140)
    showed none of those with minutes left; longest late first, a case that breached while
    the supervisor watched fell off the list's end; a busy hour ahead must not hide every
    breach either."""
    from omnitui.store.board import due_soon

    now, shown = utc_now().replace(microsecond=0), 5
    with Store(demo_db) as store, store.write() as conn:
        conn.execute("UPDATE cases SET sla_due = NULL")
        ids = [row[0] for row in conn.execute(
            "SELECT id FROM cases WHERE status IN ('new', 'open') ORDER BY id"
            f" LIMIT {2 * shown + 3}")]
        late, coming = ids[:shown + 1], ids[shown + 1:]
        for n, case_id in enumerate(late):  # more breached than it shows
            conn.execute("UPDATE cases SET sla_due = ? WHERE id = ?",
                         (db_time(now - timedelta(days=30, minutes=n)), case_id))
        conn.execute("UPDATE cases SET sla_due = ? WHERE id = ?",  # breached a minute ago
                     (db_time(now - timedelta(minutes=1)), late[-1]))
        for minutes, case_id in ((40, coming[0]), (10, coming[1])):
            conn.execute("UPDATE cases SET sla_due = ? WHERE id = ?",
                         (db_time(now + timedelta(minutes=minutes)), case_id))
        few = due_soon(conn, db_time(now), db_time(now + timedelta(hours=1)), shown)
        for minutes, case_id in enumerate(coming[2:], start=41):  # more due than it shows
            conn.execute("UPDATE cases SET sla_due = ? WHERE id = ?",
                         (db_time(now + timedelta(minutes=minutes)), case_id))
        many = due_soon(conn, db_time(now), db_time(now + timedelta(hours=1)), shown)
    assert [row["id"] for row in few] == [coming[1], coming[0], late[-1], late[0], late[1]]
    assert [row["id"] for row in many] == [coming[1], coming[0], coming[2], late[-1], late[0]]


def test_j_and_k_on_a_case_from_the_due_list_walk_the_due_list(demo_db: Path) -> None:
    """Opened from the board, J went to the case's neighbour in the queue's order."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("f3")  # type: ignore[attr-defined]
        await settle(app, pilot)
        due = [row["id"] for row in board(app).board.due_soon]  # type: ignore[union-attr]
        app.screen.query_one("#due", DataTable).focus()
        await pilot.press("enter")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.detail.case.id == due[0]
        await pilot.press("J")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert app.screen.detail.case.id == due[1]
        await pilot.press("K")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert app.screen.detail.case.id == due[0]
        await asyncio.sleep(1.1)  # the board reads again after the solve: due[0] leaves it
        await pilot.press("S")  # type: ignore[attr-defined]
        await settle(app, pilot)
        await asyncio.sleep(0.2)
        await pilot.press("J")  # type: ignore[attr-defined]  # it stayed on the solved case
        await settle(app, pilot)
        assert app.screen.detail.case.id == due[1]

    drive(demo_db, script)


def test_j_past_the_due_lists_end_says_where_the_rest_are(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """J on the last case of the due list (the board shows the first 50: here 10) did
    nothing, without a word; so did K on the first."""
    monkeypatch.setattr(board_metrics, "DUE_SHOWN", 10)

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("f3")  # type: ignore[attr-defined]
        await settle(app, pilot)
        found = board(app).board
        assert found is not None and found.due_soon_total > len(found.due_soon) == 10
        due = app.screen.query_one("#due", DataTable)
        due.focus()
        await pilot.press("enter", "K")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert "this is the first case due on the board" in str(
            list(app._notifications)[-1].message)
        await pilot.press("escape")  # type: ignore[attr-defined]
        await settle(app, pilot)
        due.move_cursor(row=due.row_count - 1)
        await pilot.press("enter", "J")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        assert app.screen.detail.case.id == found.due_soon[-1]["id"]
        assert (f"this is the last of the 10 shown of {found.due_soon_total:,} due; all: the"
                f" view \"at risk or breached\"") in str(
            list(app._notifications)[-1].message)

    drive(demo_db, script)


def test_the_boards_enter_is_in_the_help_and_can_be_rebound(demo_db: Path) -> None:
    """The help's board section listed esc, q, j and k: not enter, tab or the ends; and
    asked for on the board, it came last, below the queue's and the case's keys."""
    async def script(app: OmnituiApp, pilot: Pilot) -> None:
        await pilot.press("question_mark")  # type: ignore[attr-defined]
        await settle(app, pilot)
        text = screen_text(app)
        assert text.index("The supervisor's board") < text.index("Queue")
        assert "board.open" in text and "board.next_list" in text and "board.first" in text
        await pilot.press("escape")
        await settle(app, pilot)
        first = board(app).targets()
        await pilot.press("o")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen) and [app.screen.detail.case.id] == first

    supervise(demo_db, script, (200, 50), Settings(keymap={"board.open": "o"}))


def test_off_the_due_list_only_the_keys_for_its_case_are_held_as_keymap_binds_them(
        demo_db: Path) -> None:
    """The hint read the keys as the defaults bind them: with `board.down = "p"` (priority
    moved to ctrl+y) p said "this key acts on a case..." instead of moving; and c (a new
    message) and + (a call) need no case, but were held too."""
    from omnitui.tui.screens.modals import ComposeScreen

    keymap = {"board.down": "p", "case.priority": "ctrl+y"}

    async def script(app: OmnituiApp, pilot: Pilot) -> None:
        aging = app.screen.query_one("#aging", DataTable)
        assert app.focused is aging
        await pilot.press("p")
        await settle(app, pilot)
        assert aging.cursor_row == 1 and not app._notifications
        await pilot.press("ctrl+y")
        await settle(app, pilot)
        assert "this key acts on a case" in str(list(app._notifications)[-1].message)
        await pilot.press("c")
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen)

    supervise(demo_db, script, (80, 16), Settings(keymap=keymap))


def test_f3_away_and_back_keeps_the_boards_place(demo_db: Path) -> None:
    """The focus came back on the first list and the due list's cursor on its first row."""
    async def script(app: OmnituiApp, pilot: Pilot) -> None:
        due = app.screen.query_one("#due", DataTable)
        while app.focused is not due:
            await pilot.press("tab")
        await pilot.press("j", "j")
        await settle(app, pilot)
        assert due.cursor_row == 2
        await pilot.press("f3")  # to the queue
        await settle(app, pilot)
        assert not isinstance(app.screen, BoardScreen)
        await pilot.press("f3")  # and back
        await settle(app, pilot)
        again = app.screen.query_one("#due", DataTable)
        assert app.focused is again and again.cursor_row == 2
        assert board(app)._in_sight(again)
        await pilot.press("tab")  # the team list, left so
        await settle(app, pilot)
        await pilot.press("f3", "f3")
        await settle(app, pilot)
        assert app.focused is app.screen.query_one("#team", DataTable)

    supervise(demo_db, script, (80, 24))


def test_the_team_panel_fits_80_columns_one_capacity_a_line(demo_db: Path) -> None:
    """At 80 columns "chat 30/3" ran off the screen's edge, uncut, and the other
    capacities with it; at 200 they stay on one line."""
    async def run(width: int) -> list[str]:
        app = OmnituiApp(demo_db, Settings(), "farid", board=True)
        async with app.run_test(size=(width, 50)) as pilot:
            await settle(app, pilot)
            team = app.screen.query_one("#team", DataTable)
            assert team.virtual_size.width <= team.size.width  # no sideways scrolling
            return [str(team.get_row_at(n)[-1]) for n in range(team.row_count)]

    wide, narrow = asyncio.run(run(200)), asyncio.run(run(80))
    assert any(" · email " in cell for cell in wide)
    assert all("\n" not in cell for cell in wide)
    assert any(re.fullmatch(r"chat \d+/\d+!?\nemail \d+/\d+!?", cell) for cell in narrow)


def test_the_lists_fit_again_after_the_window_narrows(demo_db: Path) -> None:
    """From 200 columns to 80, the due list and the team kept their wide columns: a
    sideways scrollbar, and → scrolled into blank space."""
    async def script(app: OmnituiApp, pilot: Pilot) -> None:
        await pilot.resize_terminal(80, 50)
        await settle(app, pilot)
        for table_id in ("due", "team"):
            table = app.screen.query_one(f"#{table_id}", DataTable)
            assert table.virtual_size.width <= table.size.width, table_id

    supervise(demo_db, script, (200, 50))


def test_a_redraw_is_as_wide_as_its_rows_at_once(demo_db: Path) -> None:
    """The lists' columns took their rows' widths only once the table was next idle: on a
    busy store (the live demo) the board was drawn first with the names' widths, its ages
    cut to "< 1", "1-4", "4-2" for a second."""
    async def script(app: OmnituiApp, pilot: Pilot) -> None:
        found = board(app).board
        assert found is not None
        board(app).draw(found)  # a redraw: what the next frame shows, before any idle
        aging = app.screen.query_one("#aging", DataTable)
        ages = next(iter(aging.columns.values()))
        assert ages.get_render_width(aging) >= len(" 4-24h "), ages.content_width

    supervise(demo_db, script, (80, 24))


@pytest.mark.parametrize(("hours", "ticks"), [
    ([7.2048, 5.1326, 1.7323, 7.5309, 5.6772, 6.0751, 7.7023], [2, 1, 0]),
    ([2.0], [1, 0]), ([1.0, 1.0, 3.0], [2, 1, 0]), ([0.1 * n for n in range(40)], [4, 3, 2, 1, 0]),
    ([1.0] * 5 + [3.0], [6, 4, 2, 0])])
def test_the_spread_charts_top_tick_is_over_its_tallest_bar(hours: list[float],
                                                             ticks: list[int]) -> None:
    """The count's axis is worked out from the bars it draws, its top tick level with the
    tallest bar or over it (plotext binned the bars its own way, one more in a bin; then a
    bar of 5 rose above ticks 0, 2 and 4)."""
    import plotext

    plotext.plotsize(60, 15)
    draw_spread(plotext, hours)
    rows = re.sub(r"\x1b\[[0-9;]*m", "", plotext.build()).splitlines()
    labels = [(n, int(found[1])) for n, row in enumerate(rows)
              if (found := re.match(r"\s*(\d+)┤", row))]
    assert [label for _, label in labels] == ticks
    assert labels[0][0] <= next(n for n, row in enumerate(rows) if "█" in row)


def test_side_by_side_lists_have_their_column_names_on_one_row(demo_db: Path) -> None:
    """From 110 to about 155 columns the queues' title wraps, and their column names sat a
    row below the ages'; from 200 columns to 120 too."""
    def rows_of_names(app: OmnituiApp) -> tuple[int, int]:
        lines = screen_text(app).splitlines()
        ages = next(n for n, line in enumerate(lines) if re.match(r" age +high", line))
        queues = next(n for n, line in enumerate(lines) if re.search(r" queue +opened", line))
        return ages, queues

    async def script(app: OmnituiApp, pilot: Pilot) -> None:
        ages, queues = rows_of_names(app)
        assert ages == queues
        for width in (200, 120):
            await pilot.resize_terminal(width, 40)
            await settle(app, pilot)
            assert rows_of_names(app)[0] == rows_of_names(app)[1], width

    supervise(demo_db, script, (120, 40))


def test_the_aging_bars_are_as_long_as_their_cases() -> None:
    """Each band's part was rounded apart: 134 cases drew 24 cells, 133 drew 25; and 2
    cases drew none."""
    rows = aging_rows([("1-3d", {"high": 0, "medium": 67, "low": 67}),
                       ("3-7d", {"high": 3, "medium": 65, "low": 65}),
                       ("7d+", {"high": 0, "medium": 0, "low": 0}),
                       ("< 1h", {"high": 0, "medium": 0, "low": 2})])
    assert [len(row[-1]) for row in rows] == [24, 24, 0, 1]  # (2 of 134 drew none)
    assert len(aging_rows([("x", {"high": 1000, "medium": 1, "low": 1})])[0][-1]) == 24
    # (a cell for each small band went past the longest bar's 24)


@pytest.mark.parametrize(("hours", "labels"), [
    ([7.1639, 7.1642, 7.1645, 7.1649], ["7.16"]),
    ([0.5, 1.25, 2.0, 3.5], ["0.5", "1.2", "2.0", "2.8", "3.5"]),
    ([1.0, 30.0], ["1", "8", "16", "23", "30"]), ([0.3, 23.7], ["1", "6", "12", "18", "23"])])
def test_the_spread_charts_hours_are_as_exact_as_their_spread(hours: list[float],
                                                              labels: list[str]) -> None:
    """Replies seconds apart read 7.16390 7.16424 7.16458 ... on the hours' axis."""
    import plotext

    plotext.plotsize(60, 15)
    draw_spread(plotext, hours)
    axis = re.sub(r"\x1b\[[0-9;]*m", "", plotext.build()).splitlines()[-1]
    assert axis.split() == labels


@pytest.mark.parametrize("width", [80, 60])
def test_the_headline_keeps_to_one_line_updating_or_not(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    """F3 back to the board at 80 columns: " · updating…" after the headline wrapped it
    onto a second line for a moment, the whole board jumping down and back; at 60 the
    headline took two lines all the time."""
    from omnitui.tui.screens import board as board_screen

    gate, held_read = held_at_a_gate(board_screen.read_board)

    async def script(app: OmnituiApp, pilot: Pilot) -> None:
        def first_lines() -> list[str]:
            return screen_text(app).splitlines()[:2]

        headline = board(app).query_one("#headline")
        assert headline.size.height == 1 and first_lines()[0].endswith("late or due in 1h")
        await pilot.press("f3")  # to the queue
        await settle(app, pilot)
        monkeypatch.setattr(board_screen, "read_board", held_read)
        await pilot.press("f3")  # and back: its read waits at the gate
        await pilot.pause()
        assert headline.size.height == 1 and first_lines()[1].startswith("Waiting cases")
        assert re.match(r"Supervisor · updating… · \d+ waiting · \d+ late or due in 1h$",
                        first_lines()[0])
        gate.set()
        await settle(app, pilot)
        assert "updating…" not in first_lines()[0] and headline.size.height == 1

    supervise(demo_db, script, (width, 24))


def test_the_board_shown_again_is_the_same_one_and_says_so_until_its_numbers_are_new(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """F3 away and back shows the board built the first time (building one took a second
    on a big store), not its old numbers as new: "updating…" until the read started by
    F3 is drawn, then another console's change made meanwhile."""
    from omnitui.tui.screens import board as board_screen

    gate, held_read = held_at_a_gate(board_screen.read_board)

    async def script(app: OmnituiApp, pilot: Pilot) -> None:
        shown = board(app)
        case_id = shown._ids[0]  # type: ignore[attr-defined]
        headline = shown.query_one("#headline")
        await pilot.press("f3")  # to the queue
        await settle(app, pilot)
        with Store(demo_db) as other:  # another agent's console, while the board is away
            desk = Desk(other, "bob")
            desk.each([case_id], desk.priority(987))
        monkeypatch.setattr(board_screen, "read_board", held_read)
        await pilot.press("f3")  # and back: its read waits at the gate
        await pilot.pause()
        assert app.screen is shown
        assert "updating…" in rendered(headline.render())
        gate.set()
        await settle(app, pilot)
        assert "updating…" not in rendered(headline.render())
        table = shown.query_one("#due", DataTable)
        assert "987" in str(due_row(app, table, case_id)[2])

    supervise(demo_db, script, (120, 40))
