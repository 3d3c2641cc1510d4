"""Standard Webhooks signatures (standardwebhooks.com), for the generic channel both ways:
verifying what other systems post to us, and signing what we post back."""

from __future__ import annotations

import base64
import hashlib
import hmac

from omnitui.config import signing_key


def standard_webhooks_signature(secret: str, msg_id: str, timestamp: int | str,
                                body: bytes) -> str:
    """The `webhook-signature` value: "v1," + base64(HMAC-SHA256(key, id.timestamp.body))."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()
