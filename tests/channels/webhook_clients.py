"""Requests built the way each platform builds them, signed with the platforms' own code
where they publish it (slack_sdk, twilio, standardwebhooks) and by their documented
algorithm otherwise (Telegram's secret token, Meta's X-Hub-Signature-256)."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier
from standardwebhooks import Webhook
from twilio.request_validator import RequestValidator

SECRETS = {"tg": "tg-secret_token-1", "slack": "8f742231b10e8888abcd99yyyzzz85a5",
           "sms": "twilio-auth-token-0123456789", "meta": "meta-app-secret-42",
           "forms": "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "verify": "meta-verify-7"}
PUBLIC_URL = "https://support.example.com"
_ids = itertools.count(1000)


def telegram_update(text: str = "hello", *, user_id: int = 42, chat_type: str = "private",
                    update_id: int | None = None, **message: Any) -> dict[str, Any]:
    chat_id = user_id if chat_type == "private" else -100500
    return {"update_id": update_id or next(_ids), "message": {
        "message_id": next(_ids), "date": int(time.time()),
        "from": {"id": user_id, "is_bot": False, "first_name": "Ada", "last_name": "Lovelace",
                 "username": "ada"},
        "chat": {"id": chat_id, "type": chat_type},
        # a photo, a sticker or a shared contact has no text (a photo may have a caption)
        **({} if {"caption", "contact", "photo", "sticker"} & set(message) else {"text": text}),
        **message}}


def post_telegram(client: httpx.Client, update: dict[str, Any], *,
                  secret: str | None = SECRETS["tg"]) -> httpx.Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
    return client.post("/hooks/tg", content=json.dumps(update), headers=headers)


def slack_message(text: str = "hi", *, user: str = "U123", channel_type: str = "im",
                  event_id: str | None = None, **event: Any) -> dict[str, Any]:
    ts = f"{time.time():.6f}"
    return {"token": "x", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids)}", "event_time": int(time.time()),
            "event": {"type": "message", "user": user, "text": text, "ts": ts,
                      "channel": "D42" if channel_type == "im" else "C42",
                      "channel_type": channel_type, **event}}


def post_slack(client: httpx.Client, payload: dict[str, Any], *, timestamp: int | None = None,
               secret: str = SECRETS["slack"], headers: dict[str, str] | None = None
               ) -> httpx.Response:
    body = json.dumps(payload)
    stamp = str(timestamp or int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    return client.post("/hooks/slack", content=body, headers={
        "X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature,
        "Content-Type": "application/json", **(headers or {})})


def twilio_form(body: str = "hello", *, sender: str = "+15551234567", sid: str | None = None,
                to: str = "+15557654321", **extra: str) -> dict[str, str]:
    return {"MessageSid": sid or f"SM{next(_ids):032d}", "AccountSid": "AC1", "From": sender,
            "To": to, "Body": body, "NumMedia": "0", **extra}


def post_twilio(client: httpx.Client, form: dict[str, str], *, signed_url: str | None = None,
                token: str = SECRETS["sms"]) -> httpx.Response:
    url = signed_url or f"{PUBLIC_URL}/hooks/sms"
    signature = RequestValidator(token).compute_signature(url, form)
    return client.post("/hooks/sms", content=urlencode(form), headers={
        "X-Twilio-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded"})


def whatsapp_delivery(messages: list[dict[str, Any]], *, statuses: list[dict] | None = None,
                      entries: int = 1) -> dict[str, Any]:
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "15550001111", "phone_number_id": "PN1"},
             "contacts": [{"profile": {"name": "Ada"}, "wa_id": m["from"]} for m in messages]}
    changes = [{"field": "messages", "value": {**value, "messages": messages,
                                                **({"statuses": statuses} if statuses else {})}}]
    return {"object": "whatsapp_business_account",
            "entry": [{"id": f"WABA{n}", "changes": changes if n == 0 else [
                {"field": "messages", "value": {**value, "messages": []}}]}
                for n in range(entries)]}


def wa_message(text: str, *, sender: str = "15551234567") -> dict[str, Any]:
    return {"from": sender, "id": f"wamid.{next(_ids)}", "timestamp": str(int(time.time())),
            "type": "text", "text": {"body": text}}


def post_meta(client: httpx.Client, payload: dict[str, Any] | bytes, *,
              secret: str = SECRETS["meta"]) -> httpx.Response:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post("/hooks/meta", content=body, headers={
        "X-Hub-Signature-256": signature, "Content-Type": "application/json"})


def post_generic(client: httpx.Client, payload: dict[str, Any], *, msg_id: str | None = None,
                 when: float | None = None, secret: str = SECRETS["forms"]) -> httpx.Response:
    from datetime import UTC, datetime

    body = json.dumps(payload)
    msg_id = msg_id or f"msg_{next(_ids)}"
    moment = datetime.fromtimestamp(when or time.time(), UTC)
    signature = Webhook(secret).sign(msg_id, moment, body)
    return client.post("/hooks/forms", content=body, headers={
        "webhook-id": msg_id, "webhook-timestamp": str(int(moment.timestamp())),
        "webhook-signature": signature, "Content-Type": "application/json"})
