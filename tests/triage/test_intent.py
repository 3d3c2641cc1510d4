"""Intents told by the config's rules, in any language, the first matching entry winning."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from omnitui.config import Intent, TriageSettings
from omnitui.model import InboundEvent
from omnitui.triage.classify import classify
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


def test_the_senders_signature_tells_no_intent(email_event: Callable[..., InboundEvent]
                                               ) -> None:
    """An accounts department's signature ("invoice #..." to quote) under a question about
    a delivery is who wrote, not what they want: the classify stage reads the words above."""
    event = email_event("ap@example.com", subject="Delivery", body=(
        "Where is my parcel? It was due on Monday.\n\nBest regards,\nAccounts Payable\n"
        "Quote invoice #20931 in every reply"))
    assert classify(event, TriageSettings(), RULES).intent is None


@pytest.mark.timeout(20)  # with `re`, each of these searches runs for hours
@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(\w+\s?)+$", r"(a|aa)+$"])
def test_a_pattern_that_backtracks_never_holds_the_message(pattern: str) -> None:
    """A team's careless pattern and a customer's crafted message: the message is read in
    time all the same."""
    started = time.monotonic()
    assert RuleIntents([Intent("billing", patterns=[pattern])]).classify(
        "Hello\n" + "a" * 40 + "!") is None
    assert time.monotonic() - started < 2


@pytest.mark.timeout(20)
def test_a_pattern_out_of_time_is_skipped_named_and_the_rules_after_it_still_read(
        email_event: Callable[..., InboundEvent]) -> None:
    rules = RuleIntents([Intent("billing", patterns=[r"\binvoice\s+#?\d{4,}", r"(a|aa)+$"]),
                         Intent("greeting", keywords=["hello"])])
    event = email_event("kim@example.com", subject="Hello", body="a" * 40 + "!")
    read = classify(event, TriageSettings(), rules)
    assert (read.intent, read.intent_rule) == ("greeting", "says 'hello'")
    assert read.parse_errors == ["intent 'billing' pattern #2 took over 0.1 s and was "
                                 "skipped (counted as no match)"]


def test_rules_read_the_customers_spelling(email_event: Callable[..., InboundEvent]) -> None:
    """A German rule never matched a customer in capitals ("STÖRUNG" is fine, "STRASSE" for
    "Straße" was not), nor a phrase the mail program wrapped onto the next line; a French
    "c'est nul" missed a phone's curly apostrophe: no intent, not urgent, not irritated."""
    rules = RuleIntents([Intent("address", queue="de", keywords=["falsche Straße"])])
    assert rules.classify("FALSCHE STRASSE im Lieferschein") == IntentMatch(
        "address", "says 'falsche strasse'")
    wrapped = classify(email_event("hans@example.de", subject="Abbuchung", body=(
        "Guten Tag, mir wurde letzte Woche leider doppelt\nabgebucht, bitte pruefen.")),
        TriageSettings(), RULES)
    assert (wrapped.intent, wrapped.intent_rule, wrapped.urgent) == (
        "billing", "says 'doppelt abgebucht'", True)
    curly = classify(email_event("marie@example.fr", subject="Commande", body=(
        "Bonjour, ma commande est encore en retard, c\u2019est nul.")), TriageSettings())
    assert curly.irritation == "says 'c\u2019est nul'"
