"""A queued email reply made ready for SMTP: the mailbox it leaves from (email's reply
route), the message it becomes, its one send (smtp.py) and the copy filed in the mailbox's
Sent folder afterwards. The outbox sender (omnitui/daemon/sender.py) decides when, and what
a failure means."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from omnitui.channels.email.imap import MailboxError, append_copy
from omnitui.channels.email.parse import recipients_of
from omnitui.channels.email.smtp import Attachment, build_reply, send
from omnitui.channels.errors import PermanentFailure
from omnitui.channels.outgoing import Attempt, Outgoing, Sent
from omnitui.config import MailboxSettings
from omnitui.store import outbox
from omnitui.store.blobs import read_blob
from omnitui.store.db import Store
from omnitui.store.messages import raw_body, rename_unsent

HEALTH_CHANNEL = "smtp"  # channel_health rows (smtp, mailbox name)
log = logging.getLogger("omnitui.sender")


def email_attempt(outgoing: Outgoing, reply: dict[str, Any]) -> Attempt:
    """An email reply leaves from the mailbox that received the case, by its SMTP server;
    once sent, a copy goes to that mailbox's Sent folder (if it names one)."""
    mailbox = reply_mailbox(outgoing.store, outgoing.mailboxes, reply["case_id"])
    if not reply["attempts"]:
        reply = in_mailbox_domain(outgoing.store, reply, mailbox)
    message = reply_message(outgoing.store, reply, mailbox, outgoing.now)

    again = json.loads(reply["recipients"] or "{}").get("again")  # outbox.send_again_to

    def deliver() -> Sent:
        refused = send(mailbox, message, timeout=outgoing.timeout,
                       ssl_context=outgoing.ssl_context, to_addrs=again)
        return Sent(refused=tuple(refused.items()))

    def file_copy() -> None:
        if not mailbox.sent_folder or again:  # sent again to a few: the first is filed
            return
        try:  # the reply went out: a failed copy is logged, never a reason to send again
            append_copy(mailbox, message.as_bytes())
        except MailboxError as exc:
            log.warning("%s", exc)

    return Attempt((HEALTH_CHANNEL, mailbox.name), deliver, file_copy)


def in_mailbox_domain(store: Store, reply: dict[str, Any], mailbox: MailboxSettings
                      ) -> dict[str, Any]:
    """The reply's Message-ID in the domain it is sent from, before its first attempt. It
    is fixed when the reply is queued, where the mailbox is not known yet, under the
    machine's name ("...@vm"): spam filters count an unqualified one against the mail, and
    it told the world the server's name. Nobody has seen it before this send."""
    key = reply["thread_key"] or ""
    left, at, domain = key.rpartition("@")
    ours = mailbox.address.rpartition("@")[2]
    if not (at and left and ours) or domain.casefold() == ours.casefold():
        return reply
    renamed = f"{left}@{ours}"
    with store.write() as conn:
        rename_unsent(conn, reply["message_id"], renamed)
    return {**reply, "thread_key": renamed}


def reply_mailbox(store: Store, mailboxes: Sequence[MailboxSettings],
                  case_id: int) -> MailboxSettings:
    """The mailbox a reply on the case leaves from: see choose_mailbox."""
    inbound = outbox.last_inbound_source(store.conn, case_id)
    names = {m.name for m in mailboxes}
    raw = raw_body(store.conn, inbound[0]) if inbound and inbound[1] not in names else None
    return choose_mailbox(mailboxes, inbound[1] if inbound else "",
                          lambda: recipients_of(raw) if raw else [])


NO_MAILBOX = "no mailbox can send email: set smtp_host on one of the [[mailboxes]] in the config"


def choose_mailbox(mailboxes: Sequence[MailboxSettings], source: str,
                   received_by: Callable[[], list[str]]) -> MailboxSettings:
    """The mailbox a reply leaves from: the one that received the case's last email (named by
    its raw payload's source, else found among its To and Cc), else the first that can send.
    Replying from another address than the customer wrote to would confuse them, so a
    receiving mailbox without smtp_host fails the reply instead of silently switching."""
    chosen = next((m for m in mailboxes if source and m.name == source), None)
    if chosen is None and mailboxes:
        addresses = {a.casefold() for a in received_by()}
        chosen = next((m for m in mailboxes if m.address.casefold() in addresses), None)
    if chosen is None:
        chosen = next((m for m in mailboxes if m.smtp_host), None)
        if chosen is None:
            raise PermanentFailure(NO_MAILBOX)
    if not chosen.smtp_host:
        raise PermanentFailure(f"mailbox {chosen.name!r} ({chosen.address}) received this case "
                               "but has no smtp_host, so it cannot send the reply")
    return chosen


def reply_message(store: Store, reply: dict[str, Any], mailbox: MailboxSettings,
                  now: datetime) -> EmailMessage:
    """The message for an outbox row (outbox.reply_to_send); anything that stops it being
    built is permanent."""
    ids = [int(i) for i in json.loads(reply["attachment_ids"] or "[]")]
    files = outbox.attachments_by_id(store.conn, ids)
    if len(files) != len(ids):
        raise PermanentFailure("an attachment of this reply no longer exists", stage="build")
    if not reply["thread_key"]:
        raise PermanentFailure("the reply has no Message-ID; write it again", stage="build")
    attachments = []
    for _, filename, mime, sha256 in files:
        try:
            content = read_blob(store.attachments_dir, sha256)
        except OSError:
            raise PermanentFailure(f"attachment {filename!r} is missing from the content "
                                   f"store ({store.attachments_dir})", stage="build") from None
        attachments.append(Attachment(filename, mime, content))
    automatic = (reply["auto_submitted"] or "no").lower() != "no"
    try:
        recipients = json.loads(reply["recipients"] or "{}")
        return build_reply(address=mailbox.address, case_id=reply["case_id"],
                           message_key=reply["thread_key"], to=recipients.get("to", []),
                           cc=recipients.get("cc", []), subject=reply["subject"],
                           text=reply["text"], date=now,
                           parent_keys=json.loads(reply["parent_keys"] or "[]"),
                           attachments=attachments, automatic=automatic)
    except Exception as exc:  # a header the email package refuses: retrying cannot fix it
        raise PermanentFailure(f"cannot build the message: {exc}", stage="build") from None
