"""Telegram, through a bot: Bot API updates in, sendMessage out.

In: verified by the secret token given to setWebhook, sent back in
X-Telegram-Bot-Api-Secret-Token. The delivery key is the update_id, kept as a unique key and
never compared with "greater than" (Telegram restarts it at random after a quiet week).

Out: in a group the reply quotes the customer's message, so it is clear whom it answers; in
a private chat that would only add noise. A private answer to a group message goes to the
user's own chat with the bot. The id returned is "<chat id>:<message id>": Telegram numbers
messages per chat, so the bare number would repeat across chats. A bot can write first only
to a user id (a user who has started the bot), never to a @username.
"""

from __future__ import annotations

from typing import Any

from omnitui.channels.errors import PermanentFailure
from omnitui.channels.platform import Platform, Reply, Route, api_url
from omnitui.channels.replies import http
from omnitui.channels.webhooks.common import (
    Answer,
    HookRequest,
    Malformed,
    Rejected,
    field,
    file_line,
    header,
    json_object,
    same,
    unix_time,
)
from omnitui.config import HookChannel, hook_secret
from omnitui.ingest.pending import RawItem
from omnitui.model import Channel, Identifier, Inbound, InboundEvent

API_BASE = "https://api.telegram.org"
MESSAGE_KINDS = ("message", "edited_message", "channel_post", "edited_channel_post")


def check(channel: HookChannel, secret: str, request: HookRequest, now: float) -> Answer:
    if request.method != "POST":
        raise Malformed("Telegram posts its updates")
    if not same(header(request, "X-Telegram-Bot-Api-Secret-Token"), secret):
        raise Rejected(403, "wrong secret token")
    update = json_object(request.body)
    return Answer(str(field(update, "update_id", int)))


def parse(channel: HookChannel, item: RawItem) -> list[Inbound]:
    update = json_object(item.body)
    field(update, "update_id", int)
    kind = next((k for k in MESSAGE_KINDS if k in update), None)
    if kind is None:
        return []  # a membership change, a poll answer...: nothing for the queue
    message = field(update, kind, dict)
    chat = field(message, "chat", dict)
    chat_id = field(chat, "id", int)
    message_id = field(message, "message_id", int)
    sender = message.get("from") or {}
    if not isinstance(sender, dict):
        raise Malformed("'from' is not an object")
    user_id = sender.get("id", chat_id)
    identifiers = [Identifier("telegram", str(user_id), verified=True)]
    lines = [message.get("text") or message.get("caption") or ""]
    lines += _files(message)
    contact = message.get("contact")
    if isinstance(contact, dict) and contact.get("phone_number"):
        lines.append(f"[shared contact: {contact.get('first_name', '')} "
                     f"{contact['phone_number']}]".replace("  ", " "))
        if contact.get("user_id") == user_id:  # their own number, which Telegram verified
            identifiers.append(Identifier("phone", str(contact["phone_number"]), verified=True))
    edited = kind.startswith("edited_")
    name = " ".join(p for p in (sender.get("first_name"), sender.get("last_name")) if p)
    return [InboundEvent(
        channel=Channel.TELEGRAM,
        external_id=f"{chat_id}:{message_id}" + (f":edit:{message.get('edit_date')}"
                                                 if edited else ""),
        raw=item.body,
        occurred_at=unix_time(message.get("edit_date") if edited else message.get("date")),
        identifiers=identifiers,
        sender_name=name or sender.get("username") or chat.get("title") or "",
        text=("(edited) " if edited else "") + "\n".join(line for line in lines if line),
        source=item.source,
        reply_route={"hook": channel.name, "chat_id": chat_id, "message_id": message_id,
                     "user_id": user_id, "public": chat.get("type") != "private"})]


def _files(message: dict[str, Any]) -> list[str]:
    lines = []
    photos = message.get("photo")
    if isinstance(photos, list) and photos:
        largest = max((p for p in photos if isinstance(p, dict)),
                      key=lambda p: p.get("file_size") or 0, default={})
        lines.append(file_line("photo", f"{largest.get('width')}x{largest.get('height')}",
                               size=largest.get("file_size"),
                               ref=f"telegram file {largest.get('file_id', '?')}"))
    for kind in ("document", "video", "audio", "voice", "sticker"):
        media = message.get(kind)
        if isinstance(media, dict):
            emoji = media.get("emoji")  # a sticker's meaning, its only words ("[sticker 👍]")
            label = f"{kind} {emoji.strip()}" if isinstance(emoji, str) and emoji.strip() \
                else kind
            lines.append(file_line(label, media.get("file_name", ""),
                                   media.get("mime_type", ""), media.get("file_size"),
                                   ref=f"telegram file {media.get('file_id', '?')}"))
    return lines


def send(channel: HookChannel, route: Route, reply: Reply, timeout: float) -> str | None:
    token = hook_secret(channel, "token")
    private = bool(route.get("private"))
    chat_id = route["user_id"] if private else route["chat_id"]
    body: dict[str, Any] = {"chat_id": chat_id, "text": reply.text}
    if route.get("public") and not private and route.get("message_id"):
        body["reply_parameters"] = {"message_id": route["message_id"]}
    answer = http.post(f"{api_url(channel, API_BASE)}/bot{token}/sendMessage",
                       platform="Telegram", secrets=[token], timeout=timeout, judge=_judge,
                       json_body=body)
    sent = (answer.get("result") if isinstance(answer, dict) else None) or {}
    chat = (sent.get("chat") or {}).get("id", chat_id)
    return f"{chat}:{sent['message_id']}" if "message_id" in sent else None


def _judge(status: int, body: Any) -> http.Refusal | None:
    if isinstance(body, dict) and body.get("ok") is False:
        code = int(body.get("error_code") or status)
        return http.Refusal(f"{code} {body.get('description', '')}".strip(),
                            code == 429 or code >= 500, login=code == 401)
    return http.by_status(status, body)


def default_route(channel: HookChannel, message_channel: str, address: str) -> Route:
    if not address.lstrip("-").isdigit():
        raise PermanentFailure(f"{address!r} is not a Telegram user id, so the bot cannot "
                               "write to it", stage="build")
    return {"hook": channel.name, "chat_id": int(address), "user_id": int(address),
            "public": False}


PLATFORM = Platform("telegram", frozenset({Channel.TELEGRAM}), check, parse, send,
                    default_route)
