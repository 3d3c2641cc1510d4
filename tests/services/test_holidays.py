"""A country's public holidays, kept in the store so a console's first page and a command
need not load the holidays package."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from omnitui.config import BusinessHoursSettings, Settings
from omnitui.services.holidays import keep
from omnitui.store import info
from omnitui.store.db import Store
from omnitui.triage.calendar import calendar_of

GERMANY = Settings(business_hours=BusinessHoursSettings(
    time_zone="Europe/Berlin", country="DE",
    hours={day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}))


def open_hours(day: date) -> float:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return calendar_of(GERMANY.business_hours).seconds(start, start + timedelta(days=1)) / 3600

CHRISTMAS_IN_A_FRESH_PROCESS = """
import sys
from datetime import date
from pathlib import Path
from omnitui.services.holidays import recall
from omnitui.store.db import Store
from tests.services.test_holidays import open_hours, GERMANY
with Store(Path(sys.argv[1])) as store:
    recall(store.conn, GERMANY)
print(open_hours(date(2026, 12, 25)), open_hours(date(2026, 12, 23)), "holidays" in sys.modules)
"""


def test_the_holidays_are_kept_once_and_read_without_the_package(store: Store) -> None:
    keep(store, GERMANY, date(2026, 12, 3))
    kept = json.loads(info.get(store.conn, "public_holidays:DE:") or "{}")
    assert kept["years"] == [2025, 2029] and "2026-12-25" in kept["days"]
    result = subprocess.run([sys.executable, "-c", CHRISTMAS_IN_A_FRESH_PROCESS,
                             str(store.path)], capture_output=True, text=True, timeout=60,
                            cwd=Path(__file__).parents[2])
    assert result.stdout.split() == ["0.0", "8.0", "False"], result.stderr  # Christmas, a Wednesday


def test_a_year_outside_the_kept_ones_still_counts_its_holidays(store: Store) -> None:
    keep(store, GERMANY, date(2026, 12, 3))
    assert open_hours(date(2019, 12, 25)) == 0  # Christmas 2019: from the package
    assert open_hours(date(2019, 12, 23)) == 8  # a Monday
