"""Keys that move through work: ] and [ to the cases awaiting an answer, n and N through
search hits, F2 back to the queue, : for the command palette."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette

from omnitui.config import Macro, Settings
from omnitui.store.db import Store
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens.case import CaseScreen
from tests.tui.helpers import (
    drive,
    highlighted,
    one_email_case,
    queue,
    screen_text,
    settle,
)


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
            await settle(app, pilot)
            visited.append(cases.cursor)
        after_start = [i for i in expected if i > 0]  # the cursor starts on row 0
        assert visited == after_start[:3]
        await pilot.press("left_square_bracket")
        await settle(app, pilot)
        assert cases.cursor == visited[1]
        cases.move_to(len(cases.ids) - 1)
        await pilot.press("right_square_bracket")
        await settle(app, pilot)
        assert "no case waiting for an answer below" in screen_text(app)

    drive(demo_db, script)


def test_n_and_N_in_the_queue_stay_put_until_something_is_searched(demo_db: Path) -> None:
    """As in less or mutt: n with no search made is no move (it went down like j)."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        await pilot.press("j", "j", "n", "n", "N")
        await settle(app, pilot)
        assert cases.cursor == 2
        assert "search first (/), then n and N walk the hits" in screen_text(app)
        await pilot.press("slash", *"order", "enter")
        await settle(app, pilot)
        assert len(cases.ids) > 2 and cases.cursor == 0
        await pilot.press("n", "n", "N")
        await settle(app, pilot)
        assert cases.cursor == 1
        await pilot.press("N", "N")  # past the first hit: it stood, and said nothing
        await settle(app, pilot)
        assert cases.cursor == 0 and "no more cases with 'order' above" in screen_text(app)

    drive(demo_db, script, size=(80, 24))


def test_a_key_typed_right_after_enter_in_the_search_is_the_lists(demo_db: Path) -> None:
    """`/order`, enter and n typed at once: the n went into the box ("ordern"), which still
    had the keyboard as the enter reached the screen."""
    from textual import events
    from textual.widgets import Input

    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        await pilot.press("slash", *"order")
        await settle(app, pilot)
        app.post_message(events.Key("enter", "\r"))
        app.post_message(events.Key("n", "n"))
        await settle(app, pilot)
        assert app.screen.query_one("#narrow", Input).value == "order"
        assert cases.cursor == 1 and app.focused is cases

    drive(demo_db, script, size=(80, 24))


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
        assert app.screen is app.queue
        await pilot.press("colon")
        await settle(app, pilot)
        assert isinstance(app.screen, CommandPalette)

    drive(demo_db, script)


def test_s_cycles_the_queue_order(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        await pilot.press("s")  # the view is by priority: next comes SLA due
        await settle(app, pilot)
        assert app.queue.case_query.sort == "sla" and "by SLA due" in screen_text(app)
        await pilot.press("s")
        await settle(app, pilot)
        assert app.queue.case_query.sort == "newest"
        assert list(cases.ids) == sorted(cases.ids, reverse=True)
        await pilot.press("s", "s")
        await settle(app, pilot)
        assert app.queue.case_query.sort == "priority"
        assert "by " not in screen_text(app).splitlines()[-2]

    drive(demo_db, script)


def test_the_palette_runs_actions_and_picks_sorts(demo_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        case_id = queue(app).current_id
        with Store(demo_db) as store:
            severity = store.conn.execute("SELECT severity FROM cases WHERE id = ?",
                                          (case_id,)).fetchone()[0]
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"Escalate")
        await settle(app, pilot)
        await pilot.pause(0.3)  # the palette searches in the background
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app, pilot)
        with Store(demo_db) as store:
            assert store.conn.execute("SELECT severity FROM cases WHERE id = ?",
                                      (case_id,)).fetchone()[0] == severity + 1
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        await pilot.press(*"last activity")
        await settle(app, pilot)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.queue.case_query.sort == "updated"

    drive(demo_db, script)


def test_the_palette_lists_the_consoles_entries_and_macros_by_name(demo_db: Path) -> None:
    """Opened empty it showed only Textual's five; it offered "Macro 7" with two macros."""
    settings = Settings(macros=[Macro("Refund issued", status="solved"),
                                Macro("Spam", status="solved")])

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("colon")
        await settle(app, pilot)
        await pilot.pause(0.3)  # the palette searches in the background
        assert "view: all open" in screen_text(app)
        await pilot.press(*"macro")
        await settle(app, pilot)
        await pilot.pause(0.3)
        shown = screen_text(app)
        assert "Macro 1: Refund issued (1)" in shown and "Macro 2: Spam (2)" in shown
        assert "Macro 3" not in shown

    drive(demo_db, script, settings)


def test_quit_asks_first_from_the_key_and_from_the_palette(demo_db: Path) -> None:
    """`q` asked; the palette's Quit (Textual's own entry) quit at once."""
    from omnitui.tui.screens.modals import ConfirmScreen

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("q")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen) and "Quit omnitui?" in screen_text(app)
        await pilot.press("n", "enter")  # on a case, the palette's Quit is Textual's alone
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("ctrl+p", *"quit")
        await settle(app, pilot)
        await pilot.pause(0.3)  # the palette searches in the background
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.is_running and isinstance(app.screen, ConfirmScreen)

    drive(demo_db, script)


def test_enter_twice_in_one_burst_opens_the_case_in_one_piece(demo_db: Path) -> None:
    """Keys typed fast arrive in one burst: a second enter (or any other way to open a case)
    reached the case screen the first had pushed before it was put together (NoMatches
    '#facts': the console died). It shows the case it was asked for when it comes up."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        rows = queue(app)
        first = rows.current_id
        rows.action_open()
        rows.action_cursor_down()
        second = rows.current_id
        rows.action_open()  # both Opened messages are queued before either is handled
        await settle(app, pilot)
        assert app.is_running and first != second
        assert isinstance(app.screen, CaseScreen) and app.screen.detail.case.id == second
        assert f"#{second}" in screen_text(app)

    drive(demo_db, script)


def test_pickers_and_help_move_with_the_queues_keys(demo_db: Path) -> None:
    """Only the arrows moved a picker (ctrl+j and ctrl+k too now: j and k type a name), and
    only the arrows and PgDn scrolled the help."""
    from textual.containers import VerticalScroll
    from textual.widgets import OptionList

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("v")  # the view picker
        await settle(app, pilot)
        choices = app.screen.query_one(OptionList)
        start = choices.highlighted or 0
        await pilot.press("ctrl+j", "ctrl+j", "ctrl+k")  # j and k type: "kevin"
        assert choices.highlighted == start + 1
        await pilot.press(*"unas")  # typing narrows the list to what contains it
        assert str(choices.get_option_at_index(choices.highlighted or 0).prompt
                   ).startswith("unassigned")
        await pilot.press(*["backspace"] * 4, *"queue b")  # words, punctuation aside
        assert str(choices.get_option_at_index(choices.highlighted or 0).prompt
                   ).startswith("queue: billing")
        await pilot.press("escape", "escape", "question_mark")  # the typed, then the picker
        await settle(app, pilot)
        scroll = app.screen.query_one(VerticalScroll)
        await pilot.press("j", "j", "space")
        await settle(app, pilot)
        assert scroll.scroll_y > 2
        await pilot.press("g")
        await settle(app, pilot)
        await pilot.pause(0.3)  # type: ignore[attr-defined]  # the scroll animates
        assert scroll.scroll_y == 0

    drive(demo_db, script)


def test_a_pending_reason_left_empty_is_asked_for_again(demo_db: Path) -> None:
    """The dialog closed and nothing happened, without a word."""
    from textual.widgets import Input

    from omnitui.tui.screens.modals import AskScreen

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("P")
        await settle(app, pilot)
        app.screen.query_one(Input).value = ""
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, AskScreen)
        assert "say what it waits on (escape cancels)" in screen_text(app)

    drive(demo_db, script)


def test_a_filter_alone_has_no_hits_in_the_queue_nor_on_a_case(demo_db: Path) -> None:
    """n in the queue walked every case of `status:open` as if each were a hit, while n on a
    case said to search first: filter terms narrow the list, only words are found."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        await pilot.press("backslash", *"open", "enter")  # status:open
        await settle(app, pilot)
        assert len(cases.ids) > 2 and cases.cursor == 0
        await pilot.press("n")
        await settle(app, pilot)
        assert cases.cursor == 0
        said = "'status:open' only filters: n and N walk words searched (/)"
        assert said in screen_text(app)
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen)
        await pilot.press("g", "n")
        await settle(app, pilot)
        assert screen.current == 0 and said in screen_text(app)

    drive(demo_db, script, size=(200, 50))


@pytest.fixture
def invoice_db(tmp_path: Path) -> Path:
    """One email case: the word "invoice" in every message's subject, in one text only."""
    return one_email_case(tmp_path / "invoice.db", "Invoice missing",
                          ["Hello, where is my money?", "Your invoice number is 42, I attach it.",
                           "Any news?"])


def test_n_on_a_case_lands_where_the_words_show_highlighted(invoice_db: Path) -> None:
    """n landed on a message whose only "invoice" was its subject, which the screen shows
    once, as the case's title: nothing to be seen there."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("slash", *"INVOICE", "enter", "enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen) and len(screen.boxes) == 3
        assert screen.current == 2  # the newest
        await pilot.press("N")
        await settle(app, pilot)
        assert screen.current == 1 and "Your invoice number" in screen_text(app)
        await pilot.press("N")
        await settle(app, pilot)
        assert screen.current == 1
        assert "this is the only message with 'INVOICE'" in screen_text(app)
        await pilot.press("n")
        await settle(app, pilot)
        assert screen.current == 1
        assert [highlighted(box) for box in screen.boxes] == [[], ["invoice"], []]
        await pilot.press("G", "n")  # from the newest, round the end as mutt goes
        await settle(app, pilot)
        assert screen.current == 1 and "search wrapped to the top" in screen_text(app)

    drive(invoice_db, script, size=(80, 24))


def listed(app: OmnituiApp) -> list[str]:
    """The palette's entries, each its name and what it does."""
    return [str(option.prompt) for option in
            app.screen.query_one("CommandList").options]  # type: ignore[attr-defined]


async def choose(app: OmnituiApp, pilot: object, entry: str) -> None:
    """Type into the palette and run its first entry (one enter picks the only one)."""
    await pilot.press(*entry)  # type: ignore[attr-defined]
    while isinstance(app.screen, CommandPalette):
        await settle(app, pilot)
        await pilot.pause(0.3)  # type: ignore[attr-defined]  # it searches in the background
        await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(app, pilot)


def test_the_palette_lists_the_consoles_own_keys(demo_db: Path) -> None:
    """Undo, go to case, the board were never listed: asked whether to offer them, the
    console said no, as it does to every key while a text field (the palette's own) has the
    keyboard."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("colon")
        await settle(app, pilot)
        await pilot.pause(0.3)  # the palette searches in the background
        shown = "\n".join(listed(app))
        assert "Undo the last action (u)" in shown and "Go to case number… (#)" in shown
        await choose(app, pilot, "go to case")
        assert isinstance(app.screen, AskScreen)

    from omnitui.tui.screens.modals import AskScreen

    drive(demo_db, script)


def test_the_palette_opened_from_the_search_box_lists_the_queues_entries(
        demo_db: Path) -> None:
    """ctrl+p in the search box did nothing (the console's keys are the box's there), and
    the palette, asking the queue what it would run, heard no to every key while the box
    had the keyboard."""
    from textual.widgets import Input

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("colon")
        await settle(app, pilot)
        await pilot.pause(0.3)  # the palette searches in the background
        from_the_list = listed(app)
        await pilot.press("escape", "slash", *"status:")
        await settle(app, pilot)
        box = app.queue.query_one("#narrow", Input)
        assert box.value == "status:"  # the colon is the box's
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        await pilot.pause(0.3)
        assert isinstance(app.screen, CommandPalette)
        from_the_box = listed(app)
        assert "Pick a view (v)" in "\n".join(from_the_box)
        assert sorted(from_the_box) == sorted(from_the_list)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.focused is box and box.value == "status:"
        await pilot.press("ctrl+p")  # chosen, an entry runs: as after enter, the box keeps
        await choose(app, pilot, "pick a view")  # what was typed
        assert isinstance(app.screen, PickScreen) and box.value == "status:"

    from omnitui.tui.screens.modals import PickScreen

    drive(demo_db, script, size=(80, 24))


def test_page_down_moves_the_cursor_a_page_at_once(demo_db: Path) -> None:
    """PageDown scrolled the rows for half a second and left the cursor behind, on a case
    no longer on screen."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        page = cases.size.height
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert cases.cursor == page  # the next page shown, its first row on top if it can be
        assert cases.scroll_y == min(page, cases.max_scroll_y) > 0
        await pilot.press("pageup")
        await settle(app, pilot)
        assert cases.cursor == 0

    drive(demo_db, script)
