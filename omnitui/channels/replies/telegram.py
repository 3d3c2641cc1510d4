"""Replies through the Telegram Bot API (sendMessage).

In a group the reply quotes the customer's message, so it is clear whom it answers; in a
private chat that would only add noise. A private answer to a group message goes to the
user's own chat with the bot. The id returned is "<chat id>:<message id>": Telegram numbers
messages per chat, so the bare number would repeat across chats.
"""

from __future__ import annotations

from typing import Any

from omnitui.channels.replies import http
from omnitui.config import HookChannel, hook_secret


def send(channel: HookChannel, route: dict[str, Any], text: str, *,
         timeout: float) -> str | None:
    token = hook_secret(channel, "token")
    private = bool(route.get("private"))
    chat_id = route["user_id"] if private else route["chat_id"]
    body: dict[str, Any] = {"chat_id": chat_id, "text": text}
    if route.get("public") and not private and route.get("message_id"):
        body["reply_parameters"] = {"message_id": route["message_id"]}
    answer = http.post(f"{channel.base_url}/bot{token}/sendMessage", platform="Telegram",
                       secrets=[token], timeout=timeout, judge=_judge, json_body=body)
    sent = (answer.get("result") if isinstance(answer, dict) else None) or {}
    chat = (sent.get("chat") or {}).get("id", chat_id)
    return f"{chat}:{sent['message_id']}" if "message_id" in sent else None


def _judge(status: int, body: Any) -> http.Refusal | None:
    if isinstance(body, dict) and body.get("ok") is False:
        code = int(body.get("error_code") or status)
        return http.Refusal(f"{code} {body.get('description', '')}".strip(),
                            code == 429 or code >= 500, login=code == 401)
    return http.by_status(status, body)
