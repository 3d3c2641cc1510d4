"""Counts and times worded for people, the same in every face."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

from omnitui.wording import plural, utc_time


def test_plural_agrees_with_the_count() -> None:
    assert plural(1, "case") == "1 case"
    assert plural(0, "case") == "0 cases"
    assert plural(1179, "case") == "1,179 cases"
    assert plural(1, "reply", "replies") == "1 reply"
    assert plural(2, "reply", "replies") == "2 replies"


def test_times_are_shown_in_utc_and_say_so() -> None:
    assert utc_time(datetime(2026, 11, 17, 15, 8, 56, tzinfo=UTC)) == "2026-11-17 15:08 UTC"
    berlin = timezone(timedelta(hours=1))
    assert utc_time(datetime(2026, 11, 17, 16, 8, tzinfo=berlin)) == "2026-11-17 15:08 UTC"


def test_wording_loads_no_face() -> None:
    """The console reuses it: it must not pull in rich, typer or Textual."""
    code = ("import sys, omnitui.wording\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'typer', 'textual'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
