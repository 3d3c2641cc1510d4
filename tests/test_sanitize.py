"""Hostile outside text reaches the terminal harmless and literal, and legitimate text
(emoji sequences, Persian, Hindi, accents) reaches it intact."""

from __future__ import annotations

import json
import logging
import sys
import unicodedata

from omnitui.daemon.log import OneLineLogFormatter
from omnitui.sanitize import (
    DEFAULT_IGNORABLE,
    UNSAFE_CATEGORIES,
    UNSAFE_RANGES,
    escape_json,
    sanitize,
)

UNSAFE = frozenset(chr(p) for low, high in UNSAFE_RANGES for p in range(low, high + 1))
IGNORABLE = frozenset(p for low, high in DEFAULT_IGNORABLE for p in range(low, high + 1))


def unsafe_left(text: str, *, allowed: str = "\n\t") -> set[str]:
    return {c for c in text if c in UNSAFE and c not in allowed}


def ranges_from_unicodedata() -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    for point in range(sys.maxunicode + 1):
        if unicodedata.category(chr(point)) in UNSAFE_CATEGORIES or point in IGNORABLE:
            if ranges and ranges[-1][1] == point - 1:
                ranges[-1] = (ranges[-1][0], point)
            else:
                ranges.append((point, point))
    return ranges


def test_the_table_is_this_pythons_unicode_classes() -> None:
    ranges = ranges_from_unicodedata()
    table = ", ".join(f"(0x{a:04X}, 0x{b:04X})" for a, b in ranges)
    assert list(UNSAFE_RANGES) == ranges, (
        f"unicodedata {unicodedata.unidata_version} differs from UNSAFE_RANGES in "
        f"omnitui/sanitize.py; the new table is:\n({table},)")


def test_escape_sequences_and_controls_are_removed() -> None:
    hostile = ("\x1b[2J\x1b[31mred\x1b[0m \x1b]52;c;ZXZpbA==\x07clip \x1b]0;title\x1b\\"
               "bell\x07 nul\x00 back\x08 \x9b31mcsi8 \u202eevil\u202c done")
    assert sanitize(hostile) == "red clip bell nul back csi8 evil done"


def test_markup_is_left_as_text_and_lines_kept() -> None:
    assert sanitize("[bold red]hi[/] line\r\nnext\rmore") == "[bold red]hi[/] line\nnext\nmore"
    assert sanitize("a\n\tb", multiline=False) == "a b"


def test_invisible_and_bidi_characters_of_every_class_are_removed() -> None:
    reported = "\u061c \u2060 \ufeff \u00ad \u3164 \ufff9 \ufffa \ufffb \U000e0001 \U000e0041"
    assert sanitize(f"a{reported}b", multiline=False) == "a b"
    assert sanitize("paypal\u2060\u2060") == "paypal"
    assert sanitize("paypal\u200d\u200d") == "paypal"  # joiners next to nothing visible
    # default-ignorable characters of other categories: a grapheme joiner (Mn), Khmer
    # inherent vowels (Mn), variation selectors, a Mongolian one, the reserved FFF0 and E0FFF
    for hidden in ("\u034f\u034f", "\u17b4\u17b5", "\ufe0f", "\ufe0e", "\ufe00",
                   "\U000e0100", "\u180b", "\ufff0", "\U000e0fff"):
        assert sanitize(f"paypal{hidden}") == "paypal", hidden
    assert sanitize("pay\u200dpal") == sanitize("pay\u200cpal") == "paypal"  # Latin
    greek_and_cyrillic = "\u03b1\u200d\u03b2 \u0430\u200c\u0431"
    assert sanitize(greek_and_cyrillic) == "\u03b1\u03b2 \u0430\u0431"
    assert sanitize("\u115f\u1160\uffa0x\ud800") == "x"  # fillers, a lone surrogate
    every = "x".join(sorted(UNSAFE))
    assert unsafe_left(sanitize(every)) == set()
    assert unsafe_left(sanitize(every, multiline=False), allowed="") == set()


def test_line_and_paragraph_separators_become_line_breaks() -> None:
    assert sanitize("one\u2028two\u2029three\x85four") == "one\ntwo\nthree\nfour"
    assert sanitize("one\u2028two", multiline=False) == "one two"


PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # "I want": ZWNJ inside a word


def test_joiners_and_emoji_style_survive_where_the_text_needs_them() -> None:
    for text in ("👩\u200d💻", "👨🏽\u200d💻", "❤\ufe0f\u200d🔥", "❤\ufe0f", "🏳\ufe0f\u200d🌈",
                 "1\ufe0f\u20e3", "\u2194\ufe0e", PERSIAN, "क्\u200dष", "ශ්\u200dරී",
                 "Ça coûte 5 € — naïve"):
        assert sanitize(text) == text
    assert sanitize("\u200dhi\u200c \u200c!") == "hi !"
    # a ZWNJ joins no emoji, a ZWJ next to a letter joins none, nor does a VS16 after one
    assert sanitize("👩\u200c💻 a\u200d💻 a\ufe0f\u200d💻") == "👩💻 a💻 a💻"
    assert sanitize("1\ufe0f _\ufe0f \u0301\ufe0e") == "1 _ \u0301"  # a digit, punctuation, a mark


def test_json_keeps_the_exact_value_with_no_raw_unsafe_character() -> None:
    value = {"subject": "a\x85b\x9b31m\u202eevil\u2028\ufeff\U000e0041\u200d", "n": -5}
    text = escape_json(json.dumps(value, indent=2, ensure_ascii=False))
    assert json.loads(text) == value
    assert unsafe_left(text) == set() and "\\u202e" in text and "\\udb40\\udc41" in text


def test_a_log_record_is_one_clean_line_even_with_a_hostile_traceback() -> None:
    formatter = OneLineLogFormatter("%(levelname)s %(name)s: %(message)s")
    try:
        raise ValueError("server said \x1b]0;owned\x07\x1b[2J\nFAKE INFO forged record")
    except ValueError:
        record = logging.LogRecord("omnitui.test", logging.WARNING, __file__, 1,
                                   "reply failed: %s", ("\x1b]52;c;ZXZpbA==\x07\u202eok",),
                                   sys.exc_info())
    line = formatter.format(record)
    assert "\n" not in line and unsafe_left(line, allowed="") == set()
    assert line.startswith("WARNING omnitui.test: reply failed: ok | Traceback")
    assert line.endswith("ValueError: server said | FAKE INFO forged record")
