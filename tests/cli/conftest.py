"""Run the real `omnitui` command in a sandboxed home, as a user or a script would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import demo_story_end
from tests.imap_servers import imap_server

__all__ = ["imap_server"]

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def cli_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNITUI_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_DATA_HOME=str(home / ".local/share"), COLUMNS="200", NO_COLOR="1",
               # `omnitui demo --until`: its story ends at the same hour of the week whenever
               # the tests run (a Sunday night had no open case of erin's)
               OMNITUI_DEMO_UNTIL=demo_story_end().isoformat())
    return env


@pytest.fixture
def omnitui(cli_env: dict[str, str]) -> Run:
    def run(*args: str, check: bool = True, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([sys.executable, "-m", "omnitui", *args], capture_output=True,
                                text=True, env={**cli_env, **(env or {})}, timeout=timeout,
                                stdin=subprocess.DEVNULL)
        if check and result.returncode != 0:
            raise AssertionError(f"omnitui {' '.join(args)} failed ({result.returncode}):\n"
                                 f"{result.stdout}\n{result.stderr}")
        return result

    return run
