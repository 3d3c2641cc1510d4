"""Two consoles on one store, as two agents on one server run them: both apps live in one
asyncio loop (Textual keeps each app's context apart), each with its own store connection,
so every change crosses between them the way it does between two processes. Toasts are on
(run_test hides them by default) so a warning is checked where the agent reads it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from textual.pilot import Pilot

from omnitui.config import Product, Settings
from omnitui.services.desk import Desk
from omnitui.services.intake import intake_pipeline
from omnitui.store import presence
from omnitui.store.db import Store, db_time, utc_now
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens.case import CaseScreen
from omnitui.tui.widgets.key_bar import KeyBar
from tests.conftest import chat_event
from tests.tui.helpers import queue, screen_text, settle, show_view

Consoles = tuple[OmnituiApp, Pilot, OmnituiApp, Pilot]


@asynccontextmanager
async def two_consoles(path: Path) -> AsyncIterator[Consoles]:
    alice = OmnituiApp(path, Settings(), "alice")
    bob = OmnituiApp(path, Settings(), "bob")
    async with alice.run_test(size=(120, 30), notifications=True) as pa, \
            bob.run_test(size=(120, 30), notifications=True) as pb:
        await settle(alice, pa)
        await settle(bob, pb)
        yield alice, pa, bob, pb


async def wait_until(check: Callable[[], bool], *consoles: tuple[OmnituiApp, Pilot],
                     seconds: float = 2.0) -> bool:
    """Let both consoles run (their polls fire on their own) until `check` holds; no keys."""
    for _ in range(int(seconds / 0.05)):
        if check():
            return True
        await asyncio.sleep(0.05)
        for app, pilot in consoles:
            await settle(app, pilot)
    return check()


def row(path: Path, case_id: int, columns: str) -> tuple:
    with Store(path) as store:
        return store.conn.execute(f"SELECT {columns} FROM cases WHERE id = ?",
                                  (case_id,)).fetchone()


def notes(app: OmnituiApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def open_case(app: OmnituiApp, pilot: Pilot) -> int:
    await pilot.press("enter")
    await settle(app, pilot)
    assert isinstance(app.screen, CaseScreen)
    return app.screen.detail.case.id


def test_a_case_solved_in_one_console_leaves_the_others_queue_by_itself(
        demo_db: Path) -> None:
    async def run() -> None:
        async with two_consoles(demo_db) as (alice, pa, bob, pb):
            case_id = queue(alice).current_id
            assert case_id is not None and case_id in queue(bob).ids
            before = len(queue(bob).ids)
            await pa.press("S")
            await settle(alice, pa)
            assert row(demo_db, case_id, "status") == ("solved",)
            assert case_id not in queue(alice).ids
            loop = asyncio.get_running_loop()
            started = loop.time()
            assert await wait_until(lambda: case_id not in queue(bob).ids,
                                    (alice, pa), (bob, pb))
            assert loop.time() - started < 1.5  # polled twice a second
            assert len(queue(bob).ids) == before - 1
            assert f"{before - 1:,} cases" in screen_text(bob)

    asyncio.run(run())


def test_each_console_shows_the_other_agent_on_the_case_until_they_leave(
        demo_db: Path) -> None:
    async def run() -> None:
        async with two_consoles(demo_db) as (alice, pa, bob, pb):
            both = ((alice, pa), (bob, pb))
            case_id = await open_case(alice, pa)
            assert await open_case(bob, pb) == case_id
            assert await wait_until(lambda: "also here: alice (viewing)" in screen_text(bob)
                                    and "also here: bob (viewing)" in screen_text(alice),
                                    *both, seconds=4)
            await pb.press("escape")  # bob goes back to his queue
            await settle(bob, pb)
            assert not isinstance(bob.screen, CaseScreen)
            loop = asyncio.get_running_loop()
            started = loop.time()
            assert await wait_until(lambda: "also here" not in screen_text(alice), *both,
                                    seconds=4)
            assert loop.time() - started < 1.5  # cleared by bob's next poll, not by staleness
            assert "bob (viewing)" not in screen_text(alice)
            with Store(demo_db) as store:
                assert store.conn.execute("SELECT agent FROM presence").fetchall() == [
                    ("alice",)]

    asyncio.run(run())


def test_two_agents_claiming_one_case_at_once_get_one_owner_and_a_warning(
        demo_db: Path) -> None:
    async def run() -> None:
        async with two_consoles(demo_db) as (alice, pa, bob, pb):
            await show_view(alice, pa, "unassigned")
            await show_view(bob, pb, "unassigned")
            case_id = queue(alice).current_id
            assert case_id is not None and queue(bob).current_id == case_id
            assert row(demo_db, case_id, "owner") == (None,)
            with Store(demo_db) as store:  # it may have been someone's before: not counted
                before = store.conn.execute("SELECT max(id) FROM audit").fetchone()[0]
            await asyncio.gather(pa.press("a"), pb.press("a"))
            await settle(alice, pa)
            await settle(bob, pb)
            (winner,) = row(demo_db, case_id, "owner")
            assert winner in {"alice", "bob"}
            with Store(demo_db) as store:
                claims = store.conn.execute(
                    "SELECT actor FROM audit WHERE case_id = ? AND action = 'case.assigned'"
                    " AND id > ?", (case_id, before)).fetchall()
            assert claims == [(winner,)]
            won, lost = (alice, bob) if winner == "alice" else (bob, alice)
            assert f"assigned to {winner}: #{case_id}" in notes(won)
            assert not any("already" in n for n in notes(won))
            assert (f"#{case_id} is already {winner}'s: {winner} or a supervisor can hand it"
                    " on") in notes(lost)
            assert not any(n.startswith("assigned to") for n in notes(lost))
            assert await wait_until(lambda: f"already {winner}'s" in screen_text(lost),
                                    (won, pa if won is alice else pb),
                                    (lost, pb if won is alice else pa))

    asyncio.run(run())


def test_priority_from_one_console_and_tags_from_the_other_are_both_kept(
        demo_db: Path) -> None:
    async def run() -> None:
        async with two_consoles(demo_db) as (alice, pa, bob, pb):
            both = ((alice, pa), (bob, pb))
            case_id = await open_case(alice, pa)
            assert await open_case(bob, pb) == case_id
            (tags_before,) = row(demo_db, case_id, "tags")
            await pa.press("p")
            await settle(alice, pa)
            await pa.press(*"77", "enter")
            await settle(alice, pa)
            assert row(demo_db, case_id, "priority") == (77,)
            await pb.press("t")  # bob acts at once, before his console has refreshed
            await settle(bob, pb)
            await pb.press(*"twoagents", "enter")
            await settle(bob, pb)
            priority, tags = row(demo_db, case_id, "priority, tags")
            assert priority == 77  # alice's change survived bob's
            assert "twoagents" in tags and tags_before.strip("[]") in tags
            assert await wait_until(lambda: "priority 77" in screen_text(bob)
                                    and "twoagents" in screen_text(alice), *both)
            assert "priority 77" in screen_text(alice) and "twoagents" in screen_text(bob)

    asyncio.run(run())



def test_a_dead_consoles_mark_goes_stale_on_the_others_screen(demo_db: Path) -> None:
    """Bob's console was killed (kill -9, a dropped SSH session): no leave, no more marks.
    Alice is the only console running, so nothing else commits either."""
    async def run() -> None:
        alice = OmnituiApp(demo_db, Settings(), "alice")
        async with alice.run_test(size=(120, 30)) as pa:
            await settle(alice, pa)
            case_id = queue(alice).current_id
            with Store(demo_db) as bobs, bobs.write() as conn:  # his last mark, 10 s ago
                ten_ago = db_time(utc_now() - timedelta(seconds=10))
                presence.announce(conn, "bob", case_id, "viewing", ten_ago, ten_ago)
            assert await open_case(alice, pa) == case_id
            assert "also here: bob (viewing)" in screen_text(alice)
            await asyncio.sleep(6.5)  # now more than 15 s old (times are whole seconds)
            with Store(demo_db) as store:
                assert presence.others_on(store.conn, case_id, "alice",
                                          db_time(utc_now() - timedelta(seconds=15))) == []
            assert await wait_until(lambda: "also here" not in screen_text(alice),
                                    (alice, pa), seconds=3)

    asyncio.run(run())


def test_an_outage_shows_as_a_banner_in_every_running_console(demo_db: Path) -> None:
    async def run() -> None:
        settings = Settings(products=[Product("payments", keywords=["payment", "charged twice"])])
        alice, bob = (OmnituiApp(demo_db, settings, name) for name in ("alice", "bob"))
        async with alice.run_test(size=(120, 30), notifications=True) as pa, \
                bob.run_test(size=(120, 30), notifications=True) as pb:
            await settle(alice, pa)
            await settle(bob, pb)
            banner = alice.queue.query_one("#incidents")
            assert not banner.display  # nothing going on
            bob.desk.business_event("outage", product="payments", text="EU cards failing")
            assert await wait_until(lambda: banner.display, (alice, pa), (bob, pb), seconds=8)
            assert "Known incident: payments, since" in screen_text(alice)
            assert "EU cards failing" in screen_text(alice)
            assert any("payments, since" in n for n in notes(alice))
            bob.desk.business_event("outage", product="payments", resolved=True)
            assert await wait_until(lambda: not banner.display, (alice, pa), (bob, pb),
                                    seconds=8)
            assert "payments works again" in notes(alice)

    asyncio.run(run())


def test_a_case_a_customer_opens_lengthens_every_queue_without_laying_it_out(
        demo_db: Path) -> None:
    """Every console follows every case any customer opens: the longer list moves the
    scrollbar and the scroll range, and the screen is not laid out again (a layout reflows
    every widget: it was most of an idle console's CPU under inbound traffic)."""
    async def run() -> None:
        app = OmnituiApp(demo_db, Settings(), "alice")
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(app, pilot)
            cases = queue(app)
            length, bottom = len(cases.ids), cases.max_scroll_y
            assert bottom > 0  # the list overflows the screen
            layouts = 0
            lay_out = app.screen._refresh_layout

            def counted(*args: object, **kwargs: object) -> object:
                nonlocal layouts
                layouts += 1
                return lay_out(*args, **kwargs)  # type: ignore[arg-type]

            app.screen._refresh_layout = counted  # type: ignore[method-assign]
            with Store(demo_db) as store:
                intake_pipeline(store, Settings()).ingest(chat_event("telegram", "n1", "hi"))
            assert await wait_until(lambda: len(cases.ids) == length + 1, (app, pilot))
            assert cases.max_scroll_y == bottom + 1
            assert layouts == 0
            await pilot.press("G")
            assert cases.cursor == length  # the last row, reachable

    asyncio.run(run())


def test_a_console_open_during_a_load_shows_the_clocks_its_end_works_out(
        tmp_path: Path) -> None:
    """A bulk load (an import, the daemon's first backlog) works out its cases' SLA clocks
    and scores once, at its end, and says so in one audit row: a console that listed the
    cases without them meanwhile shows them then, without a restart."""
    path = tmp_path / "cases.db"
    Store(path).close()

    def sla_cells(app: OmnituiApp) -> list[str]:
        lines = screen_text(app).splitlines()
        column = lines[0].index("SLA")
        return [line[column:].split()[0] for line in lines[1:]
                if line.split() and line.split()[0].isdigit()]

    async def run() -> None:
        app = OmnituiApp(path, Settings(), "alice")
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(app, pilot)
            with Store(path) as store:
                pipeline = intake_pipeline(store, Settings())
                with pipeline.bulk():
                    list(pipeline.ingest_many(
                        [chat_event("telegram", f"n{n}", f"question {n}") for n in range(3)]))
                    assert await wait_until(lambda: len(queue(app).ids) == 3, (app, pilot))
                    assert sla_cells(app) == ["-"] * 3  # not worked out yet
            assert await wait_until(lambda: sla_cells(app) == ["in"] * 3, (app, pilot))

    asyncio.run(run())


def test_a_case_merged_away_while_on_screen_says_where_it_went(demo_db: Path) -> None:
    """Merged from the CLI while alice read it, the case went on reading "open" (the merge
    is the target's change: the console did not see its source close), and then "closed"
    with no word of where it went; `omnitui case` says "merged into #B"."""
    from omnitui.services.desk import Desk

    async def run() -> None:
        async with two_consoles(demo_db) as (alice, pa, bob, _pb):
            case_id = await open_case(alice, pa)
            target = next(i for i in queue(bob).ids if i != case_id)
            with Store(demo_db) as store:  # `omnitui merge-cases`, from another window
                Desk(store, "bob").merge_cases([case_id], target, other_customers=True)
            assert await wait_until(lambda: f"merged into #{target}" in screen_text(alice),
                                    (alice, pa), seconds=4)
            assert "closed · " in screen_text(alice)
            bar = str(alice.screen.query_one(KeyBar).render())  # every case key is refused
            assert "Solved" not in bar and "Reply" not in bar and "Help" in bar  # there
            await pa.press("S")
            await settle(alice, pa)
            assert f"act on #{target}" in screen_text(alice)

    asyncio.run(run())


def test_a_case_given_away_from_its_owner_is_said_once_in_their_console(
        demo_db: Path) -> None:
    """farid (a supervisor, or any agent, from the CLI) gave alice's case to bob and put
    another back in the queue: her console said nothing, the cases only left her list.
    What she did herself elsewhere, and what concerns others' cases, is not said."""
    async def run() -> None:
        async with two_consoles(demo_db) as (alice, pa, bob, pb):
            with Store(demo_db) as store:
                hers = [r[0] for r in store.conn.execute(
                    "SELECT id FROM cases WHERE owner = 'alice' AND status != 'solved'"
                    " ORDER BY id LIMIT 3")]
                farid = Desk(store, "farid")
                farid.each(hers[:1], farid.assign("bob"))
                farid.each(hers[1:2], farid.assign(None))
                herself = Desk(store, "alice")
                herself.each(hers[2:], herself.assign("bob"))
            expected = [f"#{hers[0]} was given to bob by farid",
                        f"#{hers[1]} was put back in the queue by farid"]

            def told(app: OmnituiApp) -> list[str]:
                return [n for n in notes(app) if n.startswith("#") and " by " in n]

            assert await wait_until(lambda: told(alice) == expected, (alice, pa), (bob, pb))
            await wait_until(lambda: False, (alice, pa), (bob, pb), seconds=1.0)
            assert told(alice) == expected and told(bob) == []  # once, and hers only

    asyncio.run(run())


def test_quitting_one_of_an_agents_two_consoles_leaves_them_here_on_their_case(
        demo_db: Path) -> None:
    """Alice has a second console open on the queue and quits it: the board said "gone",
    and bob lost "also here: alice" on the case her first console shows, until its next
    "still here" a few seconds later."""
    from omnitui.services.routing import Router
    from omnitui.store.agents import agent

    def state() -> str:
        with Store(demo_db) as store:
            return Router(Settings()).state_of(agent(store.conn, "alice"), utc_now())  # type: ignore[arg-type]

    async def run() -> None:
        async with two_consoles(demo_db) as (alice, pa, bob, pb):
            both = ((alice, pa), (bob, pb))
            case_id = await open_case(alice, pa)
            assert await open_case(bob, pb) == case_id
            second = OmnituiApp(demo_db, Settings(), "alice")
            async with second.run_test(size=(80, 24), notifications=True) as ps:
                await settle(second, ps)
                second.refresh_health()
                assert await wait_until(lambda: "also here: alice (viewing)" in
                                        screen_text(bob), *both, seconds=4)
                assert state() == "here"
                await ps.press("q", "y")
            with Store(demo_db) as store:  # her other console's mark on the case stays
                assert store.conn.execute("SELECT agent FROM presence WHERE case_id = ?",
                                          (case_id,)).fetchall() == [("alice",), ("bob",)]
            assert state() == "here"  # her other console runs
        assert state() == "gone"  # her last console quit

    asyncio.run(run())
