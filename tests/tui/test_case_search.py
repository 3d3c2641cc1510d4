"""`/` on a case searches its messages, as a pager's `/` does, and n and N walk what it
found (omnitui/tui/hits.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input, Static

from omnitui.channels.email.parse import parse_email
from omnitui.config import Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.store.db import Store
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens.case import TIMELINE_PAGE, CaseScreen
from omnitui.tui.widgets.key_bar import KeyBar
from tests.conftest import make_email
from tests.tui.helpers import (
    drive,
    highlighted,
    one_email_case,
    rendered,
    screen_text,
    settle,
)

BODIES = ["I want a refund for order 12.", "Hello? Is my money coming?",
          "Still no refund, and no answer.", "Any news?"]


@pytest.fixture
def refund_db(tmp_path: Path) -> Path:
    """One email case of four messages: "refund" in the first and the third."""
    return one_email_case(tmp_path / "refund.db", "Order 12", BODIES)


async def open_the_case(app: OmnituiApp, pilot: object) -> CaseScreen:
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(app, pilot)
    screen = app.screen
    assert isinstance(screen, CaseScreen) and len(screen.boxes) == 4
    assert screen.current == 3  # the newest
    return screen


def prompt(screen: CaseScreen) -> Input:
    return screen.query_one("#find", Input)


def walking(screen: CaseScreen) -> str:
    line = screen.query_one("#walking", Static)
    return rendered(line.content) if line.display else ""


def test_slash_finds_the_words_and_n_walks_them_round_the_end(refund_db: Path) -> None:
    """`/refund`, enter and n typed in one burst: the prompt gets the word, enter finds the
    first message with it at or after the current one (round the end from the newest), n
    the next one; a later n goes round the end again and says so."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        screen = await open_the_case(app, pilot)
        for key, character in [("slash", "/"), *((c, c) for c in "refund"),
                               ("enter", "\r"), ("n", "n")]:
            app.post_message(events.Key(key, character))
        await settle(app, pilot)
        await pilot.pause(0.6)  # type: ignore[attr-defined]  # past the prompt's hold
        await settle(app, pilot)
        assert not prompt(screen).display and prompt(screen).value == ""
        assert screen.current == 2 and app.focused is not prompt(screen)
        assert [highlighted(box) for box in screen.boxes] == [["refund"], [], ["refund"], []]
        assert "search wrapped to the top" in screen_text(app)
        assert "n/N walk 'refund', searched on this case" in walking(screen)
        app.clear_notifications()
        await pilot.press("n")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert screen.current == 0 and "search wrapped to the top" in screen_text(app)
        await pilot.press("N")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert screen.current == 2

    drive(refund_db, script, size=(80, 24))


def test_a_search_on_the_case_takes_n_over_from_the_queues_until_it_ends(
        refund_db: Path) -> None:
    """Opened from the queue's search for "money", n walks "money"; `/refund` takes n
    over on the case (the line under the timeline says which); enter on an empty prompt
    gives it back, and so does leaving the case."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("slash", *"money", "enter")  # type: ignore[attr-defined]
        await settle(app, pilot)
        screen = await open_the_case(app, pilot)
        assert "n/N walk the queue's search 'money'" in walking(screen)
        await pilot.press("g", "slash", *"refund", "enter")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert screen.current == 0  # the current message has the word: it stays
        await pilot.press("n")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert screen.current == 2 and highlighted(screen.boxes[1]) == []
        await pilot.press("slash", "enter")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert "n/N walk the queue's search 'money'" in walking(screen)
        assert highlighted(screen.boxes[1]) == ["money"]
        await pilot.press("slash", *"refund", "enter", "escape")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert app.screen is app.queue
        screen = await open_the_case(app, pilot)
        await pilot.press("n")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert screen.current == 1 and "walk the queue's search 'money'" in walking(screen)

    drive(refund_db, script, size=(80, 24))


def test_no_message_with_the_words_says_so_and_keeps_them_to_be_put_right(
        refund_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        screen = await open_the_case(app, pilot)
        await pilot.press("slash", *"refnud", "enter")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert "no message on this case says 'refnud'" in screen_text(app)
        assert prompt(screen).has_focus and prompt(screen).value == "refnud"
        assert screen.current == 3
        await pilot.press("backspace", "backspace", "backspace", *"und", "enter")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert screen.current == 0 and not prompt(screen).display

    drive(refund_db, script, size=(80, 24))


def test_escape_closes_the_prompt_and_leaves_the_case_as_it_was(refund_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        screen = await open_the_case(app, pilot)
        await pilot.press("k", "slash", *"refund", "escape")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert app.screen is screen and screen.current == 2
        assert not prompt(screen).display and not prompt(screen).has_focus
        assert all(highlighted(box) == [] for box in screen.boxes)
        await pilot.press("n")  # type: ignore[attr-defined]  # nothing was searched
        await settle(app, pilot)
        assert screen.current == 2
        assert "search first (/), then n and N walk the hits" in screen_text(app)

    drive(refund_db, script, size=(80, 24))


def test_help_and_the_key_bar_offer_the_search_and_keymap_moves_it(refund_db: Path) -> None:
    """The key bar at 80 columns lists it and keeps "? Help" whole (a key that does not fit
    gives way); `[keymap]` gives it another key, which the help lists."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        screen = await open_the_case(app, pilot)
        bar = str(screen.query_one(KeyBar).render())
        assert "ctrl+f Find" in bar or "^f Find" in bar
        assert "? Help" in bar and bar.rstrip().endswith("^p Commands")
        await pilot.press("slash")  # type: ignore[attr-defined]  # no longer its key
        await settle(app, pilot)
        assert not prompt(screen).display
        await pilot.press("ctrl+f", *"refund", "enter")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert screen.current == 0 and "^f searches again" in walking(screen)
        await pilot.press("question_mark")  # type: ignore[attr-defined]
        await settle(app, pilot)
        shown = rendered(app.screen.query_one("#text", Static).content)
        assert "timeline.search" in shown and "Search this case's messages" in shown
        assert re.search(r"\^f +Search this case.s messages", shown)

    drive(refund_db, script, Settings(keymap={"timeline.search": "ctrl+f"}),
          size=(80, 24))


def test_the_key_bar_offers_slash_on_a_case_and_keeps_help(refund_db: Path) -> None:
    async def script(app: OmnituiApp, pilot: object) -> None:
        screen = await open_the_case(app, pilot)
        bar = str(screen.query_one(KeyBar).render())
        assert "/ Find" in bar and "? Help " in bar

    drive(refund_db, script, size=(80, 24))


def test_words_only_in_the_folded_quoted_history_are_found_and_unfolded(
        tmp_path: Path) -> None:
    """The queue lists the case for words in a message's quoted history: `/` on the case
    finds them too (it said no message held them), unfolded so the hit is seen."""
    path = one_email_case(tmp_path / "quoted.db", "Parcel", [
        "Where is my parcel?",
        "Any news?\n\nOn Mon, 3 Jun 2024 at 10:15, Support <support@example.com> wrote:\n"
        "> Your parcel left Hamburg today.\n"])

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("enter")  # type: ignore[attr-defined]
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen)
        await pilot.press("g", "slash", *"hamburg", "enter")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert "no message on this case says" not in screen_text(app)
        assert screen.current == 1 and highlighted(screen.boxes[1]) == ["Hamburg"]
        assert "Your parcel left Hamburg today." in screen_text(app)

    drive(path, script, size=(80, 24))


def test_slash_finds_words_in_a_long_cases_messages_not_drawn_yet(tmp_path: Path) -> None:
    """A case of more messages than the timeline draws at first: `/` finds the words in an
    older one (read from the store), drawn with a page of those after it and the counts of
    the others above and below it right; G goes back to the newest; n walks through those
    drawn and those below, round the end; j at the bottom draws the rest below."""
    total = TIMELINE_PAGE * 2 + 10
    path = tmp_path / "long.db"
    with Store(path) as store:
        pipeline = Pipeline(store, Settings())
        for n in range(total):
            said = " about the wombat" if n in (3, 40, total - 10) else ""
            pipeline.ingest(parse_email(make_email(body=f"update number {n}{said}")))

    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("enter")  # type: ignore[attr-defined]
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, CaseScreen) and len(screen.boxes) == TIMELINE_PAGE
        earlier, later = screen.query_one("#earlier", Static), screen.query_one("#later", Static)

        def counts() -> tuple[str, str]:
            return (rendered(earlier.render()) if earlier.display else "",
                    rendered(later.render()) if later.display else "")

        def current() -> str:
            return screen.current_message.text  # type: ignore[union-attr]

        assert f"{total - TIMELINE_PAGE} earlier messages" in counts()[0]
        assert counts()[1] == ""
        await pilot.press("slash", *"wombat", "enter")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert "update number 3 about" in current()
        assert highlighted(screen.boxes[screen.current]) == ["wombat"]
        assert "3 earlier messages" in counts()[0]
        assert f"{total - 3 - TIMELINE_PAGE} later messages" in counts()[1]
        await pilot.press("G")  # type: ignore[attr-defined]  # the newest page again
        await settle(app, pilot)
        assert f"update number {total - 1}" in current() and len(screen.boxes) == TIMELINE_PAGE
        assert f"{total - TIMELINE_PAGE} earlier messages" in counts()[0] and counts()[1] == ""
        for expected in (3, 40, total - 10, 3):
            await pilot.press("n")  # type: ignore[attr-defined]
            await settle(app, pilot)
            assert f"update number {expected} about" in current()
        assert "9 later messages" in counts()[1]  # those after the hit below, drawn down to it
        screen.current = len(screen.boxes) - 1
        await pilot.press("j")  # type: ignore[attr-defined]  # at the bottom: the rest below
        await settle(app, pilot)
        assert f"update number {total - 9}" in current() and counts()[1] == ""
        assert len(screen.boxes) == total - 3

    drive(path, script)
