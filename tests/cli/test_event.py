"""`omnitui event`: what a script or an on-call person types when something breaks."""

from __future__ import annotations

import json
import re
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
    assert nobody.returncode == 1 and "no customer has 'x@nowhere.example'" in nobody.stderr
    again = omnitui(*base, "event", "outage", "--product", "payments", check=False,
                    env={"TZ": "America/New_York"})  # no zone configured: this machine's
    assert again.returncode == 1 and "is already going on since" in again.stderr
    assert re.search(r"since \d{4}-\d\d-\d\d \d\d:\d\d E[SD]T \(event \d+\)",
                     again.stderr), again.stderr  # as every time people read, not "UTC"
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


def test_an_event_that_only_records_shows_on_the_customers_cases(omnitui: Run,
                                                                 tmp_path: Path) -> None:
    """`event password_reset` said "severity raised on 0 open cases" and was shown nowhere,
    though its help says it joins the customer's timeline."""
    import re
    import sqlite3

    db = tmp_path / "demo.db"
    omnitui("demo", "--db", str(db), "--no-console", "--customers", "30", "--messages", "100")
    case_id, customer = sqlite3.connect(db).execute(
        "SELECT id, customer_id FROM cases ORDER BY id LIMIT 1").fetchone()
    said = omnitui("--db", str(db), "event", "password_reset", "--customer", str(customer),
                   "--text", "reset via app").stdout
    assert said.startswith(f"password_reset recorded on the timeline of customer #{customer}")
    assert "severity" not in said
    shown = omnitui("--db", str(db), "case", str(case_id)).stdout
    assert re.search(r"reported: password_reset \d+s ago \(reset via app\)", shown)
    data = json.loads(omnitui("--db", str(db), "case", str(case_id), "--format", "json").stdout)
    assert [kind for _, kind, _ in data["customer"]["events"]] == ["password_reset"]

