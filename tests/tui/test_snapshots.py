"""Snapshots of the console's main screens: the queue, a case, the help overlay, the composer.

Everything on screen is pinned so the pictures are the same on every run and every machine:
the demo store is seeded and its story ends at FIXED, the console's clock (SLA countdowns,
ages, the daemon's health) is FIXED + 1 h, the terminal is 120x36, and the composer's cursor
does not blink. Update the pictures after an intended change with
`pytest tests/tui/test_snapshots.py --snapshot-update`, and look at them before committing.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from omnitui.config import Settings
from omnitui.demo import build_demo
from omnitui.store.db import Store
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens.case import CaseScreen
from omnitui.tui.screens.modals import ComposeScreen, TextScreen
from tests.tui.helpers import screen_text, settle

# The demo's story ends here. It must lie in the past: ingest never trusts a time later than
# the real now, so a future FIXED would make the store depend on the day the tests run.
FIXED = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
SIZE = (120, 36)

Snap = Callable[..., bool]
SCROLLBAR = str.maketrans(dict.fromkeys("▁▂▃▄▅▆▇█▔", " "))  # a thumb beside a row


@pytest.fixture(scope="module")
def snapshot_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded demo store, built once for the module."""
    folder = tmp_path_factory.mktemp("snapshots")
    with Store(folder / "demo.db") as store:
        build_demo(store, Settings(), customers=40, messages=120, end=FIXED)
    return folder


@pytest.fixture
def console(snapshot_store: Path, tmp_path: Path) -> OmnituiApp:
    """A console on a private copy of the store (the console writes presence marks)."""
    folder = shutil.copytree(snapshot_store, tmp_path / "store")
    return OmnituiApp(folder / "demo.db", Settings(), "alice",
                      clock=lambda: FIXED + timedelta(hours=1))


async def press(pilot: object, *keys: str) -> None:
    """Press each key and let the console settle (workers done, messages handled)."""
    for key in keys:
        await pilot.press(key)  # type: ignore[attr-defined]
        await settle(pilot.app, pilot)  # type: ignore[attr-defined]


def still_cursor(app: OmnituiApp) -> None:
    """A blinking cursor is on or off depending on when the picture is taken: keep it on.

    Turning the blink off is not enough on a slow machine: if the blink already hid the
    cursor, TextArea keeps serving the cursor-less line from its line cache (the cache key
    does not tell "blink off, cursor drawn" from "blink on, cursor hidden"), so the cache
    is dropped too (`notify_style_update` clears it)."""
    for widget in (*app.screen.query(TextArea), *app.screen.query(Input)):
        widget.cursor_blink = False
        widget.notify_style_update()
        widget.refresh()


def test_queue_screen(console: OmnituiApp, snap_compare: Snap) -> None:
    seen: dict[str, object] = {}

    async def run_before(pilot: object) -> None:
        await settle(console, pilot)
        seen["text"] = screen_text(console)
        seen["rows"] = len(console.queue.query_one("#queue").ids)

    assert snap_compare(console, terminal_size=SIZE, run_before=run_before)
    text = str(seen["text"])
    assert seen["rows"] == 22
    assert "alice · all open · 22 cases │ daemon: never started" in text
    assert "  25      70   late 11d messenger" in text  # the most urgent case on top, breached


def test_case_screen(console: OmnituiApp, snap_compare: Snap) -> None:
    seen: dict[str, object] = {}

    async def run_before(pilot: object) -> None:
        await settle(console, pilot)
        await press(pilot, "enter")
        seen["screen"] = console.screen
        seen["text"] = screen_text(console)

    assert snap_compare(console, terminal_size=SIZE, run_before=run_before)
    screen, text = seen["screen"], str(seen["text"])
    assert isinstance(screen, CaseScreen) and screen.detail.case.id == 25
    assert "#25  My order A401865 was due last week" in text
    assert "priority 70 = vip 30 + live channel 10 + waiting 15h+ 30" in text
    assert "SLA: resolution breached 11d ago" in text
    assert "routed: orders: intent orders, says 'was due'" in text
    # the timeline, scrolled to the newest message of the case
    assert "2026-10-30 23:41:59 UTC messenger Ben B. Silva" in text
    assert "Here is the screenshot you asked for." in text
    assert "Identities" in text and "handle messenger:psid000000003" in text  # the customer


SMALL = (80, 24)  # the terminal an agent may have over SSH on a laptop


def test_queue_screen_at_80x24(console: OmnituiApp, snap_compare: Snap) -> None:
    """Narrow columns go first (tags, age, queue, priority): the header stays one line and
    the subject keeps room to be read."""
    seen: dict[str, object] = {}

    async def run_before(pilot: object) -> None:
        await settle(console, pilot)
        seen["text"] = screen_text(console)

    assert snap_compare(console, terminal_size=SMALL, run_before=run_before)
    lines = str(seen["text"]).splitlines()
    assert lines[0].split() == ["#", "SLA", "channel", "customer", "!", "subject", "owner",
                                "status"]
    assert all(len(line) <= SMALL[0] for line in lines)
    assert "alice · all open · 22 cases" in lines[-2]


def test_case_screen_at_80x24(console: OmnituiApp, snap_compare: Snap) -> None:
    """The timeline takes the width; the facts name the customer; C shows the pane."""
    seen: dict[str, object] = {}

    async def run_before(pilot: object) -> None:
        await settle(console, pilot)
        await press(pilot, "enter")
        seen["text"] = screen_text(console)

    assert snap_compare(console, terminal_size=SMALL, run_before=run_before)
    text = str(seen["text"])
    assert "customer Ben B. Silva #4 · tier" in text and "C shows more" in text
    assert "Here is the screenshot you asked for." in text
    assert "Identities" not in text  # the pane is a key away, not squeezing the timeline


def test_help_overlay(console: OmnituiApp, snap_compare: Snap) -> None:
    seen: dict[str, object] = {}

    async def run_before(pilot: object) -> None:
        await settle(console, pilot)
        await press(pilot, "question_mark")
        seen["screen"] = console.screen
        seen["text"] = screen_text(console)

    assert snap_compare(console, terminal_size=SIZE, run_before=run_before)
    text = str(seen["text"])
    assert isinstance(seen["screen"], TextScreen)
    # inside the overlay's borders (the queue shows on either side)
    lines = [line.split("│")[1].translate(SCROLLBAR).split() for line in text.splitlines()
             if line.count("│") >= 2]
    for keys, binding_id in (("q", "app.quit_confirm"), ("⏎, l, o", "case.open"),
                             ("v", "view.pick"), ("x", "queue.mark"),
                             ("s", "queue.sort")):  # the rest is a scroll away
        assert any(" ".join(line).startswith(f"{keys} ") and line[-1] == binding_id
                   for line in lines if line), binding_id


def test_reply_composer(console: OmnituiApp, snap_compare: Snap) -> None:
    seen: dict[str, object] = {}

    async def run_before(pilot: object) -> None:
        await settle(console, pilot)
        await press(pilot, "enter", "r")
        still_cursor(console)
        await settle(console, pilot)
        seen["screen"] = console.screen
        seen["to"] = console.screen.query_one("#to", Input).value
        seen["focused"] = console.focused
        seen["text"] = screen_text(console)

    assert snap_compare(console, terminal_size=SIZE, run_before=run_before)
    assert isinstance(seen["screen"], ComposeScreen)
    assert "Reply on messenger, case #25" in str(seen["text"])
    assert "^j send · ^t reply/note · ^o preview · ^e editor · esc cancel" in str(seen["text"])
    assert seen["to"] == "psid000000003"  # the customer's messenger id, filled in
    assert isinstance(seen["focused"], TextArea)  # ready to type the answer
