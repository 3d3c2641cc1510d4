"""The living demo: customers write through the real pipeline every few seconds, routing and
acknowledgements happen, the demo's team answers and solves beside the agent at the console,
and the outbox "sends" to a sink; the agent at the console is left to themselves."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from omnitui import demo_live
from omnitui.config import Settings
from omnitui.demo_live import STAND_IN, LiveDemo
from omnitui.demo_team import with_demo_team
from omnitui.store.db import Store
from omnitui.tui.app import OmnituiApp
from tests.tui.helpers import screen_text, settle


def count(store: Store, sql: str, *args: object) -> int:
    return store.conn.execute(sql, args).fetchone()[0]


def test_the_demo_lives(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_live, "TICK", 0.1)
    with Store(demo_db) as store:
        last_message = count(store, "SELECT max(id) FROM messages")
        last_audit = count(store, "SELECT max(id) FROM audit")
        seen = store.conn.execute("SELECT seen_at FROM agents WHERE name = 'alice'").fetchone()
    live = LiveDemo(demo_db, with_demo_team(Settings()), "alice", pace=0.5, seed=3)
    live.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and live.arrived < 12:
            time.sleep(0.2)
    finally:
        live.stop()
    assert live.arrived >= 12
    with Store(demo_db) as store:
        assert count(store, "SELECT count(*) FROM messages WHERE id > ? AND direction = 'in'",
                     last_message) >= 12
        new_cases = count(store, "SELECT count(*) FROM audit WHERE id > ? AND action ="
                                 " 'case.created'", last_audit)
        assert new_cases >= 3
        assert count(store, "SELECT count(*) FROM audit WHERE id > ? AND action ="
                            " 'case.assigned' AND actor = 'omnitui-router'", last_audit) >= 1
        assert count(store, "SELECT count(*) FROM audit WHERE id > ? AND action ="
                            " 'reply.queued' AND actor = 'omnitui-acknowledge'",
                     last_audit) >= 1
        assert count(store, "SELECT count(*) FROM audit WHERE id > ? AND action IN"
                            " ('reply.queued', 'case.status') AND actor IN ('bob', 'carol',"
                            " 'dave', 'erin', 'farid')", last_audit) >= 1  # the team works
        assert count(store, "SELECT count(*) FROM outbox o JOIN messages m ON m.id ="
                            " o.message_id WHERE m.id > ? AND o.status = 'queued'",
                     last_message) <= 2  # the sink sends as they come
        assert count(store, "SELECT count(*) FROM audit WHERE id > ? AND action ="
                            " 'reply.sent'", last_audit) >= 1
        assert store.conn.execute("SELECT seen_at FROM agents WHERE name = 'alice'"
                                  ).fetchone() == seen  # the agent at the console: untouched
        assert count(store, "SELECT count(*) FROM agents WHERE seen_at >"
                            " datetime('now', '-1 minute') AND name != 'alice'") >= 5


def test_the_demo_console_says_what_does_the_daemons_work(demo_db: Path) -> None:
    """No daemon runs on the demo store: its console says that the demo's traffic stands in
    for it, not a warning that the daemon never started; a console on any other store
    with no daemon still warns."""
    async def status_bar(stand_in: str) -> str:
        app = OmnituiApp(demo_db, Settings(), "alice", stand_in=stand_in)
        async with app.run_test(size=(80, 24)) as pilot:
            app.refresh_health()
            await settle(app, pilot)
            return screen_text(app)

    demo = asyncio.run(status_bar(STAND_IN))
    assert STAND_IN in demo and "never started" not in demo  # whole, at 80 columns
    plain = asyncio.run(status_bar(""))
    assert "daemon: never started" in plain and "demo:" not in plain
