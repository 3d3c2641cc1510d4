"""`omnitui event`: what a script or an on-call person types when something breaks."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.conftest import Run
from tests.services.test_events import CONFIG


def test_the_cli_reports_an_outage_and_refuses_typos(omnitui: Run, tmp_path: Path) -> None:
    config = tmp_path / "omnitui.toml"
    config.write_text(CONFIG)
    db = tmp_path / "s.db"
    base = ("--config", str(config), "--db", str(db))
    omnitui(*base, "init")
    started = omnitui(*base, "event", "outage", "--product", "payments", "--format", "json")
    assert json.loads(started.stdout)["kind"] == "outage"
    typo = omnitui(*base, "event", "outage", "--product", "paymnts", check=False)
    assert typo.returncode == 2 and "products: payments, exports" in typo.stderr
    assert "Traceback" not in typo.stderr
    nobody = omnitui(*base, "event", "payment_failed", "--email", "x@nowhere.example",
                     check=False)
    assert nobody.returncode == 2 and "no customer has 'x@nowhere.example'" in nobody.stderr
    ended = omnitui(*base, "event", "outage", "--product", "payments", "--resolved")
    assert "outage payments resolved" in ended.stdout


def test_a_demo_store_anywhere_brings_the_demos_products(omnitui: Run, tmp_path: Path) -> None:
    db = tmp_path / "elsewhere.db"
    omnitui("demo", "--db", str(db), "--no-console", "--customers", "30", "--messages", "100")
    started = omnitui("--db", str(db), "event", "outage", "--product", "payments")
    assert "outage recorded" in started.stdout
    own = tmp_path / "own.db"
    omnitui("--db", str(own), "init")
    refused = omnitui("--db", str(own), "event", "outage", "--product", "payments",
                      check=False)
    assert refused.returncode == 2 and "add [[products]] entries" in refused.stderr
