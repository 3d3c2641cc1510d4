"""What an email address alone tells, for intake and automations alike."""

from __future__ import annotations

import re

_NO_REPLY_RE = re.compile(r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply)([-+_.].*)?$", re.I)


def no_reply(address: str) -> bool:
    """A no-reply sender (noreply@, do-not-reply@): nobody reads what is sent to it."""
    return bool(_NO_REPLY_RE.match(address.rpartition("@")[0]))
