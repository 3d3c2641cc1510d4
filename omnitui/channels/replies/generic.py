"""Replies to a generic source: a signed JSON POST to the reply_url it gave.

Signed the Standard Webhooks way with the channel's secret, so the receiving side verifies
it with any off-the-shelf library. The webhook-id is fixed per reply, so a retry after a
crash is the same delivery to a receiver that deduplicates on it. The id returned is the
"id" of the receiver's JSON answer, if it gives one, prefixed with the hook's name (ids of
different sources would otherwise collide).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from omnitui.channels.errors import PermanentFailure
from omnitui.channels.replies import http
from omnitui.channels.signing import standard_webhooks_signature
from omnitui.config import HookChannel, hook_secret


def send(channel: HookChannel, route: dict[str, Any], text: str, *, timeout: float,
         case_id: int, to: Sequence[str], delivery_id: str) -> str | None:
    if not route.get("reply_url"):
        raise PermanentFailure(f"source {channel.name!r} gave no reply_url for this "
                               "conversation, so there is nowhere to send the reply")
    secret = hook_secret(channel)
    body = json.dumps({"case_id": case_id, "text": text, "to": list(to)}).encode()
    stamp = int(time.time())
    headers = {"content-type": "application/json", "webhook-id": delivery_id,
               "webhook-timestamp": str(stamp),
               "webhook-signature": standard_webhooks_signature(secret, delivery_id, stamp,
                                                                body)}
    answer = http.post(route["reply_url"], platform=channel.name, secrets=[secret],
                       timeout=timeout, content=body, headers=headers)
    found = answer.get("id") if isinstance(answer, dict) else None
    return f"{channel.name}:{found}" if found else None
