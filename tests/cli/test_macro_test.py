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


def test_an_option_of_the_other_use_of_macro_is_a_usage_error(omnitui: Run,
                                                              tmp_path: Path) -> None:
    """`macro --name M ID --since DATE` applied the macro as if no date were given (only
    `macro test` reads one), and `macro test` took an --if-version it never checks."""
    config = tmp_path / "omnitui.toml"
    config.write_text('[[macros]]\nname = "Refund"\ntags = ["refund"]\n')
    db = tmp_path / "s.db"
    base = ("--config", str(config), "--db", str(db), "--agent", "alice")
    omnitui(*base, "init")
    with Store(db) as store:
        case = intake_pipeline(store, Settings()).ingest(
            chat_event("telegram", "1", "refund please")).case_id
    applied = omnitui(*base, "macro", "--name", "Refund", str(case), "--since", "2026-11-01",
                      check=False)
    assert applied.returncode == 2 and "--since" in applied.stderr
    assert "`omnitui macro test NAME --since DATE`" in applied.stderr
    tested = omnitui(*base, "macro", "test", "Refund", "--if-version", "1", check=False)
    assert tested.returncode == 2 and "--if-version" in tested.stderr
    assert "`macro test` changes no case" in tested.stderr
    with Store(db) as store:  # neither did anything
        assert store.conn.execute("SELECT tags FROM cases WHERE id = ?",
                                  (case,)).fetchone()[0] == "[]"
    omnitui(*base, "macro", "--name", "Refund", str(case), "--if-version", "1")  # each in
    omnitui(*base, "macro", "test", "Refund", "--since", "2026-11-01")  # its own use
