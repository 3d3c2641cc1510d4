"""The one scrubber that keeps secrets out of error text, for every channel.

A server's error can echo what it was sent: an IMAP or SMTP server may quote the AUTH line,
and an HTTP API (or whatever a wrong api_base or a proxy reaches) may echo the Authorization
header or the URL. That text goes on to the outbox, the channel's health, the log and
`omnitui doctor`, so the secret is blotted in every form it travels in, not only literally:
- base64, wherever the secret starts in the encoded bytes: alone, inside Basic auth
  ("user:secret"), SASL PLAIN ("\\0user\\0secret") or XOAUTH2 ("...auth=Bearer secret..."),
  in the standard and the URL-safe alphabet;
- URL-encoded (quote, quote_plus) and JSON-escaped (with or without \\u escapes and "\\/"),
  and each of those forms of the others and of the base64 forms.
Matching ignores ASCII case: servers write percent and \\u escapes in either case (a
Telegram token's ":" as %3A or %3a), and a text equal to a secret but for case gives it away
as much.

A server or a proxy may also cut what it echoes ("Invalid token a1b2c3/d4e5+f6a7…"). So a
piece of any form is blotted too when it is at least PREFIX_CHARS long, is the start of that
form, and ends where the text is cut: at the end of the text, or before "…", "...", white
space or a quote. A shorter piece stays, and so does one that runs on into other text: no
word shorter than PREFIX_CHARS is ever blotted, and a longer one only when it is exactly the
first characters of a secret's form, followed by a cut.
"""

from __future__ import annotations

import base64
import json
import string
from collections.abc import Iterable, Iterator
from urllib.parse import quote, quote_plus

ERROR_CHARS = 300  # an error is one line of at most this many characters
MASK = "***"
MIN_BASE64 = 4  # shorter runs of base64 would blot ordinary words
PREFIX_CHARS = 8  # a cut-off piece this long of a secret's form is blotted
CUT_BEFORE = ("…", "...", '"', "'", "`")  # or white space, or the end of the text
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


class Secrets:
    """The secrets one attempt used; `scrub` makes error text safe to keep and show."""

    def __init__(self, *values: str) -> None:
        self._forms = {form.translate(_ASCII_LOWER)
                       for value in values if value for form in _forms(value)}

    def scrub(self, text: str, *, limit: int = ERROR_CHARS) -> str:
        """`text` with every form of every secret blotted, as one line of at most `limit`
        characters (blotted before it is cut, so no cut-off piece survives)."""
        folded = text.translate(_ASCII_LOWER)  # same length: positions stay
        kept: list[str] = []
        done = 0
        for start, end in sorted(span for form in self._forms for span in _found(folded, form)):
            if start >= done:
                kept += [text[done:start], MASK]
            done = max(done, end)
        line = " ".join("".join([*kept, text[done:]]).split())
        return line if len(line) <= limit else line[:limit - 1] + "…"


def _found(text: str, form: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each whole `form` in `text`, and of each piece of PREFIX_CHARS or more
    that `form` starts with and the text is cut after."""
    head = form[:PREFIX_CHARS]
    start = text.find(head)
    while start != -1:
        same = len(head)
        while same < len(form) and text.startswith(form[same], start + same):
            same += 1
        if same == len(form):
            yield start, start + same
        else:
            end = next((end for end in range(start + same, start + PREFIX_CHARS - 1, -1)
                        if _cut_at(text, end)), None)
            if end is not None:
                yield start, end
        start = text.find(head, start + 1)


def _cut_at(text: str, at: int) -> bool:
    return at == len(text) or text[at].isspace() or text.startswith(CUT_BEFORE, at)


def _forms(secret: str) -> set[str]:
    texts = _json_forms({secret, *_base64_cores(secret.encode())})
    return _json_forms({form for text in texts
                        for form in (text, quote(text, safe=""), quote(text), quote_plus(text))})


def _json_forms(texts: Iterable[str]) -> set[str]:
    """The texts, and each as a JSON string's inside: with \\u escapes or the characters
    themselves, and with "/" as is or as "\\/" (PHP's json_encode, some Java libraries)."""
    forms = set(texts)
    for text in list(forms):
        for ascii_only in (True, False):
            escaped = json.dumps(text, ensure_ascii=ascii_only)[1:-1]
            forms |= {escaped, escaped.replace("/", "\\/")}
    return forms


def _base64_cores(data: bytes) -> Iterator[str]:
    """The base64 characters that encode `data` alone, for each of the three places it can
    start in a 3-byte group: whatever surrounds it, an encoding that holds it holds one of
    these. The characters shared with the neighbouring bytes (at most 4 bits of the secret
    at each end) are left out."""
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + data).decode().rstrip("=")
        start = (0, 2, 3)[offset]  # the characters that still carry the padding bytes
        end = len(encoded) - (1 if (offset + len(data)) % 3 else 0)
        core = encoded[start:end]
        if len(core) >= MIN_BASE64:
            yield core
            yield core.replace("+", "-").replace("/", "_")  # the URL-safe alphabet
