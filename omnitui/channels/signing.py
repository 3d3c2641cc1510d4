"""Standard Webhooks signatures (standardwebhooks.com), shared by the generic channel's
receiver (to verify) and its reply sender (to sign), so both sides agree byte for byte."""

from __future__ import annotations

import base64
import hashlib
import hmac

SECRET_PREFIX = "whsec_"


def signing_key(secret: str) -> bytes:
    """The HMAC key: "whsec_<base64>" is the scheme's own form; any other secret is used as
    its UTF-8 bytes, so a plain shared secret works too."""
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret[len(SECRET_PREFIX):])
    return secret.encode()


def standard_webhooks_signature(secret: str, msg_id: str, timestamp: int | str,
                                body: bytes) -> str:
    """The `webhook-signature` value "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>"."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()
