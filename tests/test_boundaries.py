"""Architecture rules that must not rot: only tui/ may load Textual; the action layer and the
config load no platform client."""

from __future__ import annotations

import subprocess
import sys

HEADLESS = ["omnitui.cli", "omnitui.store.db", "omnitui.store.queries", "omnitui.ingest.pipeline",
            "omnitui.services.merge", "omnitui.services.actions", "omnitui.importer",
            "omnitui.demo", "omnitui.doctor", "omnitui.channels.email.parse"]


def test_headless_modules_do_not_load_textual() -> None:
    code = ("import sys\n" + "".join(f"import {m}\n" for m in HEADLESS) +
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_sql_lives_in_store_only() -> None:
    """No module outside store/ sends SQL itself."""
    from pathlib import Path

    import omnitui

    root = Path(omnitui.__file__).parent
    sql = ("SELECT ", "INSERT INTO", "UPDATE ", "PRAGMA ")
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if "store" not in p.parts and any(word in p.read_text() for word in sql)]
    assert offenders == []


def test_the_action_layer_and_the_config_load_no_platform_client() -> None:
    """Sending is the daemon's job: importing every services/ module and the config loads
    no SMTP, IMAP or webhook platform code (replying to all reads a stored email's To and
    Cc, the one piece of a platform an action needs)."""
    from pathlib import Path

    import omnitui.services

    services = sorted(f"omnitui.services.{p.stem}"
                      for p in Path(omnitui.services.__file__).parent.glob("*.py"))
    code = ("import sys\n" + "".join(f"import {m}\n" for m in ["omnitui.config", *services])
            + "print(sorted(m for m in sys.modules if m.startswith('omnitui.channels.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "['omnitui.channels.email', 'omnitui.channels.email.parse']"
