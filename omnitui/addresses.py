"""What an email address alone tells, for intake and automations alike."""

from __future__ import annotations

import re
from collections.abc import Iterable

_NO_REPLY_RE = re.compile(r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply)([-+_.].*)?$", re.I)


def no_reply(address: str) -> bool:
    """A no-reply sender (noreply@, do-not-reply@): nobody reads what is sent to it."""
    return bool(_NO_REPLY_RE.match(address.rpartition("@")[0]))


def bare(entries: Iterable[str]) -> set[str]:
    """The addresses in entries as typed ("Ann <ann@x.org>, bob@y.org"), case-folded: what
    a server names when it refuses one (compared as typed, a refused "Ann <ann@x.org>"
    was never found, and the reply read sent). The email package is loaded here, when it is
    needed: the console starts without it (3 ms)."""
    from email.utils import getaddresses

    return {address.casefold() for _, address in getaddresses(list(entries)) if address}
