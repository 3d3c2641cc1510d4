"""Intents told by the config's rules, in any language, the first matching entry winning."""

from __future__ import annotations

from omnitui.config import Intent
from omnitui.triage.intent import IntentMatch, RuleIntents

RULES = RuleIntents([
    Intent("incident", keywords=["service is down", "Störung"]),
    Intent("billing", queue="billing", keywords=["charged twice", "doppelt abgebucht",
                                                 "reembolso"],
           patterns=[r"\binvoice\s+#?\d{4,}"]),
    Intent("anything", keywords=["order"]),
])


def test_keywords_in_any_language_and_the_rule_that_told() -> None:
    assert RULES.classify("I was CHARGED TWICE for my order") == IntentMatch(
        "billing", "says 'charged twice'")
    assert RULES.classify("Mir wurde doppelt abgebucht!") == IntentMatch(
        "billing", "says 'doppelt abgebucht'")
    assert RULES.classify("Quiero un reembolso") == IntentMatch("billing", "says 'reembolso'")


def test_a_pattern_and_the_first_entry_wins() -> None:
    found = RULES.classify("Where is invoice #20931 for my order?")
    assert found is not None and found.name == "billing"
    assert found.rule.startswith("matches") and "invoice #20931" in found.rule
    assert RULES.classify("Störung: the service is down since 9") == IntentMatch(
        "incident", "says 'störung'")  # the first in the text


def test_whole_words_only_and_nothing_when_nothing_matches() -> None:
    assert RULES.classify("disorderly conduct") is None  # not "order"
    assert RULES.classify("Thanks, all good now") is None
    assert RuleIntents([]).classify("charged twice") is None
