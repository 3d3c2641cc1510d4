"""Macros as playbooks: each `when` condition alone, suggestions on a case, and a wrong `when`
refused naming the key (`omnitui macro test`: tests/cli/test_macro_test.py)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from omnitui.config import ConfigError, Macro, MacroWhen, Settings
from omnitui.services.desk import Desk
from omnitui.services.fitting import case_facts, matches, suggested
from omnitui.services.intake import intake_pipeline
from omnitui.store.db import Store
from tests.conftest import chat_event, settings_from

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def case_id(store: Store) -> int:
    """An irritated English chat from a VIP customer with plan "pro", opened 3 hours ago,
    who reset a password an hour ago."""
    at = NOW - timedelta(hours=3)
    event = chat_event("telegram", "77", "I was CHARGED TWICE for order A123456, this is "
                       "unacceptable", name="Vic Tor", at=at)
    result = intake_pipeline(store, Settings(), clock=lambda: at).ingest(event)
    assert result.case_id is not None
    with store.write() as conn:
        conn.execute("UPDATE customers SET tier = 'vip', attributes = ?",
                     (json.dumps({"plan": "pro"}),))
        conn.execute("UPDATE cases SET tier = 'vip'")
    Desk(store, "erin", Settings(), clock=lambda: NOW - timedelta(hours=1)).business_event(
        "password_reset", customer_id=result.customer_id)
    return result.case_id


@pytest.mark.parametrize(("fits", "misses"), [
    (MacroWhen(channel=["telegram"]), MacroWhen(channel=["email"])),
    (MacroWhen(channel=["chat"]), MacroWhen(channel=["sms"])),  # its class, or a kind
    (MacroWhen(queue=["general"]), MacroWhen(queue=["billing"])),
    (MacroWhen(language=["en"]), MacroWhen(language=["de", "fr"])),
    (MacroWhen(text="(?i)charged twice"), MacroWhen(text="(?i)refund")),
    (MacroWhen(tier=["vip"]), MacroWhen(tier=["standard"])),
    (MacroWhen(irritated=True), MacroWhen(irritated=False)),
    (MacroWhen(attributes={"plan": "PRO"}), MacroWhen(attributes={"plan": "starter"})),
    (MacroWhen(status=["new", "open"]), MacroWhen(status=["solved"])),
    (MacroWhen(older_than="2h"), MacroWhen(older_than="4h")),
    (MacroWhen(event="password_reset"), MacroWhen(event="payment_failed")),
    (MacroWhen(no_event="payment_failed"), MacroWhen(no_event="password_reset")),
    (MacroWhen(event="password_reset", event_within="2h"),
     MacroWhen(event="password_reset", event_within="30m")),
])
def test_each_condition_alone(store: Store, case_id: int, fits: MacroWhen,
                              misses: MacroWhen) -> None:
    facts = case_facts(store.conn, Settings(), case_id)
    assert facts is not None
    assert matches(fits, facts, NOW, "fits") and not matches(misses, facts, NOW, "misses")


def test_only_suggest_macros_whose_every_condition_holds_are_suggested(
        store: Store, case_id: int) -> None:
    apology = Macro("Double charge", tags=["refund"], run="suggest",
                    when=MacroWhen(text="(?i)charged twice", channel=["telegram", "email"]))
    by_hand = replace(apology, name="By hand only", run="")
    elsewhere = replace(apology, name="Email only", when=MacroWhen(channel=["email"]))
    settings = Settings(macros=[by_hand, elsewhere, apology])
    assert [m.name for m in suggested(store.conn, settings, case_id, NOW)] == ["Double charge"]


@pytest.mark.parametrize(("text", "says"), [
    ('run = "always"', 'macros[0].run must be "suggest", "auto" or left out'),
    ('run = "auto"\nassign = "me"\nwhen = { queue = ["x"] }', 'assign = "me" means the agent'),
    ('send = ["fax"]', "macros[0].send: 'fax' is not a channel kind"),
    ('send = ["sms"]', 'macros[0].send only applies with run = "auto"'),
    ('run = "suggest"', "macros[0].when is needed for run = 'suggest'"),
    ('when = { text = "(unclosed" }', "macros[0].when.text is not a regular expression"),
    ('when = { older_than = "soon" }', "macros[0].when.older_than: 'soon' is not a duration"),
    ('when = { status = ["closd"] }', "macros[0].when.status: 'closd' is not one of"),
    ('when = { colour = "red" }', "unknown key macros[0].when.colour"),
])
def test_a_wrong_when_is_refused_naming_the_key(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says.replace("(", r"\(").replace("[", r"\[")):
        settings_from(tmp_path, f'[[macros]]\nname = "M"\ntags = ["x"]\n{text}\n')
