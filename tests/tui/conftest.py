"""Console test fixtures: a small demo store on a real file."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnitui.config import Settings
from omnitui.demo import build_demo
from omnitui.store.db import Store
from tests.conftest import demo_story_end


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    with Store(path) as store:
        # Three busy days: the demo's team answers and solves, so a few hundred messages
        # over its usual thirty days would leave a queue of a dozen cases.
        build_demo(store, Settings(), customers=80, messages=300, days=3,
                   end=demo_story_end())
    return path


@pytest.fixture(autouse=True)
def truecolor_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Consoles under test draw as in a terminal of millions of colours, whatever TERM the
    tests run under (a 16-colour one takes another theme: tests/tui/test_terminals.py)."""
    monkeypatch.setenv("COLORTERM", "truecolor")
