"""`cases --search` finds a customer's cases by the address or number they write from, as
an agent types it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.cli.conftest import Run


def test_an_address_or_number_searched_finds_that_customers_cases(omnitui: Run,
                                                                   tmp_path: Path) -> None:
    """The search read subjects, bodies and names: a customer's address, or the number they
    called from, found nothing."""
    config = tmp_path / "config.toml"
    config.write_text('[identity]\ndefault_phone_region = "GB"\n')  # 07700 900123 is in GB
    config.chmod(0o600)
    env = {"OMNITUI_CONFIG": str(config)}
    db = str(tmp_path / "demo.db")
    omnitui("demo", "--db", db, "--no-console", "--customers", "40", "--messages", "80",
            env=env)
    with sqlite3.connect(db) as conn:
        (customer, email), (other, other_email) = conn.execute(
            "SELECT customer_id, value FROM identities WHERE kind = 'email' AND customer_id IN"
            " (SELECT customer_id FROM cases GROUP BY customer_id HAVING count(*) > 1)"
            " ORDER BY customer_id LIMIT 2").fetchall()

    def ids(*args: str) -> list[str]:
        return omnitui("--db", db, "--agent", "alice", "cases", "--all", "--format", "ids",
                       *args, env=env).stdout.split()

    theirs = ids("--customer", str(customer))
    assert len(theirs) > 1
    assert ids("--search", email.upper()) == theirs
    # with a filter, and with words: found in that customer's cases only
    solved = ids("--customer", str(customer), "--status", "solved")
    assert ids("--search", f"status:solved {email}") == solved
    case = json.loads(omnitui("--db", db, "case", theirs[0], "--format", "json").stdout)
    word = next(w for w in case["case"]["subject"].split() if w.isalpha() and len(w) > 3)
    assert ids("--search", f"{email} {word}") == ids("--customer", str(customer),
                                                      "--search", word)
    assert ids("--search", f"{email} zzqxnothing") == []
    # a number as people say it, in the config's region or with its country code
    omnitui("--db", db, "--agent", "alice", "link", "--customer", str(customer), "--phone",
            "+44 7700 900123", env=env)
    for typed in ("07700 900123", "+44 7700 900123", "+447700900123", "07700-900-123"):
        assert ids("--search", typed) == theirs, typed
    # a customer merged into another: their address finds the one they are now
    omnitui("--db", db, "--agent", "alice", "merge-customers", str(other), str(customer),
            env=env)
    both = ids("--customer", str(customer))
    assert len(both) > len(theirs)
    assert ids("--search", other_email) == both
