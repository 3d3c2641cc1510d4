"""The one sanitizer for outside text before it reaches a terminal, a log or a script.

Subjects, bodies, names, handles, file names and remote servers' errors come from strangers:
terminal escape sequences in them could rewrite the screen, the title or the clipboard, and
invisible characters could hide text or make one name look like another. They are removed
here; callers then show the text literally (rich `Text`, never markup), so `[bold]` in a
subject is just characters.

What is removed is decided by Unicode property, not by a list of examples: controls (Cc),
format characters (Cf: bidi overrides, zero-width and tag characters, the BOM, the soft
hyphen...), surrogates (Cs, which cannot even be encoded for output), line and paragraph
separators (Zl, Zp; they become line breaks) and every Default_Ignorable_Code_Point (what a
renderer draws nothing for, whatever its category: the Hangul fillers, the combining grapheme
joiner, variation selectors, Khmer inherent vowels, Mongolian free variation selectors).
Two kinds stay where the text needs them, and only there, so "pay\\u200dpal" is "paypal":
- ZWJ between two parts of an emoji (an emoji or other symbol, a skin-tone modifier, or a
  kept VS16), as in 👩‍💻, 👨🏽‍💻 and ❤️‍🔥; ZWJ and ZWNJ between two characters of a script that
  shapes with them (Arabic and its relatives, the Indic scripts, Myanmar, Khmer, Mongolian),
  as in Persian "می‌خواهم" and Hindi "क्‍ष". Never between Latin, Greek or Cyrillic letters.
- VS15 and VS16 (text or emoji style) right after a symbol, as in ❤️, or in a keycap (before
  U+20E3), as in 1️⃣. Not after a letter, a digit or punctuation, where they change nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Default_Ignorable_Code_Point as Unicode 17.0's DerivedCoreProperties.txt lists it, reserved
# code points included (Python's unicodedata does not have the property).
DEFAULT_IGNORABLE: tuple[tuple[int, int], ...] = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)

# Every code point in UNSAFE_CATEGORIES or DEFAULT_IGNORABLE, as inclusive ranges. Generated
# from unicodedata 14.0.0 (Python 3.11); tests/test_sanitize.py regenerates it from the running
# Python and fails, printing the new table, when they differ. A table rather than scanning
# 1.1 million code points at import, which would add ~0.2 s to every command.
UNSAFE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x001F), (0x007F, 0x009F), (0x00AD, 0x00AD), (0x034F, 0x034F), (0x0600, 0x0605),
    (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2),
    (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F), (0x200B, 0x200F), (0x2028, 0x202E),
    (0x2060, 0x206F), (0x3164, 0x3164), (0xD800, 0xDFFF), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD),
    (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)

ZWNJ, ZWJ, VS15, VS16 = "\u200c", "\u200d", "\ufe0e", "\ufe0f"
KEYCAP = "\u20e3"  # COMBINING ENCLOSING KEYCAP: 1, VS16, KEYCAP is the emoji 1️⃣
IN_CONTEXT = ZWNJ + ZWJ + VS15 + VS16  # unsafe, but kept where the text needs them
# Scripts that shape with ZWJ and ZWNJ: cursive joining, or conjuncts (a virama and a joiner).
JOINING_SCRIPTS: tuple[tuple[int, int], ...] = (
    (0x0600, 0x08FF),  # Arabic, Syriac, Thaana, N'Ko, Samaritan, Mandaic, Arabic extended
    (0x0900, 0x0DFF),  # Devanagari, Bengali, Gurmukhi, Gujarati, Oriya, Tamil, Telugu,
                       # Kannada, Malayalam, Sinhala
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x18AF),  # Khmer, Mongolian
    (0x1CD0, 0x1CFF),  # Vedic extensions
    (0xA8E0, 0xA8FF),  # Devanagari extended
    (0x10D00, 0x10D3F),  # Hanifi Rohingya
    (0x10EC0, 0x10EFF),  # Arabic extended-C
    (0x11000, 0x11FFF),  # Brahmi and the later Indic scripts
    (0x1E900, 0x1E95F),  # Adlam
)


def _char_class(ranges: Iterable[tuple[int, int]], keep: str = "") -> str:
    """A regex character class matching `ranges` except the characters in `keep`."""
    points = sorted(ord(c) for c in keep)
    parts = []
    for low, high in ranges:
        start = low
        for point in (p for p in points if low <= p <= high):
            if start < point:
                parts.append((start, point - 1))
            start = point + 1
        if start <= high:
            parts.append((start, high))
    return "[" + "".join(re.escape(chr(a)) + ("-" + re.escape(chr(b)) if b > a else "")
                         for a, b in parts) + "]"


# CSI / OSC / DCS / other ESC sequences (7-bit and 8-bit introducers).
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)"  # OSC/DCS/SOS/PM/APC
    r"|\x1b[ -/]*[0-~]?",  # two/three-byte ESC sequences, or a lone ESC
    re.S)
_LINE_BREAKS = re.compile("\r\n?|[\x85\u2028\u2029]")
_IN_CONTEXT = re.compile(f"[{IN_CONTEXT}]")
_UNSAFE_IN_ASCII = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # the same, for ASCII: faster


@cache
def _unsafe(keep: str) -> re.Pattern[str]:
    """Every unsafe character but those in `keep`, compiled at its first use: the three
    patterns, compiled with the module, were a millisecond of every command's start."""
    return re.compile(_char_class(UNSAFE_RANGES, keep=keep))


def sanitize(text: str, *, multiline: bool = True) -> str:
    """Text safe to print: no escape sequences, no control, format or invisible characters.

    Newlines and tabs survive when `multiline`; otherwise every run of white space becomes
    one space. Clean text (the most common) comes back after one search, and printable
    ASCII without any.
    """
    if _needs_cleaning(text):
        text = _LINE_BREAKS.sub("\n", _ESCAPES.sub("", text))
        text = _IN_CONTEXT.sub(_kept_where_needed, _unsafe("\t\n" + IN_CONTEXT).sub("", text))
    return text if multiline else " ".join(text.split())


def _needs_cleaning(text: str) -> bool:
    if text.isascii():
        return not text.isprintable() and _UNSAFE_IN_ASCII.search(text) is not None
    return _unsafe("\t\n").search(text) is not None


def _kept_where_needed(match: re.Match[str]) -> str:
    return match.group() if _needed(match.string, match.start()) else ""


def _needed(text: str, at: int) -> bool:
    """Whether the joiner or emoji-style selector at `at` does something there."""
    char = text[at]
    if char in (VS15, VS16):
        return at > 0 and (_symbol(text[at - 1])
                           or text.startswith(KEYCAP, at + 1))
    if not 0 < at < len(text) - 1:
        return False
    if char == ZWJ and _emoji_part(text, at - 1) and _emoji_part(text, at + 1):
        return True
    return _joining_script(text[at - 1]) and _joining_script(text[at + 1])


def _emoji_part(text: str, at: int) -> bool:
    """An emoji or other symbol (skin-tone modifiers are symbols too), or a kept VS16."""
    char = text[at]
    return _symbol(char) or (char == VS16 and _needed(text, at))


def _symbol(char: str) -> bool:
    """Unicode category S*. unicodedata loads here, not with the module: only text with a
    joiner or a variation selector asks, and loading it costs every command ~2 ms."""
    import unicodedata

    return unicodedata.category(char)[0] == "S"


def _joining_script(char: str) -> bool:
    point = ord(char)
    return any(low <= point <= high for low, high in JOINING_SCRIPTS)


def escape_json(text: str) -> str:
    """JSON text (as json.dumps wrote it, ensure_ascii=False) with every unsafe character
    written as a \\u escape: scripts still get the exact value, terminals get no raw control.
    Outside strings JSON holds only ASCII punctuation, spaces and newlines, so this only ever
    touches characters inside strings."""
    return _unsafe("\n").sub(_json_escape, text)


def _json_escape(match: re.Match[str]) -> str:
    point = ord(match.group())
    if point <= 0xFFFF:
        return f"\\u{point:04x}"
    point -= 0x10000
    return f"\\u{0xD800 + (point >> 10):04x}\\u{0xDC00 + (point & 0x3FF):04x}"
