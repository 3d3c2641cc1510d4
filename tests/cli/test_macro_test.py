"""`omnitui macro test NAME`: the cases a macro's `when` fits, changing nothing; and the
suggestion on `omnitui case`."""

from __future__ import annotations

import json
from pathlib import Path

from omnitui.config import Settings
from omnitui.services.intake import intake_pipeline
from omnitui.store.db import Store
from tests.cli.conftest import Run
from tests.conftest import chat_event


def test_macro_test_lists_the_fitting_cases_and_case_json_suggests(
        omnitui: Run, tmp_path: Path) -> None:
    config = tmp_path / "omnitui.toml"
    config.write_text('[[macros]]\nname = "Double charge"\ntags = ["refund"]\nrun = "suggest"\n'
                      'when = { text = "(?i)charged twice" }\n')
    db = tmp_path / "s.db"
    base = ("--config", str(config), "--db", str(db))
    omnitui(*base, "init")
    with Store(db) as store:
        pipeline = intake_pipeline(store, Settings())
        twice = pipeline.ingest(chat_event("telegram", "1", "I was charged twice")).case_id
        pipeline.ingest(chat_event("telegram", "2", "Where is my parcel?"))
    tested = omnitui(*base, "macro", "test", "Double charge", "--format", "json")
    assert json.loads(tested.stdout)["cases"] == [twice]
    shown = json.loads(omnitui(*base, "case", str(twice), "--format", "json").stdout)
    assert shown["suggested_macros"] == ["Double charge"]
    assert f"suggested: Double charge (omnitui macro --name 'Double charge' {twice})" in \
        omnitui(*base, "case", str(twice)).stdout
    with Store(db) as store:  # testing changed nothing
        assert store.conn.execute("SELECT tags FROM cases WHERE id = ?",
                                  (twice,)).fetchone()[0] == "[]"
    typo = omnitui(*base, "macro", "test", "Double chrge", check=False)
    assert typo.returncode == 2 and "macros: 'Double charge'" in typo.stderr
