"""The one sanitizer for outside text before it reaches a terminal.

Subjects, bodies, names, handles and file names come from strangers: terminal escape
sequences in them could rewrite the screen or the clipboard, and control characters could
hide text. They are removed here; callers then show the text literally (rich `Text`, never
markup), so `[bold]` in a subject is just characters.
"""

from __future__ import annotations

import re

# CSI / OSC / DCS / other ESC sequences (7-bit and 8-bit introducers), then stray controls.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI ... final byte
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)"  # OSC/DCS/SOS/PM/APC
    r"|\x1b[ -/]*[0-~]?",  # two/three-byte ESC sequences, or a lone ESC
    re.S)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def sanitize(text: str, *, multiline: bool = True) -> str:
    """Text safe to print: no escape sequences, no control or bidi-override characters.

    Newlines and tabs survive when `multiline`; otherwise they become spaces.
    """
    text = _ESCAPES.sub("", text.replace("\r\n", "\n"))
    text = _CONTROLS.sub("", text.replace("\r", "\n"))
    if not multiline:
        text = " ".join(text.split())
    return text
