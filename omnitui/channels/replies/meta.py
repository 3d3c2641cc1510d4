"""Replies through Meta's Graph API: WhatsApp Cloud, Messenger and Instagram.

WhatsApp replies quote the customer's message (context) so the answer sits under it.
Messenger and Instagram DMs go to /me/messages as a RESPONSE (allowed within 24 h of the
customer's message). A comment on a post is answered in public under it, or privately
(route "private") as a DM tied to the comment, the one private message Meta allows there.
Graph errors are {"error": {"message", "code"}}; codes 4, 17, 32 and 613 are rate limits
(temporary even though they come as HTTP 400), 190 is a bad token. The id returned is the
wamid, the message id (mid) or the new comment's id.
"""

from __future__ import annotations

from typing import Any

from omnitui.channels.replies import http
from omnitui.config import HookChannel, hook_secret

RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
TOKEN_CODES = frozenset({102, 190})
COMMENT_EDGES = {"messenger": "comments", "instagram": "replies"}


def send(channel: HookChannel, route: dict[str, Any], text: str, *,
         timeout: float) -> str | None:
    token = hook_secret(channel, "token")
    path, body = _request(route, text)
    answer = http.post(f"{channel.base_url}/{path}", platform="Meta", secrets=[token],
                       timeout=timeout, judge=_judge, json_body=body,
                       headers={"Authorization": f"Bearer {token}"})
    if not isinstance(answer, dict):
        return None
    messages = answer.get("messages") or [{}]
    return answer.get("message_id") or messages[0].get("id") or answer.get("id")


def _request(route: dict[str, Any], text: str) -> tuple[str, dict[str, Any]]:
    """(path under the Graph base, JSON body) of the reply this route asks for."""
    if route["platform"] == "whatsapp":
        body: dict[str, Any] = {"messaging_product": "whatsapp", "to": route["to"],
                                "type": "text", "text": {"body": text}}
        if route.get("message_id"):
            body["context"] = {"message_id": route["message_id"]}
        return f"{route['phone_number_id']}/messages", body
    comment = route.get("comment_id")
    if comment and not route.get("private"):
        return f"{comment}/{COMMENT_EDGES[route['platform']]}", {"message": text}
    if comment:
        return "me/messages", {"recipient": {"comment_id": comment}, "message": {"text": text}}
    return "me/messages", {"recipient": {"id": route["recipient"]}, "messaging_type": "RESPONSE",
                           "message": {"text": text}}


def _judge(status: int, body: Any) -> http.Refusal | None:
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = error.get("code")
        return http.Refusal(f"{error.get('message', '')} (code {code})".strip(),
                            code in RATE_LIMIT_CODES or status >= 500,
                            login=code in TOKEN_CODES)
    return http.by_status(status, body)
