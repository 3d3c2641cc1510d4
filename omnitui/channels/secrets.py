"""The one scrubber that keeps secrets out of error text, for every channel.

A server's error can echo what it was sent: an IMAP or SMTP server may quote the AUTH line,
and an HTTP API (or whatever a wrong api_base or a proxy reaches) may echo the Authorization
header or the URL. That text goes on to the outbox, the channel's health, the log and
`omnitui doctor`, so the secret is blotted in every form it travels in, not only literally:
- base64, wherever the secret starts in the encoded bytes: alone, inside Basic auth
  ("user:secret"), SASL PLAIN ("\\0user\\0secret") or XOAUTH2 ("...auth=Bearer secret..."),
  in the standard and the URL-safe alphabet;
- URL-encoded (quote, quote_plus) and JSON-escaped, and those of the base64 forms.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from urllib.parse import quote, quote_plus

ERROR_CHARS = 300  # an error is one line of at most this many characters
MASK = "***"
MIN_BASE64 = 4  # shorter runs of base64 would blot ordinary words


class Secrets:
    """The secrets one attempt used; `scrub` makes error text safe to keep and show."""

    def __init__(self, *values: str) -> None:
        forms = {form for value in values if value for form in _forms(value)}
        self._forms = sorted(forms, key=len, reverse=True)  # a longer form first

    def scrub(self, text: str, *, limit: int = ERROR_CHARS) -> str:
        """`text` with every form of every secret blotted, as one line of at most `limit`
        characters (blotted before it is cut, so no cut-off piece survives)."""
        for form in self._forms:
            text = text.replace(form, MASK)
        line = " ".join(text.split())
        return line if len(line) <= limit else line[:limit - 1] + "…"


def _forms(secret: str) -> set[str]:
    texts = {secret, json.dumps(secret)[1:-1], *_base64_cores(secret.encode())}
    return {form for text in texts
            for form in (text, quote(text, safe=""), quote(text), quote_plus(text))}


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
