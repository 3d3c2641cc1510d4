"""A command starts with what it needs only: the figures are in bench/README.md (a timed test
would flake on a shared machine); this checks the imports that made the difference, on the
real entry point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("textual", "rich.progress", "pydantic", "phonenumbers", "omnitui.tui",
         "omnitui.channels", "omnitui.ingest.pipeline", "omnitui.daemon",
         "holidays")  # the demo store keeps its country's public holidays for the years around now

RUN_AND_LIST = """
import sys
from omnitui.cli import main
sys.argv = ["omnitui", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
print(" ".join(sorted(sys.modules)), file=sys.__stderr__)
"""


def loaded(env: dict[str, str], *args: str) -> set[str]:
    result = subprocess.run([sys.executable, "-c", RUN_AND_LIST, *args], capture_output=True,
                            text=True, env=env, stdin=subprocess.DEVNULL, timeout=60)
    return set(result.stderr.strip().splitlines()[-1].split())


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.startswith(HEAVY))


@pytest.fixture
def demo_env(omnitui, cli_env: dict[str, str]) -> dict[str, str]:
    omnitui("demo", "--no-console", "--customers", "20", "--messages", "60")
    return cli_env


@pytest.mark.parametrize("args", [("--help",), ("cases", "--help"), ("cases", "--bogus")])
def test_help_and_usage_errors_load_neither_the_config_nor_rich(
        cli_env: dict[str, str], args: tuple[str, ...]) -> None:
    modules = loaded(cli_env, *args)
    assert "omnitui.config" not in modules
    assert "rich.console" not in modules
    assert heavy(modules) == []


@pytest.mark.parametrize("args", [("cases", "--format", "ids"), ("cases", "--format", "json"),
                                  ("case", "1", "--format", "json"),
                                  ("tag", "--add", "billing", "1"), ("assign", "--to", "me", "1")])
def test_a_scripts_command_starts_without_the_console_rich_or_the_platforms(
        demo_env: dict[str, str], args: tuple[str, ...]) -> None:
    modules = loaded(demo_env, *args)
    assert "omnitui.store.db" in modules  # it did run
    assert "rich.console" not in modules
    assert heavy(modules) == []


def test_a_config_file_is_checked_without_loading_phone_numbers(
        demo_env: dict[str, str], tmp_path: Path) -> None:
    """Every real user has a config file: checking its phone region imported phonenumbers
    (30 ms of every command), which the tests above, without one, never saw. Its patterns
    are checked with `re`, without the engine that runs them."""
    config = tmp_path / "config.toml"
    config.write_text('[identity]\ndefault_phone_region = "DE"\n\n[[intents]]\n'
                      'name = "billing"\npatterns = [\'\\binvoice\\b\']\n')
    config.chmod(0o600)
    modules = loaded({**demo_env, "OMNITUI_CONFIG": str(config)}, "cases", "--format", "ids")
    assert "omnitui.config.checks" in modules  # it did check the file
    assert heavy(modules) == []
    assert "regex" not in modules  # what runs the patterns (15 ms): `re` checks them


def test_the_case_table_for_people_loads_neither_the_console_nor_rich_s_console(
        demo_env: dict[str, str]) -> None:
    """Fixed-width lines measured with rich's cell widths: rich's console and its Table
    were a third of the command's start."""
    modules = loaded(demo_env, "cases")
    assert "rich.cells" in modules
    assert "rich.console" not in modules and "rich.table" not in modules
    assert heavy(modules) == []


FIRST_PAINT = """
import asyncio, sys
from pathlib import Path
from omnitui.config import Settings
from omnitui.tui.app import OmnituiApp

painted: set[str] = set()

class Probe(OmnituiApp):
    def _after_first_paint(self) -> None:
        painted.update(sys.modules)
        super()._after_first_paint()

async def run() -> None:
    app = Probe(Path(sys.argv[1]), Settings(), "erin")
    async with app.run_test(size=(120, 40)) as pilot:
        while not painted:
            await pilot.pause(0.05)
        await pilot.press("enter", "r")  # the case and the composer, loaded meanwhile
        await pilot.pause(0.5)
        print(type(app.screen).__name__, file=sys.__stderr__)

asyncio.run(run())
print(" ".join(sorted(painted)), file=sys.__stderr__)
"""


def test_the_console_paints_its_queue_before_loading_the_action_layer(
        omnitui, cli_env: dict[str, str], tmp_path: Path) -> None:
    """The queue's first paint waits for no screen it does not show and not for the action
    layer (about a tenth of the console's start): they load once it is painted, and the
    keys that need them work as before."""
    store = tmp_path / "demo.db"
    omnitui("--db", str(store), "demo", "--no-console", "--customers", "20", "--messages", "60")
    result = subprocess.run([sys.executable, "-c", FIRST_PAINT, str(store)], capture_output=True,
                            text=True, env=cli_env, stdin=subprocess.DEVNULL, timeout=120)
    screen, modules = result.stderr.strip().splitlines()[-2:]
    assert "omnitui.tui.screens.queue" in modules.split()  # it did paint the queue
    assert not {"omnitui.services.desk", "omnitui.services.routing", "omnitui.tui.screens.case",
                "omnitui.tui.screens.modals", "omnitui.tui.work.writing"} & set(modules.split())
    assert screen == "ComposeScreen"


def test_a_case_for_scripts_reads_which_macros_fit_without_loading_the_actions(
        demo_env: dict[str, str]) -> None:
    modules = loaded(demo_env, "case", "1", "--format", "json")
    assert "omnitui.services.fitting" in modules  # it did look for the macros that fit
    assert not {"omnitui.services.desk", "omnitui.services.macros",
                "omnitui.services.drafts"} & modules
