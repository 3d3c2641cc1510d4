"""What an identifier as written (an email address, a phone number as people type it, a
`platform:id` handle) is stored as: the (kind, value) key the identities table finds a
customer by, for intake, an agent's commands and the search box alike."""

from __future__ import annotations

import functools
import re

from omnitui.model import Identifier


def normalize(identifier: Identifier, default_region: str) -> tuple[str, str] | None:
    """The stored (kind, value) of an identifier, or None when it is unusable.

    email: case-folded address; phone: E.164; anything else is a platform handle stored as
    ("handle", "platform:id").
    """
    kind = identifier.kind.strip().casefold()
    value = identifier.value.strip()
    if not value:
        return None
    if kind == "email":
        address = value.casefold()
        local, _, domain = address.rpartition("@")
        return ("email", address) if local and "." in domain and " " not in address else None
    if kind == "phone":
        e164 = _e164(value, default_region.upper())
        return ("phone", e164) if e164 else None
    return "handle", f"{kind}:{value}"


# Numbers as Twilio's logs and links write them: a phone number, which the SMS or WhatsApp
# message from it is filed under ("whatsapp:+447700900123" linked a handle nobody writes
# from, and the customer's next WhatsApp message opened a new customer)
_NUMBER_PREFIXES = re.compile(r"\A(?:whatsapp|sms|tel):(?=\s*[+(0-9])", re.IGNORECASE)


def identity_key(text: str, region: str) -> tuple[str, str] | None:
    """The stored (kind, value) an agent's typed address, number ("07700 900123": in
    `region`; "whatsapp:+447700900123") or `platform:id` handle names; None when it names
    none."""
    text = _NUMBER_PREFIXES.sub("", text.strip(), count=1).strip()
    kind = "email" if "@" in text else "phone" if text[:1] in "+(0123456789" else text.partition(
        ":")[0]
    if not kind:
        return None
    return normalize(Identifier(kind, text if kind in ("email", "phone")
                                else text.partition(":")[2]), region)


@functools.lru_cache(maxsize=65536)
def _e164(value: str, region: str) -> str | None:
    """Cached: parsing a number costs ~0.1 ms, and the same customers write again and again.
    phonenumbers is imported on the first number (15 ms): a command that reads no number
    starts without it."""
    import phonenumbers

    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
