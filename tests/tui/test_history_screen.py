"""The case screen's `H`: every change to the case, who made it and why, and what it
changed, before → after (routing's decisions too)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from textual.containers import VerticalScroll

from omnitui.config import AgentSettings, Settings
from omnitui.services.desk import Desk
from omnitui.services.scheduler import wake_snoozed
from omnitui.store.db import Store, parse_db_time
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
        assert "an assignment: nobody → alice" in text and "owner - → alice" in text
        assert 'tags [] → ["refund"]' in text

    drive(demo_db, script)


def test_the_timeline_and_the_history_are_in_the_agents_zone(demo_db: Path) -> None:
    """They were UTC while the same agent's snoozes and SLA times were their own zone's:
    an agent in New York read "15:08 UTC" beside "due 10:30"."""
    with Store(demo_db) as store:
        case_id, created = store.conn.execute(  # the case's latest message, on screen
            "SELECT case_id, created_at FROM messages WHERE case_id = (SELECT min(id) FROM"
            " cases) AND direction = 'in' ORDER BY id DESC LIMIT 1").fetchone()
    local = parse_db_time(created).astimezone(ZoneInfo("America/New_York"))
    settings = Settings(agents=[AgentSettings(name="alice", time_zone="America/New_York")])

    async def script(app: OmnituiApp, pilot: object) -> None:
        app.open_case(case_id)
        await settle(app, pilot)
        assert f"← {local:%Y-%m-%d %H:%M} EST" in screen_text(app)
        await pilot.press("H")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert f"History of #{case_id} (times EST)" in screen_text(app)

    drive(demo_db, script, settings)


def test_a_why_in_the_history_says_its_times_in_the_agents_zone(demo_db: Path) -> None:
    """A wake-up's why read "the snooze until … 14:00:00 UTC ended" beside its row's
    "09:00" in New York."""
    until = datetime(2099, 1, 5, 14, 0, tzinfo=UTC)
    with Store(demo_db) as store:
        case_id = store.conn.execute("SELECT id FROM cases WHERE status IN ('new', 'open')"
                                     " ORDER BY id LIMIT 1").fetchone()[0]
        alice = Desk(store, "alice")
        alice.each([case_id], alice.snooze(until))
        assert wake_snoozed(store, until + timedelta(days=1)) == [case_id]
    settings = Settings(agents=[AgentSettings(name="alice", time_zone="America/New_York")])

    async def script(app: OmnituiApp, pilot: object) -> None:
        app.open_case(case_id)
        await settle(app, pilot)
        await pilot.press("H")  # type: ignore[attr-defined]
        await settle(app, pilot)
        app.screen.query_one(VerticalScroll).scroll_end(animate=False)
        await settle(app, pilot)
        said = " ".join(screen_text(app).split())
        assert "the snooze until 2099-01-05 09:00 EST ended" in said, said

    drive(demo_db, script, settings)


def test_h_says_a_case_written_first_waited_on_them_until_they_answered(
        demo_db: Path) -> None:
    """Its history said "a new case: outbound case to …", nothing of the wait; then their
    answer opened it with no word, its clock running again."""
    from omnitui.channels.email.parse import parse_email
    from omnitui.model import Draft
    from omnitui.services.intake import intake_pipeline
    from tests.conftest import make_email

    with Store(demo_db) as store:
        case_id = Desk(store, "alice").new_case(Draft(
            mode="new", channel="email", to=("pat@example.org",), subject="Your renewal",
            text="Shall we renew your plan?"))
        intake_pipeline(store, Settings()).ingest(parse_email(make_email(
            "pat@example.org", name="Pat", subject="Re: Your renewal", body="Yes, please."),
            source="test"))

    async def script(app: OmnituiApp, pilot: object) -> None:
        app.open_case(case_id)
        await settle(app, pilot)
        await pilot.press("H")  # type: ignore[attr-defined]
        await settle(app, pilot)
        said = " ".join(screen_text(app).replace("│", " ").split())  # (its lines wrap)
        assert ("a new case: outbound case to pat@example.org; opened pending on their"
                " answer to our mail") in said, said
        assert "ingest a status change: pending → open: the customer answered" in said, said

    drive(demo_db, script)


def test_h_on_a_case_of_thousands_of_changes_shows_the_latest_and_says_where_the_rest_are(
        demo_db: Path) -> None:
    """H drew every change of a case in one table: the demo's busiest case (5,677 changes)
    froze the console for 15 s, and closing it took 5 more."""
    with Store(demo_db) as store:
        case_id = store.conn.execute("SELECT id FROM cases WHERE status IN ('new', 'open')"
                                     " ORDER BY id LIMIT 1").fetchone()[0]
        alice = Desk(store, "alice")
        for n in range(120):  # 240 changes on top of the case's own
            alice.each([case_id], alice.tags(f"step{n}"))
            alice.each([case_id], alice.tags(f"-step{n}"))

    async def script(app: OmnituiApp, pilot: object) -> None:
        app.open_case(case_id)
        await settle(app, pilot)
        await pilot.press("H")  # type: ignore[attr-defined]
        await settle(app, pilot)
        said = " ".join(screen_text(app).replace("│", " ").split())
        assert f"older ones: omnitui history --case {case_id} --limit 1000000" in said, said
        assert "a routing decision" not in said  # the case's first change is an older one
        assert "step69" not in said and "step70" in said  # the latest 100: steps 70 to 119
        app.screen.query_one(VerticalScroll).scroll_end(animate=False)
        await settle(app, pilot)
        said = " ".join(screen_text(app).replace("│", " ").split())
        assert '["step119"] → []' in said, said  # down to the latest

    drive(demo_db, script)
