"""Architecture rules that must not rot: the layers (import-linter contracts in
pyproject.toml: each layer imports only those below it, and only the CLI opens the console),
Textual loaded by tui/ alone, SQL in store/ alone, and no platform client in the action
layer or the config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEADLESS = ["omnitui.cli", "omnitui.store.db", "omnitui.store.queries", "omnitui.ingest.pipeline",
            "omnitui.services.desk", "omnitui.importer", "omnitui.demo", "omnitui.doctor",
            "omnitui.channels.email.parse", "omnitui.daemon.service"]


def test_the_layer_contracts_hold() -> None:
    """`lint-imports` checks pyproject.toml's contracts over every import, direct or not."""
    linter = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run([str(linter), "--no-cache"], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_headless_modules_do_not_load_textual() -> None:
    code = ("import sys\n" + "".join(f"import {m}\n" for m in HEADLESS) +
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_sql_lives_in_store_only() -> None:
    """No module outside store/ sends SQL itself."""
    import omnitui

    root = Path(omnitui.__file__).parent
    sql = ("SELECT ", "INSERT INTO", "UPDATE ", "PRAGMA ")
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if "store" not in p.parts and any(word in p.read_text() for word in sql)]
    assert offenders == []


# What the action layer may know of the platforms without loading any of their code: the
# length of a message each accepts (a reply past it is refused before it is queued).
PLATFORM_FACTS = ["omnitui.channels.lengths"]


def test_the_action_layer_and_the_config_load_no_platform_client() -> None:
    """Sending is the daemon's job: importing every services/ module and the config loads
    no platform code at all (replying to all reads a stored email's To and Cc, the one
    piece of a platform an action needs, and imports the email parser when it does), only
    the platforms' facts, a table with no client behind it."""
    import omnitui.services

    services = sorted(f"omnitui.services.{p.stem}"
                      for p in Path(omnitui.services.__file__).parent.glob("*.py"))
    code = ("import sys\n" + "".join(f"import {m}\n" for m in ["omnitui.config", *services])
            + "print(sorted(m for m in sys.modules if m.startswith('omnitui.channels.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == str(PLATFORM_FACTS)
