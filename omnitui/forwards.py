"""A forward: what its subject starts with, and whose mail it passes on.

An agent who forwards a customer's mail to a supplier from their mail client sends our own
mail (intake files a copy of it) to someone who is not the customer. Filed as mail to the
person it went to, it made the supplier a customer with a case of their own, and the
supplier's answer opened it. Whose mail it forwards is in the forward itself: the header
block mail clients write above the forwarded text (Gmail's "---------- Forwarded message
---------", Thunderbird's "-------- Forwarded Message --------", Apple Mail's "Begin
forwarded message:", Outlook's "From: / Sent:" block, in the sender's language), or the
attached message of a forward "as attachment".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# the line above a forwarded mail's header block, as Gmail writes it (and we do)
FORWARD_MARK = "---------- Forwarded message ----------"
# a forward's subject, as mail clients write it in English, German, French, Spanish and
# Portuguese, Italian
FORWARD_SUBJECT = re.compile(r"\s*(fwd?|wg|tr|rv|enc|i)\s*:", re.IGNORECASE)
# the forwarded mail's sender line, in the languages FORWARD_SUBJECT knows (and Dutch,
# Swedish): "From:", "Von:", "De :", "Da:", "Van:", "Från:"
_FROM_LINE = re.compile(r"(?im)^[ \t>*]*(?:from|von|de|da|van|från)[ \t]*:[ \t]*(.+?)[ \t*]*$")
_ADDRESS = re.compile(r"[\w.!#$%&'+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
_SEARCHED = 8_000  # characters: the block sits above the forwarded text, near the top


def is_forward(subject: str) -> bool:
    return bool(FORWARD_SUBJECT.match(subject))


def forwarded_sender(text: str, attached: Iterable[bytes], own: Iterable[str]
                     ) -> tuple[str, str] | None:
    """(name, address) of the first sender a forward passes on that is not one of `own`
    (our own reply forwarded along with the customer's mail): from the forwarded header
    block in `text`, else from the messages `attached` (their raw bytes). None: no sender
    to be found. (The email package is loaded here: the console starts without it.)"""
    from email.parser import BytesHeaderParser
    from email.utils import parseaddr

    ours = {address.casefold() for address in own}
    for line in _FROM_LINE.finditer(text[:_SEARCHED]):
        if (found := _ADDRESS.search(line.group(1))) and found.group(0).casefold() not in ours:
            name = line.group(1)[:found.start()].strip(" \t\"'<[(")
            return name.removesuffix("mailto:").strip(" \t\"'<[("), found.group(0)
    for raw in attached:
        name, address = parseaddr(str(BytesHeaderParser().parsebytes(raw).get("from", "")))
        if _ADDRESS.fullmatch(address) and address.casefold() not in ours:
            return name, address
    return None
