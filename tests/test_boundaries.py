"""Architecture rules that must not rot: only tui/ may load Textual."""

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
