"""Reading a customer's answer to one of the intake assistant's questions."""

from __future__ import annotations

import pytest

from omnitui.config import AssistantChoice, AssistantQuestion
from omnitui.services.macros import fill_template
from omnitui.triage.answers import read_answer

TOPIC = AssistantQuestion("topic", "What is it about?", [
    AssistantChoice("Billing", intent="billing", keywords=["invoice", "Rechnung"]),
    AssistantChoice("Delivery", keywords=["parcel", "paket"]),
    AssistantChoice("Something else")])
ORDER = AssistantQuestion("order_number", "Order?", pattern=r"\b([A-Z]-\d{5})\b")
FREE = AssistantQuestion("note", "Anything else?")


@pytest.mark.parametrize(("text", "value"), [
    ("1", "Billing"), (" 2) ", "Delivery"), ("#3", "Something else"), ("billing", "Billing"),
    ("it's about my PARCEL", "Delivery"), ("Meine Rechnung", "Billing"),
    ("something else really", "Something else"),
    ("4", None),  # no such choice
    ("invoice for the parcel", None),  # names two: not a guess
    ("two parcels", "Delivery"),  # a plural, as an intent's phrase finds it
    ("parcelling", None),  # whole words only
    ("skip", None), ("No.", None), ("weiß nicht", None), ("", None),
])
def test_choices(text: str, value: str | None) -> None:
    answer = read_answer(TOPIC, text)
    assert (answer.value if answer else None) == value


REFUND = AssistantQuestion("topic", "Worum geht es?", [
    AssistantChoice("Rückerstattung", keywords=["remboursement", "Geld zurück"]),
    AssistantChoice("Lieferung", keywords=["Paket"])])


@pytest.mark.parametrize(("text", "language", "value"), [
    ("Rückerstattung", None, "Rückerstattung"), ("rueckerstattung", None, "Rückerstattung"),
    ("RÜCKERSTATTUNG bitte", None, "Rückerstattung"), ("REMBOURSEMENT", "fr", "Rückerstattung"),
    ("rémboursement", None, "Rückerstattung"), ("ich will mein GELD ZURUECK", "de",
                                                "Rückerstattung"),
    ("zwei Pakete", "de", "Lieferung"),  # a German plural, in a German answer
])
def test_a_choice_is_found_as_an_intents_phrase_is(text: str, language: str | None,
                                                   value: str) -> None:
    """"rueckerstattung" or "REMBOURSEMENT" to a choice list was not read (a skip): choices
    are matched as the intents' phrases, without case, accents or umlauts."""
    answer = read_answer(REFUND, text, language=language)
    assert (answer.value if answer else None) == value


def test_a_choice_by_the_messages_intent() -> None:
    answer = read_answer(TOPIC, "I was charged twice", intent="billing")
    assert answer is not None and answer.choice is TOPIC.choices[0]


def test_a_pattern_keeps_what_it_finds_and_free_text_is_kept_short() -> None:
    assert read_answer(ORDER, "sure: b-12345, thanks").value == "b-12345"  # type: ignore
    assert read_answer(ORDER, "I lost it") is None
    assert read_answer(FREE, "  call   me\nafter 5 ").value == "call me after 5"  # type: ignore
    assert len(read_answer(FREE, "x" * 500).value) == 120  # type: ignore


@pytest.mark.timeout(20)  # with `re`, this answer was read for hours
def test_a_pattern_that_cannot_finish_in_time_reads_no_answer(
        caplog: pytest.LogCaptureFixture) -> None:
    careless = AssistantQuestion("order_number", "Order?", pattern=r"(a|aa)+$")
    assert read_answer(careless, "a" * 40 + "!") is None  # a skip: the words stay on the case
    assert "assistant question 'order_number' pattern took over 0.1 s" in caplog.text


def test_an_empty_name_leaves_no_stray_space() -> None:
    values = {"customer_first_name": "", "case_id": "7"}
    assert fill_template("Hi {customer_first_name}, case #{case_id}.", values) == \
        "Hi, case #7."
    assert fill_template("Hi {customer_first_name} and welcome", values) == \
        "Hi and welcome"
