"""Replies through Slack's Web API (chat.postMessage).

In a public channel the reply goes into the message's thread, so the channel is not flooded;
in a DM it is just the next message. A private answer to a channel message (or a route that
names only a user) first opens the DM with conversations.open. Slack answers 200 with
{"ok": false, "error": ...}: "ratelimited" is temporary, the rest are not. The id returned is
"<channel>:<ts>", since a ts is unique only within its channel.
"""

from __future__ import annotations

from typing import Any

from omnitui.channels.replies import http
from omnitui.config import HookChannel, hook_secret

LOGIN_ERRORS = frozenset({"invalid_auth", "not_authed", "token_revoked", "token_expired",
                          "account_inactive", "missing_scope"})


def send(channel: HookChannel, route: dict[str, Any], text: str, *,
         timeout: float) -> str | None:
    token = hook_secret(channel, "token")

    def call(method: str, body: dict[str, Any]) -> Any:
        return http.post(f"{channel.base_url}/{method}", platform="Slack", secrets=[token],
                         timeout=timeout, judge=_judge, json_body=body,
                         headers={"Authorization": f"Bearer {token}"})

    body: dict[str, Any] = {"text": text}
    if route.get("private") or not route.get("channel"):
        opened = call("conversations.open", {"users": route["user"]})
        body["channel"] = opened["channel"]["id"]
    else:
        body["channel"] = route["channel"]
        if route.get("public"):
            body["thread_ts"] = route.get("thread_ts") or route["ts"]
    answer = call("chat.postMessage", body)
    ts = answer.get("ts") if isinstance(answer, dict) else None
    return f"{answer.get('channel') or body['channel']}:{ts}" if ts else None


def _judge(status: int, body: Any) -> http.Refusal | None:
    if isinstance(body, dict) and body.get("ok") is False:
        error = str(body.get("error", "unknown error"))
        return http.Refusal(error, error == "ratelimited" or status == 429 or status >= 500,
                            login=error in LOGIN_ERRORS)
    return http.by_status(status, body)
