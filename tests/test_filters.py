"""The quick-filter language's `age:` term: what a supervisor types, or the board's
drill-down writes, and what a wrong value says."""

from __future__ import annotations

import pytest

from omnitui.filters import Vocabulary, age_range, complete, parse
from omnitui.metrics.board import age_filters


@pytest.mark.parametrize(("typed", "ages"), [
    ("age:>4h", (4 * 3600, None)), ("age:<30m", (None, 1800)),
    ("age:1h-4h", (3600, 4 * 3600)), ("age:1-3d", (86400, 3 * 86400)),
    ("age:4h-1d", (4 * 3600, 86400)), ("AGE:>2W", (14 * 86400, None)),
    ("age:>1y", (365 * 86400, None))])  # the queue shows ages past 100 weeks in years
def test_ages_read_as_people_write_them(typed: str, ages: tuple[int | None, ...]) -> None:
    meaning = parse(typed, Vocabulary())
    assert not meaning.problems and not meaning.words
    assert (meaning.changes["min_age"], meaning.changes["max_age"]) == ages


@pytest.mark.parametrize("typed", ["age:4h", "age:soon", "age:4h-1h", "age:>1h-2h",
                                   "age:1-3", "age:-2h"])
def test_an_age_that_says_nothing_is_said_and_not_applied(typed: str) -> None:
    meaning = parse(typed, Vocabulary())
    assert meaning.changes == {} and meaning.problems
    assert meaning.problems[0].startswith("no age")


def test_the_boards_age_rows_are_filters_that_read_back() -> None:
    filters = age_filters()
    assert filters[0] == "age:<1h" and filters[-1] == "age:>7d" and "age:1h-4h" in filters
    for text in filters:
        assert age_range(text.removeprefix("age:")) is not None


def test_age_completes() -> None:
    assert complete("ag", Vocabulary()) == "age:"
    assert complete("age:>", Vocabulary()) == "age:>1h"


def test_is_takes_reopened_bounced_snoozed_and_says_what_it_does_not_know() -> None:
    assert parse("is:reopened is:bounced is:snoozed", Vocabulary()).changes == {
        "reopened": True, "bounced": True, "snoozed": True}
    assert parse("is:reassigned", Vocabulary()).changes == {"bounced": True}  # the board's
    assert parse("is:reopend", Vocabulary()).problems == [
        "no state 'reopend' (irritated, reopened, bounced, snoozed); did you mean reopened?"]


def test_lang_takes_und_for_the_cases_no_language_could_be_told_of() -> None:
    """The case screen says "read: und" of a "thx", and `lang:und` was refused."""
    assert parse("lang:und", Vocabulary()).changes == {"language": "und"}
    assert "und: none could be told" in parse("lang:xx", Vocabulary()).problems[0]


@pytest.mark.parametrize(("typed", "meant"), [("jp", "ja"), ("pt-BR", "pt"), ("nb", "no")])
def test_a_language_written_as_a_country_or_a_tag_says_its_code(typed: str, meant: str) -> None:
    """"lang:jp" (Japan's code) said only that the code was no language."""
    assert f"no language {typed!r} (did you mean {meant}? an ISO 639-1 code" in parse(
        f"lang:{typed}", Vocabulary()).problems[0]


def test_a_tier_completes_from_the_config_and_takes_any_customer_tier() -> None:
    from omnitui.config import Settings
    from omnitui.filters import vocabulary_of

    vocabulary = vocabulary_of("alice", [], [], Settings())
    assert complete("ti", vocabulary) == "tier:"
    assert complete("tier:v", vocabulary) == "tier:vip"
    assert parse("tier:VIP", vocabulary).changes == {"tier": "vip"}
    assert parse("tier:gold", vocabulary).changes == {"tier": "gold"}  # from a CRM import


def test_addresses_and_numbers_among_the_words_are_read_as_people_write_them() -> None:
    """A number said in groups is one number (its longest run of number-like words that is
    one); an order number beside it, a partial address and a bare word are words only."""
    meaning = parse("order 12345 07700 900123 Ann@Example.com @acme.com refund",
                    Vocabulary(phone_region="GB"))
    assert [(i.typed, i.kind, i.value) for i in meaning.changes["identities"]] == [
        ("07700 900123", "phone", "+447700900123"),
        ("Ann@Example.com", "email", "ann@example.com")]
    assert meaning.words == ["order", "12345", "07700", "900123", "Ann@Example.com",
                             "@acme.com", "refund"]  # every word still searched as text
    assert "identities" not in parse("refund 12345 @acme.com", Vocabulary()).changes
