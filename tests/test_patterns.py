"""The config's regular expressions on customers' text: a search that cannot finish gives up
in time, as no match, named by its rule and never by the text; the patterns a team writes
match as Python's `re` matches them."""

from __future__ import annotations

import logging
import re
import time

import pytest

from omnitui import patterns

CRAFTED = "a" * 40 + "!"  # what `(a|aa)+$` backtracks on for hours with `re`


@pytest.mark.timeout(20)  # with `re`, this search never ends
def test_a_search_out_of_time_is_no_match_named_by_its_rule_never_the_text(
        caplog: pytest.LogCaptureFixture) -> None:
    skipped: list[str] = []
    started = time.monotonic()
    found = patterns.search(patterns.compiled(r"(a|aa)+$"), CRAFTED, "intent 'x' pattern #2",
                            skipped)
    assert found is None
    assert time.monotonic() - started < 2
    assert skipped == ["intent 'x' pattern #2 took over 0.1 s and was skipped (counted as "
                       "no match)"]
    [record] = [r for r in caplog.records if r.name == "omnitui.patterns"]
    assert record.levelno == logging.WARNING and record.getMessage() == skipped[0]
    assert "aaaa" not in caplog.text


# The example config's patterns, the default question's, and those the tests and the demo
# use, on text they should and should not find something in.
WRITTEN = [r"\border [A-Z]?\d{5,}\b.*\b(charge|paid|payment)", r"(?i)refund",
           r"\b([A-Z]{0,4}-?\d{4,}[A-Z0-9-]*)\b", r"\binvoice\s+#?\d{4,}", r"\bA\d{6}\b",
           r"\b503\b", r"\b([A-Z]-\d{5})\b", r"(?i)charged twice"]
TEXTS = ["Order A123456: I was charged twice, payment went through", "REFUND please",
         "order 12345 and then paid twice", "Invoice #20931 for order b-12345",
         "error 503 since 9", "Rückerstattung für Bestellung ÄB-99999", "café 1503 nothing",
         "ORDER X123456 — PAID", "my number is abcd-1234x5"]


@pytest.mark.parametrize("source", WRITTEN)
@pytest.mark.parametrize("ignore_case", [False, True])
def test_the_patterns_a_team_writes_find_what_re_finds(source: str, ignore_case: bool) -> None:
    ours = patterns.compiled(source, ignore_case=ignore_case)
    theirs = re.compile(source, re.IGNORECASE if ignore_case else 0)
    for text in TEXTS:
        mine, re_s = patterns.search(ours, text, "test"), theirs.search(text)
        assert (mine and (mine.span(), mine.groups())) == (
            re_s and (re_s.span(), re_s.groups())), text


@pytest.mark.parametrize(("source", "problem"), [
    ("(unclosed", "missing ), unterminated subpattern"),
    (r"\d{5000}", "it repeats a part 5,000 times at least"),
    (r"(a{1000}){1000}", "it repeats a part 1,000,000 times at least"),  # 260 MB: nested
    (r"(?=(?:a{50}|b){50})", "it repeats a part 2,500 times at least"),  # counts multiply
    (r"\\{1000000}", "it repeats a part 1,000,000 times at least"),  # a backslash, repeated
])
def test_what_is_no_pattern_or_counts_past_the_limit_is_refused(source: str,
                                                                problem: str) -> None:
    with pytest.raises(re.error, match=re.escape(problem)):
        patterns.check(source)
    patterns.check(r"\d{4,}\{5000\}x{1000}")  # a literal brace, and the limit itself
    patterns.check(r"x{2,100000}")  # an upper bound costs nothing to compile
