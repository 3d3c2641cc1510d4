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


WORDS = RuleIntents([
    Intent("billing", keywords=["Rechnung", "Rückerstattung", "Bestellung", "bill"]),
    Intent("complaint", keywords=["Aerger"]),  # a team without umlauts on its keyboard
    Intent("plans", keywords=["plan", "list", "cadeau"]),
])


@pytest.mark.parametrize("text,language,rule", [
    # a German plural or case ending: "Rechnung" missed "Rechnungen"
    ("Ich habe zwei Rechnungen bekommen.", "de", "says 'rechnungen'"),
    ("Wo bleiben meine BESTELLUNGEN?", "de", "says 'bestellungen'"),
    # an umlaut typed as its vowel and "e", and a team's "ae" for a customer's "ä"
    ("Wo bleibt meine Rueckerstattung?", "de", "says 'rueckerstattung'"),
    ("Wo bleibt meine Rueckerstattung?", "en", "says 'rueckerstattung'"),
    ("RUECKERSTATTUNGEN bitte", "de", "says 'rueckerstattungen'"),
    ("Schon wieder Ärger mit dem Paket.", "de", "says 'ärger'"),
    ("Mes cadeaux ne sont pas arrivés.", "fr", "says 'cadeaux'"),
])
def test_a_keyword_in_the_customers_inflection_and_spelling(text: str, language: str,
                                                            rule: str) -> None:
    found = WORDS.classify(text, language)
    assert found is not None and found.rule == rule


def test_an_ending_counts_in_its_own_language_only() -> None:
    """German endings in an English message made other words of short keywords: English
    keeps its plural alone ("bill" is not "billion", "plan" not "plane")."""
    assert [bool(WORDS.classify(text, language)) for text, language in (
        ("Rechnungen", "de"), ("Rechnungen", "en"), ("Rechnungen", "und"), ("bills", "en"),
        ("We sold a billion units.", "en"), ("The plane was late.", "en"),
        ("Please listen to the recording.", "en"), ("Mes cadeaux", "es"))] == [
        True, False, False, True, False, False, False, False]


def test_a_german_customers_plural_tells_the_intent(email_event: Callable[..., InboundEvent]
                                                    ) -> None:
    """The classify stage reads the keyword in the message's own language."""
    event = email_event("hans@example.de", subject="Frage", body=(
        "Guten Tag,\nich habe die beiden Rechnungen vom Mai noch nicht erhalten. Koennen Sie "
        "mir die bitte noch einmal schicken?\n\nLG\nHans"))
    read = classify(event, TriageSettings(), WORDS)
    assert (read.language, read.intent, read.intent_rule) == (
        "de", "billing", "says 'rechnungen'")
