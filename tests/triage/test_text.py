"""Phrases as whole words in any case: the trie `phrase_pattern` compiles finds what a plain
alternation of the phrases finds, where it finds it."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from omnitui.config import TriageSettings
from omnitui.triage.text import phrase_pattern

PHRASES = ("third time", "a joke", "a", "ab", "abc", "b c", "c++", "e-mail", "Team-Tarif",
           "naïve", "ÉTÉ", "still not", "still not working", *TriageSettings().urgent_phrases)
WORDS = [*PHRASES, "the", "x", "thirdtime", "abd", "émail", "été", "NAÏVE", "jokes", ".", ",",
         "!", "'", "-", "STILL", "not"]


def alternation(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """What phrase_pattern compiled before: each phrase an alternative, tried in turn (a
    plural's ending allowed, and a space any white space, as it allows)."""
    either = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases)
    return re.compile(rf"(?<!\w)(?:{either})(?:e?s)?(?!\w)", re.I)


@given(st.lists(st.sampled_from(WORDS), max_size=10), st.sampled_from(["", " ", "  ", "-"]),
       st.booleans())
def test_the_trie_finds_what_the_alternation_finds(words: list[str], joint: str,
                                                   shout: bool) -> None:
    text = joint.join(words)
    text = text.upper() if shout else text
    expected, found = alternation(PHRASES).search(text), phrase_pattern(PHRASES).search(text)
    assert (expected is None) == (found is None)
    if expected and found:
        assert expected.start() == found.start


def test_the_longest_phrase_is_the_one_named() -> None:
    found = phrase_pattern(PHRASES).search("It is STILL NOT WORKING.")
    assert found is not None and found.text == "STILL NOT WORKING"
    assert phrase_pattern(("", "  ")) is None


def test_a_plural_is_the_word_too() -> None:
    """"invoice" did not find "my invoices", nor "error" "two errors"."""
    pattern = phrase_pattern(("invoice", "error", "charged twice"))
    assert pattern is not None
    assert [bool(pattern.search(t)) for t in ("my invoices", "two ERRORS", "invoiced",
                                                "errorless", "charged twice!")] == [
        True, True, False, False, True]


def test_a_phrase_however_the_customer_typed_it() -> None:
    """A team's "Straße" and "où est" missed "STRASSE" and "OU EST" (capitals lose their
    accents on many keyboards), "n'ai" missed a phone's curly one, "kündigen" missed a Mac's
    "ku" and a combining accent, and a phrase the mail program wrapped missed too. The
    customer's own spelling is what is found."""
    pattern = phrase_pattern(("Straße", "où est", "je n'ai pas reçu", "kündigen",
                              "doppelt abgebucht"))
    assert pattern is not None
    found = [pattern.search(text) for text in (
        "FALSCHE STRASSE!", "OU EST MON COLIS", "Je n\u2019ai pas re\u00e7u",
        "Ich will ku\u0308ndigen", "wurde doppelt\nabgebucht", "Strasse", "ou est-il")]
    assert [f and f.text for f in found] == [
        "STRASSE", "OU EST", "Je n\u2019ai pas re\u00e7u", "ku\u0308ndigen",
        "doppelt abgebucht", "Strasse", "ou est"]
    assert found[3] is not None and found[3].start == 9
    assert pattern.search("Strassenbahn") is None  # still whole words
