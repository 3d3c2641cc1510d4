"""The queue as a fast typist uses it: keys typed at once land where the agent meant, a
superseded search never shows its list, G lands on the last case however early, the filter
language reads what the screen shows, and a case opens by its number."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest
from textual import events
from textual.keys import _character_to_key
from textual.widgets import Input, TextArea

from omnitui.channels.email.parse import parse_email
from omnitui.config import Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.store import queries
from omnitui.store.db import Store
from omnitui.store.schema import ACTIVE
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens import queue as queue_module
from omnitui.tui.screens.board import BoardScreen
from omnitui.tui.screens.case import CaseScreen
from omnitui.tui.screens.modals import AskScreen, ComposeScreen, PickScreen, TextScreen
from tests.conftest import make_email
from tests.tui.helpers import drive, queue, screen_text, settle, show_view

CHARACTERS = {"/": "slash", "\\": "backslash", "#": "number_sign", " ": "space", ":": "colon"}


def typed_at_once(app: OmnituiApp, keys: Iterable[str]) -> None:
    """Keys as a terminal delivers them when typed fast or pasted: all queued before the
    console has handled the first."""
    for key in keys:
        name = CHARACTERS.get(key, key)
        app.post_message(events.Key(name, key if len(key) == 1 else None))


def status_of(path: Path, case_id: int) -> str:
    with Store(path) as store:
        return store.conn.execute("SELECT status FROM cases WHERE id = ?",
                                  (case_id,)).fetchone()[0]


def ids_of(path: Path, query: queries.CaseQuery) -> list[int]:
    with Store(path) as store:
        return list(queries.queue_ids(store.conn, query))


def test_keys_typed_right_after_slash_belong_to_the_search_box(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        first = queue(app).current_id
        status = status_of(demo_db, first)
        typed_at_once(app, ["/", *"refunx", "backspace", "d"])
        await settle(app, pilot)
        assert app.queue.query_one("#narrow", Input).value == "refund"
        assert not isinstance(app.screen, ComposeScreen)  # "r" did not start a reply
        assert status_of(demo_db, first) == status and not queue(app).marked

    drive(demo_db, script)


def test_keys_that_type_nothing_work_from_the_search_box(demo_db: Path) -> None:
    """F1, F3 (and ctrl+r, F2) did nothing while the search box had the keyboard, though
    the help says they work everywhere: every console key was refused while typing. A key
    that types (?) is still the box's, and a dialog keeps every key."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        box = app.queue.query_one("#narrow", Input)
        await pilot.press("slash", "a", "question_mark")
        await settle(app, pilot)
        assert box.value == "a?" and app.screen is app.queue
        await pilot.press("f1")
        await settle(app, pilot)
        assert isinstance(app.screen, TextScreen) and "Keys" in screen_text(app)
        await pilot.press("escape", "f3")
        await settle(app, pilot)
        assert isinstance(app.screen, BoardScreen)
        await pilot.press("f2", "escape", "number_sign")
        await settle(app, pilot)
        assert isinstance(app.screen, AskScreen)  # a dialog: its field has every key
        await pilot.press("f3")
        await settle(app, pilot)
        assert isinstance(app.screen, AskScreen)

    drive(demo_db, script)


def test_a_key_the_search_box_uses_stays_its_own_whatever_keymap_binds(
        demo_db: Path) -> None:
    """[keymap] gives the board ctrl+a too: in the search box, ctrl+a is the box's (the
    start of the line); f4, which the box does not use, opens the board."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        box = app.queue.query_one("#narrow", Input)
        await pilot.press("slash", "a", "b", "ctrl+a")
        await settle(app, pilot)
        assert app.screen is app.queue and box.cursor_position == 0
        await pilot.press("f4")
        await settle(app, pilot)
        assert isinstance(app.screen, BoardScreen)

    drive(demo_db, script, Settings(keymap={"mode.board": "ctrl+a,f4"}))


def test_a_reply_typed_right_after_r_never_fires_queue_keys(demo_db: Path) -> None:
    """"rSorry": S is Solved on the queue; typed before the composer is up, it must not
    solve the case."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        first = queue(app).current_id
        status = status_of(demo_db, first)
        typed_at_once(app, ["r", *"Sorry"])
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen)
        assert app.screen.query_one(TextArea).text == "Sorry"  # every key in the reply
        assert status_of(demo_db, first) == status

    drive(demo_db, script)


def test_keys_typed_right_after_enter_in_a_picker_follow_the_pick(demo_db: Path) -> None:
    """"vmine", enter and jj at once: the j's reached the picker before the enter did, which
    picked nothing ("minejj — nothing matches", the picker still up)."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("v")
        await settle(app, pilot)
        assert isinstance(app.screen, PickScreen)
        typed_at_once(app, [*"mine", "enter", "j", "j"])
        await settle(app, pilot)
        assert not isinstance(app.screen, PickScreen)
        assert app.queue.view.name == "mine" and queue(app).cursor == 2

    drive(demo_db, script)


def test_arrows_typed_right_after_a_picker_opens_move_before_its_enter(demo_db: Path) -> None:
    """L, down, down and enter at once picked the first option, a merge of customers: the
    arrows reached the picker before its list had the keyboard and were lost, the enter
    was not (and the address typed next, then enter, said yes to the merge)."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("v")
        await settle(app, pilot)
        assert isinstance(app.screen, PickScreen)
        third = app.screen.options[2]
        await pilot.press("escape")
        await settle(app, pilot)
        typed_at_once(app, ["v", "down", "down", "enter"])
        await settle(app, pilot)
        assert not isinstance(app.screen, PickScreen)
        assert app.queue.view.name in third

    drive(demo_db, script)


def test_tab_in_the_filter_box_takes_the_completion_shown(demo_db: Path) -> None:
    """"channel:wha" showed "→ channel:whatsapp"; tab left the box with the half-typed
    filter ("not all understood"), and the next enter opened a case."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("backslash", *"channel:wha")
        await settle(app, pilot)
        await pilot.press("tab")
        await settle(app, pilot)
        box = app.queue.query_one("#narrow", Input)
        assert box.value == "channel:whatsapp" and box.has_focus
        assert "channel:whatsapp ·" in screen_text(app)
        await pilot.press("tab")  # nothing more to complete: on to the list, as before
        await settle(app, pilot)
        assert queue(app).has_focus and box.value == "channel:whatsapp"
        await pilot.press("escape", "escape", "backslash")
        await settle(app, pilot)
        assert box.value == "status:"  # (what the filter key starts with)
        for key, character in (*((_character_to_key(c), c) for c in "pen"),
                               ("tab", None)):  # in one burst: the completion shown is
            app.post_message(events.Key(key, character))  # worked out after the tab
        await settle(app, pilot)
        assert box.value == "status:pending" and box.has_focus

    drive(demo_db, script)


def test_a_superseded_search_never_shows_its_list(demo_db: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The race from the field: clear a search and type a new one before the old query's
    whole id list has loaded. The old list arrives last and must be dropped."""
    real = queries.queue_ids

    def slow_for_the_first_search(conn: object, query: queries.CaseQuery) -> object:
        if query.search == "refund":
            time.sleep(0.6)  # a big store: this list arrives after the next search's
        return real(conn, query)  # type: ignore[arg-type]

    monkeypatch.setattr(queue_module, "queue_ids", slow_for_the_first_search)

    async def script(app: OmnituiApp, pilot: object) -> None:
        box = app.queue.query_one("#narrow", Input)
        typed_at_once(app, ["/", *"refund"])
        await pilot.pause(0.1)
        box.value = ""
        typed_at_once(app, list("screenshot"))
        await settle(app, pilot)
        await pilot.pause(0.8)
        await settle(app, pilot)
        wanted = ids_of(demo_db, replace(queries.CaseQuery(), search="screenshot"))
        assert wanted and list(queue(app).ids) == wanted
        assert f"screenshot · {len(wanted):,} case" in screen_text(app)

    drive(demo_db, script)


def test_a_filter_typed_ahead_reads_only_its_last_value(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys typed faster than the console reads (at start-up, on a busy machine) narrow
    once, by what the box holds: "s", the first of them, was a full-text search over a
    million cases on the UI thread, and every value on the way a page of its own."""
    real, read = queries.list_cases, []

    def recorded(conn: object, query: queries.CaseQuery) -> object:
        read.append(query)
        return real(conn, query)  # type: ignore[arg-type]

    monkeypatch.setattr(queue_module, "list_cases", recorded)

    async def script(app: OmnituiApp, pilot: object) -> None:
        read.clear()
        typed_at_once(app, ["/", *"status:solved"])
        await settle(app, pilot)
        assert [(q.search, q.statuses) for q in read] == [(None, ("solved",))]
        wanted = ids_of(demo_db, replace(queries.CaseQuery(), statuses=("solved",)))
        assert wanted and list(queue(app).ids) == wanted
        assert f"status:solved · {len(wanted):,} case" in screen_text(app)

    drive(demo_db, script)


def test_G_before_the_whole_list_arrives_lands_on_the_last_case(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queue_module, "FIRST_PAGE", 10)  # the view has more than a first page
    real = queries.queue_ids
    arrived = threading.Event()

    def slow(conn: object, query: queries.CaseQuery) -> object:
        arrived.wait(10)  # a million cases, still being read, however long start-up took
        return real(conn, query)  # type: ignore[arg-type]

    monkeypatch.setattr(queue_module, "queue_ids", slow)

    async def run() -> None:
        app = OmnituiApp(demo_db, Settings(), "alice")
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            cases = queue(app)
            assert not cases.complete and len(cases.ids) == queue_module.FIRST_PAGE
            await pilot.press("G")
            assert "+ …" in screen_text(app)  # the status bar says the count is not final
            arrived.set()
            await settle(app, pilot)
            assert cases.complete and cases.cursor == len(cases.ids) - 1
            assert cases.current_id == cases.ids[-1]

    asyncio.run(run())


def test_a_new_order_keeps_the_case_not_the_row(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        await pilot.press(*"jjjjj")
        kept = cases.current_id
        await pilot.press("s")  # the SLA order
        await settle(app, pilot)
        assert cases.current_id == kept

    drive(demo_db, script)


@pytest.mark.parametrize(("typed", "column", "wanted"), [
    ("status:on hold", "status", {"on_hold"}),
    ("status:on_hold", "status", {"on_hold"}),
    ("status:on-hold", "status", {"on_hold"}),
    ("owner:FARID", "owner", {"farid"}),
    ("owner:none", "owner", {None}),
    ("owner:me", "owner", {"alice"}),
    ("channel:EMAIL", "channel", {"email"}),
    ("lang:EN", "language", {"en"}),
    ("is:irritated", "irritation IS NOT NULL", {1}),
    ("intent:billing", "intent", {"billing"}),  # no [[intents]] in the config: any name
])
def test_filters_read_what_the_screen_shows(demo_db: Path, typed: str, column: str,
                                            wanted: set[object]) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        typed_at_once(app, ["/", *typed])
        await settle(app, pilot)
        with Store(demo_db) as store:
            found = {store.conn.execute(f"SELECT {column} FROM cases WHERE id = ?",
                                        (case_id,)).fetchone()[0] for case_id in queue(app).ids}
        assert found == wanted

    drive(demo_db, script)


def test_an_unknown_filter_value_is_said_and_never_empties_the_queue(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        everything = len(queue(app).ids)
        await pilot.press("backslash")  # opens on "status:"
        await settle(app, pilot)
        assert len(queue(app).ids) == everything
        typed_at_once(app, [*"pendnig", " "])
        await settle(app, pilot)
        assert "no status 'pendnig'" in screen_text(app)
        assert len(queue(app).ids) == everything
        typed_at_once(app, [*"owner:zed", " "])
        await settle(app, pilot)
        assert "no agent 'zed'" in screen_text(app) and len(queue(app).ids) == everything
        # the status bar does not read as if the count were the filter's
        assert f"owner:zed (not all understood) · {everything:,} cases" in screen_text(app)

    drive(demo_db, script)


def test_a_long_filter_at_80_columns_is_cut_before_the_count(demo_db: Path) -> None:
    """The status bar was cut from its end: a long filter hid the count and the doubt."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("backslash", "ctrl+u")
        typed_at_once(app, [*"owner:alice intent:biling lang:english status:opn", " "])
        await settle(app, pilot)
        bar = next(line for line in screen_text(app).splitlines() if " · all open · " in line)
        assert "… (not all understood) · " in bar and bar.rstrip().endswith("started")
        assert f"{len(queue(app).ids):,} cases │" in bar

    drive(demo_db, script, size=(80, 24))


def test_a_case_opens_by_its_number_from_search_or_the_goto_key(demo_db: Path) -> None:
    with Store(demo_db) as store:
        solved = store.conn.execute("SELECT id FROM cases WHERE status = 'solved'"
                                    " LIMIT 1").fetchone()[0]

    async def script(app: OmnituiApp, pilot: object) -> None:
        assert solved not in queue(app).ids  # not in the view: opened anyway
        typed_at_once(app, ["/", *f"#{solved}", "enter"])
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.detail.case.id == solved
        await pilot.press("f2", "number_sign")
        await settle(app, pilot)
        assert isinstance(app.screen, AskScreen)
        typed_at_once(app, [*"99999", "enter"])
        await settle(app, pilot)
        assert isinstance(app.screen, AskScreen)  # a wrong number keeps the dialog open
        assert "there is no case #99999" in screen_text(app)
        typed_at_once(app, ["ctrl+u", *str(solved), "enter"])
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen) and app.screen.detail.case.id == solved

    drive(demo_db, script)


def test_the_column_names_follow_the_rows_when_the_scrollbar_comes_or_goes(
        demo_db: Path) -> None:
    """A long queue has a scrollbar, a filtered one may not: the rows then have two more
    columns of room (at 120, the intent column), and the names above them must say so."""
    from omnitui.tui.widgets.case_list import layout

    def names_match(app: OmnituiApp) -> bool:
        shown = screen_text(app).splitlines()[0].split()
        return shown == [name for name, _ in layout(queue(app).row_width) if name]

    async def script(app: OmnituiApp, pilot: object) -> None:
        assert queue(app).show_vertical_scrollbar and names_match(app)
        typed_at_once(app, ["/", *"status:new"])  # (pending cases have columns of their own)
        await settle(app, pilot)
        await pilot.pause()
        assert not queue(app).show_vertical_scrollbar and names_match(app)
        assert "intent" in screen_text(app).splitlines()[0]

    drive(demo_db, script)


def test_the_column_names_follow_the_rows_when_a_panel_takes_room(demo_db: Path) -> None:
    """The keys panel (`:` then "keys") docks beside the list: the rows lose columns and
    the names above them must lose the same ones, on one line, not wrap under them."""
    from omnitui.tui.widgets.case_list import layout

    async def script(app: OmnituiApp, pilot: object) -> None:
        wide = queue(app).row_width
        app.action_show_help_panel()
        await settle(app, pilot)
        await pilot.pause()
        assert queue(app).row_width < wide
        lines = screen_text(app).splitlines()
        assert lines[0].split()[:-1] == [name for name, _ in layout(queue(app).row_width)
                                         if name]  # the panel's edge is the last
        assert lines[1].split()[0] == str(queue(app).ids[0])  # the first row, not names
        await pilot.resize_terminal(80, 24)  # narrower than any layout: cut like the rows
        await settle(app, pilot)
        await pilot.pause()
        assert screen_text(app).splitlines()[1].split()[0] == str(queue(app).ids[0])

    drive(demo_db, script)


def test_escape_on_the_list_clears_its_marks_then_the_kept_filter(demo_db: Path) -> None:
    """enter keeps a filter and hands the keys to the list; the box stays up, its help
    saying "esc clears". There escape clears the marks first, then the filter (an empty
    result left the agent nowhere to press)."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        everything = len(queue(app).ids)
        typed_at_once(app, ["/", *"lang:ja", "enter"])  # nobody in the demo writes Japanese
        await settle(app, pilot)
        assert not queue(app).ids and "lang:ja · 0 cases" in screen_text(app)
        assert queue(app).has_focus
        typed_at_once(app, ["escape"])
        await settle(app, pilot)
        assert len(queue(app).ids) == everything
        assert app.queue.query_one("#narrow", Input).value == ""
        typed_at_once(app, ["/", *"channel:email", "enter"])
        await settle(app, pilot)
        typed_at_once(app, ["x", "j", "x"])
        await settle(app, pilot)
        assert len(queue(app).marked) == 2
        typed_at_once(app, ["escape"])
        await settle(app, pilot)
        assert not queue(app).marked and "channel:email" in screen_text(app)  # marks first
        typed_at_once(app, ["escape"])
        await settle(app, pilot)
        assert len(queue(app).ids) == everything

    drive(demo_db, script)


def test_chinese_and_japanese_words_are_found_inside_a_subject(demo_db: Path) -> None:
    """"订单" (order) in the subject "我的订单没有到" found nothing: FTS5 keeps a run of
    these characters as one word."""
    with Store(demo_db) as store:
        pipeline = Pipeline(store, Settings())
        chinese = pipeline.ingest(parse_email(make_email(
            "ming@example.cn", name="王小明", subject="我的订单没有到",
            body="你好 请帮我查一下物流"))).case_id
        japanese = pipeline.ingest(parse_email(make_email(
            "yuki@example.jp", name="Tanaka Yuki", subject="注文が届きません",
            body="先週注文した商品がまだ届いていません。"))).case_id

    async def script(app: OmnituiApp, pilot: object) -> None:
        for typed, found in (("订单", chinese), ("届き", japanese), ("小明", chinese)):
            typed_at_once(app, ["/", *typed, "enter"])
            await settle(app, pilot)
            assert list(queue(app).ids) == [found], typed
            assert "订单没有到" in screen_text(app) or found != chinese
            await pilot.press("escape")
            await settle(app, pilot)

    drive(demo_db, script, size=(80, 24))


def test_a_customers_address_or_number_typed_in_the_search_finds_their_cases(
        demo_db: Path) -> None:
    """An agent types the address of the customer on the phone, or their number as they say
    it: the search read subjects, bodies and names only, and found nothing."""
    with Store(demo_db) as store:
        customer, email, phone = store.conn.execute(
            "SELECT e.customer_id, e.value, p.value FROM identities e JOIN identities p"
            " ON p.customer_id = e.customer_id AND p.kind = 'phone' AND p.value LIKE '+1%'"
            " WHERE e.kind = 'email' AND e.customer_id IN (SELECT customer_id FROM cases"
            f" WHERE status IN {ACTIVE}) ORDER BY e.customer_id LIMIT 1").fetchone()
    theirs = ids_of(demo_db, queries.CaseQuery(customer_id=customer))
    assert theirs
    as_said = f"({phone[2:5]}) {phone[5:8]}-{phone[8:]}"  # +12125550123: (212) 555-0123

    async def script(app: OmnituiApp, pilot: object) -> None:
        await show_view(app, pilot, "all open")
        for typed in (email.upper(), as_said):
            await pilot.press("slash", "ctrl+u")
            typed_at_once(app, typed)
            await settle(app, pilot)
            assert list(queue(app).ids) == theirs, typed
        typed_at_once(app, " zzqxnothing")  # and every other word, as ever
        await settle(app, pilot)
        assert list(queue(app).ids) == []

    drive(demo_db, script)
