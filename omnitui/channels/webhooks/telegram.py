"""Telegram Bot API updates (notes/channels.md §4, Telegram).

Verified by the secret token given to setWebhook, sent back in
X-Telegram-Bot-Api-Secret-Token. The delivery key is the update_id, kept as a unique key and
never compared with "greater than" (Telegram restarts it at random after a quiet week).
"""

from __future__ import annotations

from typing import Any

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
from omnitui.config import HookChannel
from omnitui.ingest.pending import RawItem
from omnitui.model import Channel, Identifier, Inbound, InboundEvent

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
            lines.append(file_line(kind, media.get("file_name", ""), media.get("mime_type", ""),
                                   media.get("file_size"),
                                   ref=f"telegram file {media.get('file_id', '?')}"))
    return lines
