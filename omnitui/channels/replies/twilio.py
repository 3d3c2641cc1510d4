"""Replies by SMS or WhatsApp through Twilio's Messages API.

The reply leaves from the number the customer wrote to ("from" in the route), so it arrives
in the same conversation on their phone. The id returned is the message SID, which Twilio's
status callbacks name again.
"""

from __future__ import annotations

from typing import Any

from omnitui.channels.errors import PermanentFailure
from omnitui.channels.replies import http
from omnitui.config import HookChannel, hook_secret


def send(channel: HookChannel, route: dict[str, Any], text: str, *,
         timeout: float) -> str | None:
    if not channel.account_sid:
        raise PermanentFailure(f"channel {channel.name!r} has no account_sid to send from",
                               stage="login")
    token = hook_secret(channel, "token")
    url = f"{channel.base_url}/2010-04-01/Accounts/{channel.account_sid}/Messages.json"
    answer = http.post(url, platform="Twilio", secrets=[token], timeout=timeout,
                       judge=_judge, auth=(channel.account_sid, token),
                       form={"To": route["to"], "From": route["from"], "Body": text})
    return answer.get("sid") if isinstance(answer, dict) else None


def _judge(status: int, body: Any) -> http.Refusal | None:
    """Twilio's error body is {"code", "message", "more_info", "status"}."""
    if isinstance(body, dict) and body.get("message"):
        return http.by_status(status, body, f"{body['message']} (error {body.get('code')})")
    return http.by_status(status, body)
