"""Counts and times worded for people, the same in every face."""

from __future__ import annotations

import ast
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from omnitui import wording
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


def test_wording_imports_the_standard_library_only() -> None:
    """The console reuses it: no rich, typer or Textual; of omnitui's own, only the
    vocabulary at the bottom (model)."""
    tree = ast.parse(Path(wording.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    outside = {name for name in imported if name.split(".")[0] not in sys.stdlib_module_names}
    assert outside <= {"__future__", "omnitui.model"}, outside
