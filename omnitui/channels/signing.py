"""Standard Webhooks signatures (standardwebhooks.com), for the generic channel both ways:
verifying what other systems post to us, and signing what we post back."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac


def signing_key(secret: str) -> bytes:
    """A "whsec_" secret is base64 of the key (the scheme's own format); any other string is
    the key itself."""
    if secret.startswith("whsec_"):
        try:
            return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        except binascii.Error:
            pass
    return secret.encode()


def standard_webhooks_signature(secret: str, msg_id: str, timestamp: int | str,
                                body: bytes) -> str:
    """The `webhook-signature` value: "v1," + base64(HMAC-SHA256(key, id.timestamp.body))."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()
