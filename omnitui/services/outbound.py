"""Writing to customers: who a reply goes to, how email threads it, and queuing it.

The console asks `start_draft` for a filled-in draft, lets the agent edit it, and hands it to
`queue_draft`, which puts the timeline message and its outbox row in one audited transaction
(undo takes both back until the daemon picks the reply up). Email replies get their
Message-ID here, at queue time, so a retry after a crash reuses it and never sends twice.
"""

from __future__ import annotations

import json
import socket
import sqlite3
from dataclasses import replace
from datetime import datetime
from email.utils import getaddresses, make_msgid

from omnitui.addresses import no_reply
from omnitui.channels.lengths import too_long
from omnitui.forwards import FORWARD_MARK
from omnitui.identifiers import normalize
from omnitui.ingest.persist import case_subject
from omnitui.model import Channel, Direction, Draft, Identifier, Status
from omnitui.services.actions import reply
from omnitui.store import cases as case_store
from omnitui.store import customers as customer_store
from omnitui.store import messages as message_store
from omnitui.store import outbox
from omnitui.store.audit import ChangeSet, record_audit
from omnitui.store.db import StoreError, db_time
from omnitui.vocabulary import awaited_answer
from omnitui.wording import resent_words

PHONE_CHANNELS = (Channel.SMS, Channel.WHATSAPP)
CHANNELS = frozenset(c.value for c in Channel)
REPLY_MODES = ("reply", "reply_all", "forward", "note")


class AddressRefused(StoreError):
    """A message's addresses are why it was refused: `field` ("to" or "cc") holds the one
    refused, where the composer puts the agent."""

    def __init__(self, problem: str, field: str = "to") -> None:
        super().__init__(problem)
        self.field = field


def reachable_channels(conn: sqlite3.Connection, customer_id: int) -> list[str]:
    """The channels a customer can be written to on, from their linked identities."""
    found: list[str] = []
    for identity in customer_store.identities_of(conn, customer_id):
        if identity.kind == "email":
            found.append(Channel.EMAIL)
        elif identity.kind == "phone":
            found.extend(PHONE_CHANNELS)
        elif identity.value.partition(":")[0] in CHANNELS:  # not "order:A123" and the like
            found.append(identity.value.partition(":")[0])
    return list(dict.fromkeys(found))


def address_on(conn: sqlite3.Connection, customer_id: int, channel: str) -> str | None:
    """The customer's address on a channel: an email address, a phone number, a handle."""
    for identity in reversed(customer_store.identities_of(conn, customer_id)):
        if channel == Channel.EMAIL and identity.kind == "email":
            return identity.value
        if channel in PHONE_CHANNELS and identity.kind == "phone":
            return identity.value
        if identity.kind == "handle" and identity.value.startswith(f"{channel}:"):
            return identity.value.partition(":")[2]
    return None


def start_draft(conn: sqlite3.Connection, case_id: int, mode: str, *,
                channel: str | None = None, message_id: int | None = None,
                own_addresses: frozenset[str] = frozenset()) -> Draft:
    """A draft for `mode` on a case, addressed the way a mail client would.

    reply: to the case's customer's last message on the channel: every address of its
    Reply-To, as mail clients answer (a web form's no-reply sender names the person there),
    else its sender (else the customer's address on it);
    reply_all: also everyone else on the To and Cc of that message, and whoever answered in
    the thread after it (a colleague the customer copied) with those they wrote to; never to
    `own_addresses` (our mailboxes) nor to a no-reply address;
    forward: the message `message_id` (default: the last one from the customer) quoted below,
    with its attachments, to an address the agent types (never an internal note: the one
    highlighted after writing it went to a supplier); note: internal, no recipients.
    """
    if mode not in REPLY_MODES:
        raise ValueError(mode)
    case = case_store.require_case(conn, case_id)
    where_they_wrote = latest_channel(conn, case) if mode == "reply" else None
    channel = channel or where_they_wrote or case["channel"]
    if mode == "reply_all" and channel != Channel.EMAIL:  # it replied to one, silently
        raise StoreError(f"replying to all is for email; case {case_id} is on {channel}: "
                         "reply to the customer alone")
    subject = case["subject"]
    if mode == "note":
        return Draft(mode, case["channel"], internal=True)
    if mode == "forward":
        source = (message_store.message_by_id(conn, message_id) if message_id
                  else message_store.last_inbound(conn, case_id))
        if source is None:
            raise StoreError(f"case {case_id} has no message to forward")
        if source["direction"] == Direction.NOTE:
            raise StoreError(f"message #{source['id']} is an internal note: notes are never "
                             "forwarded")
        files = message_store.attachment_files(conn, source["id"])
        return Draft(mode, Channel.EMAIL, subject=_prefixed("Fwd", subject),
                     quoted=_forwarded(conn, source),
                     attachment_ids=tuple(f[0] for f in files),
                     about=f"#{source['id']} from {source['author'] or 'an unknown sender'}")
    last = message_store.last_inbound(conn, case_id, channel)
    to = address_on(conn, case["customer_id"], channel)
    if last is not None and last["identity_value"]:
        to = address_on_identity(last["identity_kind"], last["identity_value"]) or to
    if to is None and last is not None and last["reply_route"]:
        # Only claims (a web form): the answer goes back through the source that relayed
        # them, which knows its sender; writing to a claim elsewhere needs the agent's link.
        to = customer_store.first_claim(conn, last["id"])
    cc: tuple[str, ...] = ()
    if last is not None and channel == Channel.EMAIL:
        # the stored mail's Reply-To, To and Cc: the one piece of a platform an action
        # needs, loaded only here (the console and the CLI start without the email parser)
        from omnitui.channels.email.parse import recipients_of, reply_addresses

        raw = message_store.raw_body(conn, last["id"]) or b""
        asked = reply_addresses(raw)
        to_all = tuple(asked) if asked else (to,) if to is not None else ()
        own = {a.casefold() for a in own_addresses}
        usable = tuple(a for a in to_all if not no_reply(a) and a.casefold() not in own)
        if to_all and not usable:  # told before writing: a survey to a no-reply address
            # made the solve that asked it fail, and a form naming our own mailbox in its
            # Reply-To had the answer queued to ourselves
            why = "our own mailbox" if to_all[0].casefold() in own else \
                "a no-reply address: nobody reads it"
            raise AddressRefused(f"{to_all[0]} is {why}; link the customer's own address (L), "
                             "or reply on another channel")
        to_all = usable
        if to_all and mode == "reply_all":
            # and whoever answered in the thread since, with those they wrote to: a
            # colleague the customer copied asked for the credit note, and was left out
            everyone = list(recipients_of(raw))
            for later, sender in message_store.answered_in_thread_after(conn, last):
                answer = message_store.raw_body(conn, later) or b""
                everyone += [*(reply_addresses(answer) or ([sender] if sender else [])),
                             *recipients_of(answer)]
            skip = {*(a.casefold() for a in to_all), *(a.casefold() for a in own_addresses)}
            copied: dict[str, str] = {}
            for address in everyone:
                if address.casefold() not in skip and not no_reply(address):
                    copied.setdefault(address.casefold(), address)
            cc = tuple(copied.values())
    else:
        to_all = (to,) if to is not None else ()
    if not to_all:
        raise StoreError(f"the customer of case {case_id} has no {channel} address; "
                         "link one, or reply on another channel")
    return Draft(mode, channel, to=to_all, cc=cc, subject=_prefixed("Re", subject),
                 last_wrote_on=channel if channel == where_they_wrote else "")


def latest_channel(conn: sqlite3.Connection, case: case_store.Row) -> str | None:
    """The latest channel the case's customer wrote on that they can be answered on (an
    address of theirs there, or a platform's route), when it is not the case's own: a reply
    goes there unless the agent picks another, as a helpdesk answers a Telegram case whose
    customer then texted by SMS (a phone call logged since is answered nowhere). None: the
    case's own channel."""
    reachable = reachable_channels(conn, case["customer_id"])
    for channel, routed in message_store.channels_written_on(conn, case["id"]):
        if channel == case["channel"]:
            return None
        if channel in reachable or routed:
            return channel
    return None


def address_on_identity(kind: str, value: str) -> str | None:
    return value.partition(":")[2] if kind == "handle" else value


def queue_draft(conn: sqlite3.Connection, case_id: int, draft: Draft, *, author: str,
                at: datetime, response: str | None = None, automatic: str | None = None,
                reason: str = "", template: tuple[str, str] | None = None) -> int:
    """Put a written draft on the timeline, and (unless internal) in the outbox.
    `response`, `automatic`, `reason`: as actions.reply takes them; `template`: the
    platform-approved (template, language) it must go as (services/window.py)."""
    if not draft.body.strip():
        raise StoreError("the message is empty")
    if draft.internal:
        return reply(conn, case_id, author=author, text=draft.body, at=at, internal=True)
    if why := too_long(draft.channel, draft.body):  # the platform would refuse it
        raise StoreError(f"{why}; nothing was sent")
    if draft.channel == Channel.EMAIL:
        draft = replace(draft, to=_entries(draft.to), cc=_entries(draft.cc))
    if not draft.to:  # a To of " " or "," too, once its blanks and commas are gone
        raise AddressRefused("the reply has no recipient")
    if automatic:  # a form's several Reply-To addresses, each acknowledged: one mail
        # with a list of strangers in it made us write to them all
        draft = replace(draft, to=draft.to[:1], cc=())
    if draft.channel == Channel.EMAIL:
        nothing = "nothing was forwarded" if draft.mode == "forward" else "nothing was sent"
        for field, typed in (("to", draft.to), ("cc", draft.cc)):
            if wrong := unusable(list(typed)):  # a reply to "ZZZ" was queued
                raise AddressRefused(f"{wrong!r} is not a usable email address; {nothing}",
                                     field)
        if unread := next((a for _, a in getaddresses(list(draft.to)) if no_reply(a)), None):
            raise AddressRefused(f"{unread} is a no-reply address: nobody reads it; {nothing} "
                             "(L links the customer's own address)")
    references: list[str] = []
    external_id = None
    if draft.channel == Channel.EMAIL:
        external_id = make_msgid(domain=socket.gethostname() or "localhost").strip("<>")
        last = message_store.last_inbound(conn, case_id, Channel.EMAIL)
        if last is not None and last["thread_key"] and draft.mode != "forward":
            # the message's References, oldest first, then it: they were written newest
            # first, and a long thread's root was cut (references_header keeps the first)
            parents = json.loads(last["parent_keys"])
            references = [k for k in dict.fromkeys(parents) if k != last["thread_key"]]
            references.append(last["thread_key"])
    recipients = _recipients(conn, case_id, draft)
    if template:
        recipients.update(template=template[0], template_language=template[1])
    if draft.mode == "forward":  # not a reply: say where it goes; it answers nobody (a
        # forward to logistics met the customer's first response)
        reason = reason or f"forwarded to {', '.join(draft.to)}"
        response = "none"
    return reply(conn, case_id, author=author, text=draft.body, at=at, channel=draft.channel,
                 response=response, automatic=automatic, reason=reason, delivery={
                     "external_id": external_id, "references": references,
                     "recipients": recipients,
                     "subject": draft.subject, "attachment_ids": list(draft.attachment_ids)},
                 reply_route=recipients.get("route") if draft.private else None)


def resend(conn: sqlite3.Connection, message_id: int, *, author: str,
           at: datetime) -> int:
    """A reply that failed for good (the platform refused it, the retries ran out, it
    bounced) queued again as a new attempt: its text, channel, recipients, subject and
    attachments, an email with a Message-ID of its own in the same thread; audited with why
    the first failed, undone as any send is. Returns the new message's id. Anything else
    (a customer's message, a note, a reply not failed, one resent already) is refused in
    words: the agent retyped a failed reply, and a second resend would send it twice."""
    message = message_store.message_by_id(conn, message_id)
    if message is None:
        raise StoreError(f"there is no message #{message_id}")
    row = outbox.row_of_message(conn, message_id)
    if why := not_resendable(message_id, message["direction"], row["status"] if row else None):
        raise StoreError(why)
    assert row is not None  # (not_resendable refuses a message without one)
    if why := resent_already(conn, message_id, row):
        raise StoreError(why)
    text, channel = message["text"], row["channel"]
    if why := too_long(channel, text):
        raise StoreError(f"{why}; nothing was sent")
    recipients = {k: v for k, v in json.loads(row["recipients"] or "{}").items()
                  if k != "again"}  # every recipient again, not those a server put off
    return reply(conn, message["case_id"], author=author, text=text, at=at, channel=channel,
                 response=message["response"], automatic=message["auto_submitted"],
                 reason=resent_words(message_id, row["last_error"] or ""), delivery={
                     "external_id": make_msgid(domain=socket.gethostname() or "localhost"
                                               ).strip("<>") if channel == Channel.EMAIL
                     else None,
                     "references": json.loads(message["parent_keys"] or "[]"),
                     "recipients": recipients, "subject": row["subject"],
                     "attachment_ids": json.loads(row["attachment_ids"] or "[]")},
                 reply_route=json.loads(message["reply_route"])
                 if message["reply_route"] else None)


def not_resendable(message_id: int, direction: str, delivery: str | None) -> str | None:
    """Why a message cannot be resent (None: it can): only a reply of ours whose outbox row
    (`delivery`, its status) failed for good. The console's key bar asks it of the message
    highlighted, the resend itself of the stored one."""
    if direction == Direction.IN:
        return f"message #{message_id} is the customer's: only a reply of ours that failed " \
            "is resent"
    if direction == Direction.NOTE:
        return f"message #{message_id} is an internal note: it is never sent"
    if delivery not in outbox.STATUSES:
        return f"message #{message_id} was not sent from omnitui: nothing to resend"
    if delivery != outbox.FAILED:
        return f"message #{message_id} has not failed (it is {delivery}): only a reply " \
            "that failed for good is resent"
    return None


def resent_already(conn: sqlite3.Connection, message_id: int,
                   row: dict[str, object] | None = None) -> str | None:
    """Why a failed reply is not resent again (None: it was not resent yet): a later reply
    with its very text has not failed, and a second resend would send it twice. `row`: its
    outbox row, when the caller read it already."""
    row = row or outbox.row_of_message(conn, message_id)
    again = outbox.resent_as(conn, row) if row is not None else None
    return (f"message #{message_id} was resent already: #{again[0]} is {again[1]}; nothing "
            "was sent") if again else None


def _entries(typed: tuple[str, ...]) -> tuple[str, ...]:
    """Address fields as typed, without the blanks and commas around them ("ann@x.org, ")."""
    return tuple(cut for entry in typed if (cut := entry.strip(" \t,")))


def unusable(typed: list[str]) -> str | None:
    """The first address an agent typed that mail cannot go to ("billing"), if any; each
    entry may hold several, with names ("Bob <bob@example.com>, ann@example.com"), and may
    end in a comma. An address the parser had to make up is refused too: "ops@example.com
    please" reads as ops@example.complease, and was queued."""
    for entry in typed:
        if ";" in entry:  # the envelope took the first of "a@x.org; b@y.org" alone
            return entry
        found = [(name, address) for name, address in getaddresses([entry])
                 if name or address] or [("", entry)]
        rest = entry
        for name, address in found:
            rest = rest.replace(address, "", 1).replace(name, "", 1)
        if rest.strip(' \t<>"(),'):  # words the parser dropped: "not an address" was 'not'
            return entry
        for _, address in found:
            if normalize(Identifier("email", address), "") is None or address not in entry:
                return address if address in entry else entry
    return None


def _recipients(conn: sqlite3.Connection, case_id: int, draft: Draft) -> dict[str, object]:
    """The outbox's recipients: addresses for email; for a platform, the customer's address
    and the route of the case's last message there (which chat, thread and account), when
    it has one. Without one the sender builds a route from the address."""
    if draft.channel == Channel.EMAIL:
        return {"to": list(draft.to), "cc": list(draft.cc)}
    route = message_store.reply_route(conn, case_id, draft.channel)
    if route is not None and draft.private:
        route.update(private=True, public=False)
    return {"to": list(draft.to), **({"route": route} if route else {})}


def start_case(conn: sqlite3.Connection, draft: Draft, *, author: str, at: datetime,
               default_queue: str, phone_region: str) -> tuple[int, int]:
    """A new outbound case: find (or create) the customer by the address, open a case
    owned by the author, pending on their answer (its clocks wait for them, and it is out of
    the author's open work until they write: as our own mail the intake files), and queue
    the first message. Returns (case id, message id)."""
    if not draft.to:
        raise AddressRefused("write the customer's address")
    kind = ("email" if draft.channel == Channel.EMAIL
            else "phone" if draft.channel in PHONE_CHANNELS else draft.channel)
    key = normalize(Identifier(kind, draft.to[0]), phone_region)
    if key is None:
        raise AddressRefused(f"{draft.to[0]!r} is not a usable {kind} address")
    if kind == "phone":  # the platform takes +447700900123, not "07700 900123" as typed
        draft = replace(draft, to=(key[1], *draft.to[1:]))
    when = db_time(at)
    changes = ChangeSet()
    known = customer_store.find_identities(conn, [key])
    new_customer = customer_store.NewCustomer(identities=(
        customer_store.NewIdentity(*key, draft.to[0], f"written to by {author}"),))
    customer_id = (known[0].customer_id if known
                   else customer_store.create_customer(conn, new_customer, when, changes))
    case_id = case_store.create_case(conn, case_store.NewCase(
        customer_id=customer_id, subject=case_subject(draft.subject, draft.text),
        channel=draft.channel,
        status=Status.PENDING, pause_reason=awaited_answer(draft.channel), queue=default_queue,
        owner=author, created_at=when), changes)
    record_audit(conn, actor=author, action="case.created", case_id=case_id,
                 customer_id=customer_id, reason=f"outbound case to {draft.to[0]}",
                 changes=changes)
    return case_id, queue_draft(conn, case_id, draft, author=author, at=at)


def also_open(conn: sqlite3.Connection, case_id: int) -> list[int]:
    """The other unfinished cases of a case's customer: writing first to someone already
    being answered opens a case beside theirs, which is said (teams do write twice)."""
    customer_id = case_store.require_case(conn, case_id)["customer_id"]
    return [case["id"] for case in case_store.active_cases_of(conn, customer_id)
            if case["id"] != case_id]


def _prefixed(prefix: str, subject: str) -> str:
    if subject.casefold().startswith(f"{prefix.casefold()}:"):
        return subject
    return f"{prefix}: {subject}" if subject else ""


def _forwarded(conn: sqlite3.Connection, message: sqlite3.Row) -> str:
    """The message as a mail client quotes one it forwards: its sender by name and address
    (by name alone, the one it went to could not write back to them)."""
    author = message["author"] or ""
    address = customer_store.identity_value(conn, message["identity_id"]) or \
        customer_store.first_claim(conn, message["id"])
    sender = f"{author} <{address}>" if address and author and address != author else \
        author or address or "(unknown sender)"
    return (f"{FORWARD_MARK}\nFrom: {sender}\nDate: {message['created_at']} UTC\n"
            f"Subject: {message['subject']}\n\n{message['text']}")

