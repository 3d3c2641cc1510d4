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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import Input, TextArea

from omnitui.config import Settings
from omnitui.demo import build_demo
from omnitui.store.db import Store
from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens import queue as queue_module
from omnitui.tui.screens.case import CaseScreen
from omnitui.tui.screens.modals import ComposeScreen, TextScreen
from tests.tui.helpers import queue, screen_text, settle, wait_for

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
        build_demo(store, Settings(), customers=40, messages=120, days=3, end=FIXED)
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


@dataclass(frozen=True)
class Top:
    """The queue's first case as the store has it (the demo's story decides which it is)."""

    id: int
    priority: float
    subject: str
    channel: str
    customer: str
    customer_id: int
    open_cases: int
    newest: str  # the newest message's text
    identities: tuple[str, ...]


def top_case(path: Path) -> Top:
    with Store(path) as store:
        conn = store.conn
        case_id, priority, subject, channel, customer_id = conn.execute(
            "SELECT id, priority, subject, channel, customer_id FROM cases WHERE status IN"
            " ('new', 'open', 'pending', 'on_hold') ORDER BY priority DESC, id DESC"
            " LIMIT 1").fetchone()
        name = conn.execute("SELECT name FROM customers WHERE id = ?",
                            (customer_id,)).fetchone()[0]
        count = conn.execute("SELECT count(*) FROM cases WHERE status IN ('new', 'open',"
                             " 'pending', 'on_hold')").fetchone()[0]
        newest = conn.execute("SELECT text FROM messages WHERE case_id = ? ORDER BY"
                              " created_at DESC, id DESC LIMIT 1", (case_id,)).fetchone()[0]
        identities = tuple(r[0] for r in conn.execute(
            "SELECT value FROM identities WHERE customer_id = ?", (customer_id,)))
    return Top(case_id, priority, subject, channel, name, customer_id, count, newest,
               identities)


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
    text, top = str(seen["text"]), top_case(console.db_path)
    assert seen["rows"] == top.open_cases
    assert f"alice · all open · {top.open_cases} cases │ daemon: never started" in text
    first = text.splitlines()[1].split()  # the most urgent case on top, breached
    assert first[:3] == [str(top.id), f"{top.priority:g}", "late"]


def test_case_screen(console: OmnituiApp, snap_compare: Snap,
                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The case opened as an agent opens one after the console's start: the queue has
    looked up the solved cases like it, so they are there at its first paint (one
    opened within QUIET_START gets them after it, its timeline a line shorter)."""
    monkeypatch.setattr(queue_module, "QUIET_START", 0)
    seen: dict[str, object] = {}

    async def run_before(pilot: object) -> None:
        await settle(console, pilot)
        await wait_for(lambda: console.similar_cases.known(queue(console).current_id)
                       is not None, console, pilot)
        await press(pilot, "enter")
        await settle(console, pilot)
        seen["screen"] = console.screen
        seen["text"] = screen_text(console)

    assert snap_compare(console, terminal_size=SIZE, run_before=run_before)
    screen, text = seen["screen"], str(seen["text"])
    top = top_case(console.db_path)
    assert isinstance(screen, CaseScreen) and screen.detail.case.id == top.id
    assert f"#{top.id}  {top.subject}" in text
    assert f"priority {top.priority:g} = " in text  # and why
    assert "SLA: " in text and "routed: " in text
    # the timeline, scrolled to the newest message of the case
    assert top.newest.splitlines()[0][:40] in text
    assert "Identities" in text and any(value in text for value in top.identities)


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
    assert f"alice · all open · {top_case(console.db_path).open_cases} cases" in lines[-2]


def test_case_screen_at_80x24(console: OmnituiApp, snap_compare: Snap) -> None:
    """The timeline takes the width; the facts name the customer; C shows the pane."""
    seen: dict[str, object] = {}

    async def run_before(pilot: object) -> None:
        await settle(console, pilot)
        await press(pilot, "enter")
        seen["text"] = screen_text(console)

    assert snap_compare(console, terminal_size=SMALL, run_before=run_before)
    text = str(seen["text"])
    top = top_case(console.db_path)
    assert f"customer {top.customer} #{top.customer_id} · tier" in text
    assert "C shows more" in " ".join(text.split())  # (it may wrap)
    assert top.newest.splitlines()[0][:40] in text
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
    top = top_case(console.db_path)
    assert f"Reply on {top.channel}, case #{top.id}" in str(seen["text"])
    assert ("^j send · ^t reply/note · ^o preview · ^e editor · ^g article · esc cancel"
            in str(seen["text"]))
    assert any(str(seen["to"]) in value for value in top.identities)  # filled in
    assert isinstance(seen["focused"], TextArea)  # ready to type the answer


def test_supervisor_board(console: OmnituiApp, snap_compare: Snap) -> None:
    async def run_before(pilot: object) -> None:
        await settle(console, pilot)
        await press(pilot, "f3")

    assert snap_compare(console, terminal_size=SIZE, run_before=run_before)
