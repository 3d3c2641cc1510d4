"""The queue's lists of waiting cases say what each waits for, at 80x24 as at 200x50: the
snoozed view when each comes back, in the agent's zone, soonest first; the pending / on-hold
view, and a filter to those statuses, what each waits on (sanitized, cut to fit) and for how
long. They showed the open queue's columns: nobody could see when a case came back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from omnitui.config import BusinessHoursSettings, Settings
from omnitui.model import Status
from omnitui.services.actions import set_status, snooze
from omnitui.store.db import Store, utc_now
from omnitui.tui.app import OmnituiApp
from omnitui.tui.widgets.case_list import MIN_SUBJECT, header_text, layout
from omnitui.wording import waiting_on
from tests.hostile import forbidden_in
from tests.tui.helpers import drive, open_case_by_id, queue, screen_text, settle, show_view

SIZES = [(80, 24), (200, 50)]
TOKYO = ZoneInfo("Asia/Tokyo")  # the agent's zone (the team's), not the machine's
REASON = ("waiting on \x1b[31mthe courier\x1b]0;OWNED\x07 DHL\u202e, parcel JJD000390007,"
          " who promised it for Friday")


def open_cases(path: Path, count: int) -> list[tuple[int, str]]:
    """(id, subject) of the demo's open cases with the highest priority."""
    with Store(path) as store:
        return store.conn.execute("SELECT id, subject FROM cases WHERE status = 'open'"
                                  " ORDER BY priority DESC, id DESC LIMIT ?",
                                  (count,)).fetchall()


def row_of(app: OmnituiApp, case_id: int) -> str:
    """The queue's line of a case, as the terminal shows it."""
    return next(line for line in screen_text(app).splitlines()
                if line.split()[:1] == [str(case_id)])


def assert_columns_fit(app: OmnituiApp, waits: str) -> None:
    """The names above the rows are the list's own, and the subject stays readable."""
    width = queue(app).row_width
    assert screen_text(app).splitlines()[0].rstrip() == header_text(width, waits).rstrip()
    widths = dict(layout(width, waits))
    assert widths["subject"] >= MIN_SUBJECT and sum(widths.values()) <= width


@pytest.mark.parametrize("size", SIZES)
def test_the_pending_view_says_what_each_case_waits_on_and_for_how_long(
        demo_db: Path, size: tuple[int, int]) -> None:
    (case_id, subject), = open_cases(demo_db, 1)
    with Store(demo_db) as store, store.write() as conn:
        set_status(conn, case_id, Status.ON_HOLD, actor="alice",
                   at=utc_now() - timedelta(days=3, hours=1), pause_reason=REASON)

    async def script(app: OmnituiApp, pilot: object) -> None:
        await show_view(app, pilot, "pending / on hold")
        header = screen_text(app).splitlines()[0]
        assert "waiting on" in header and "waited" in header
        row = row_of(app, case_id)
        assert "the courier DH" in row  # its "waiting on" said by the heading
        assert "3d" in row.split()
        assert subject[:10] in row
        assert_columns_fit(app, "paused")
        if size[0] == 80:  # cut to fit, with the owner and status giving way
            assert "the courier DH…" in row and "owner" not in header
        else:
            assert "the courier DHL, parcel J…" in row and "owner" in header
        assert not forbidden_in(screen_text(app)) and "OWNED" not in screen_text(app)
        await open_case_by_id(app, pilot, case_id)  # the case says so too
        assert "who promised it for Friday (for 3d)" in " ".join(screen_text(app).split())

    drive(demo_db, script, size=size)


def test_a_filter_to_paused_cases_shows_what_they_wait_on(demo_db: Path) -> None:
    """Not only the view: `\\` status:pending in any view, and back."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        assert "waiting on" not in screen_text(app).splitlines()[0]
        await pilot.press("backslash", *"pending")  # type: ignore[attr-defined]
        await settle(app, pilot)
        await pilot.pause()  # type: ignore[attr-defined]
        header = screen_text(app).splitlines()[0]
        assert "waiting on" in header and "waited" in header
        shown = list(queue(app).ids[:5])
        assert shown
        with Store(demo_db) as store:
            for case_id in shown:
                reason = store.conn.execute("SELECT pause_reason FROM cases WHERE id = ?",
                                            (case_id,)).fetchone()[0]
                assert waiting_on(reason)[:8] in row_of(app, case_id)
        await pilot.press("escape")  # type: ignore[attr-defined]
        await settle(app, pilot)
        await pilot.pause()  # type: ignore[attr-defined]
        header = screen_text(app).splitlines()[0]
        assert "waiting on" not in header and "channel" in header

    drive(demo_db, script)


@pytest.mark.parametrize("size", SIZES)
def test_the_snoozed_view_says_when_each_case_comes_back_in_the_agents_zone(
        demo_db: Path, size: tuple[int, int]) -> None:
    (later, _), (sooner, subject) = open_cases(demo_db, 2)
    now = utc_now().astimezone(TOKYO)
    in_days = (now + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    in_weeks = (now + timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)
    with Store(demo_db) as store, store.write() as conn:
        snooze(conn, later, in_weeks, actor="alice", at=now)
        snooze(conn, sooner, in_days, actor="alice", at=now)

    async def script(app: OmnituiApp, pilot: object) -> None:
        await show_view(app, pilot, "snoozed")
        header = screen_text(app).splitlines()[0]
        assert "until" in header
        assert list(queue(app).ids) == [sooner, later]  # the soonest back first
        # 09:00 in Tokyo, the team's zone: 00:00 on this machine's UTC clock
        assert f"{in_days:%a}"[:2] + " 09:00" in row_of(app, sooner)
        assert f"{in_weeks:%d %b}" in row_of(app, later)
        assert subject[:10] in row_of(app, sooner)
        assert_columns_fit(app, "snoozed")
        assert ("channel" in header) is (size[0] > 80)  # what 80 columns give up

    team = Settings(business_hours=BusinessHoursSettings(time_zone="Asia/Tokyo"))
    drive(demo_db, script, team, size=size)



def test_a_wide_terminal_shows_queue_customer_and_channel_whole() -> None:
    """At 200x50 the queue read "account-…" and the customer "Ximena N. Petr…" beside 90
    cells of subject; at 120 columns the subject keeps what it had."""
    from omnitui.tui.widgets.case_list import _cell

    wide = dict(layout(200))
    assert _cell("account-access", wide["queue"]).strip() == "account-access"
    assert _cell("Ximena N. Petrova-Lindqvist", wide["customer"]).strip() == (
        "Ximena N. Petrova-Lindqvist"[:22] + "…")  # long names still cut, later
    assert _cell("messenger", wide["channel"]).strip() == "messenger"
    assert wide["subject"] >= 60
    assert dict(layout(120))["subject"] == 32
