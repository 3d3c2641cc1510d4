"""One POST to a platform's API, and how it failed, for every reply sender.

Network trouble, 429 and 5xx are temporary (the outbox retries with backoff); 401 and 403
mean the token is wrong (the channel's health shows it); any other 4xx is this reply's
problem and permanent. Each platform says what went wrong in its own body, so the caller
passes `judge`, which reads the platform's error and may overrule the status (Slack answers
200 with {"ok": false}, Meta's rate limits come as 400). Error text is one line and never
holds the token in any form (omnitui/channels/secrets.py), whether it was in a header (an
echoed Basic or Bearer Authorization) or in the URL.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from omnitui.channels.errors import PermanentFailure, SendError, TemporaryFailure
from omnitui.channels.secrets import Secrets
from omnitui.records import record

# httpx logs every request's URL at INFO, and Telegram's URL holds the bot token.
logging.getLogger("httpx").setLevel(logging.WARNING)


@record(frozen=True)
class Refusal:
    """What a platform said went wrong with a request."""

    message: str
    temporary: bool
    login: bool = False  # the credential was refused: the account's problem, not the reply's


Judge = Callable[[int, Any], Refusal | None]


def by_status(status: int, body: Any, message: str = "") -> Refusal | None:
    """The plain HTTP rule; `message` is the platform's own words, if it said any. Only a
    2xx is success: a redirect means api_base points somewhere wrong."""
    if 200 <= status < 300:
        return None
    text = message or (body if isinstance(body, str) else json.dumps(body))
    return Refusal(f"{status} {text}".strip(), status == 429 or status >= 500,
                   login=status in (401, 403))


def post(url: str, *, platform: str, secrets: Sequence[str], timeout: float,
         judge: Judge = by_status, json_body: Any = None, form: dict[str, str] | None = None,
         headers: dict[str, str] | None = None, auth: tuple[str, str] | None = None,
         content: bytes | None = None) -> Any:
    """POST once; returns the parsed JSON answer (text when it is not JSON), or raises
    TemporaryFailure / PermanentFailure naming `platform`."""
    try:
        response = httpx.post(url, json=json_body, data=form, content=content,
                              headers=headers, auth=auth, timeout=timeout)
    except httpx.TimeoutException:
        raise TemporaryFailure(f"{platform}: no answer within {timeout:g} s",
                               stage="connect") from None
    except httpx.HTTPError as exc:
        raise failure(f"cannot reach {platform}: {exc}", secrets, temporary=True,
                      stage="connect") from None
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    refusal = judge(response.status_code, body)
    if refusal is not None:
        raise failure(f"{platform}: {refusal.message}", secrets, temporary=refusal.temporary,
                      stage="login" if refusal.login else "message")
    return body


def failure(text: str, secrets: Sequence[str], *, temporary: bool,
            stage: str = "message") -> SendError:
    """The error to raise, as one line with every secret, in every form, blotted out."""
    line = Secrets(*secrets).scrub(text)
    return (TemporaryFailure if temporary else PermanentFailure)(line, stage=stage)
