"""The outbox sender: what the daemon runs every few seconds to send due replies, each on its
channel's way out (omnitui/channels/senders.py: email through the mailbox's SMTP server,
everything else through the webhook platform the conversation came from). How to send is in
the channel's module; when to send, what a failure means and what is recorded is here.

Every channel shares one path: claim, prepare an `Attempt`, send, record. A row goes
queued -> sending -> sent, or back to queued with a later next_attempt_at (temporary
failure), or failed (permanent failure, or 24 hours of temporary ones). A server that takes
it for the Cc but refuses the customer for now has it go again to the customer alone, and
refusing them for good fails it (`_partly`). The claim is a compare-and-set on status, so
two senders never both send a row, and no transaction is held while the server is talking.

The crash window. Between the server's 250 for DATA and the commit of 'sent', a crash (or a
store too busy to commit) leaves the row in 'sending' with no way to know whether the
customer got it. We choose at-least-once: on the first pass after STALE_AFTER, such a row
goes back to the queue and is sent again (the audit says why); a connection lost after the
server stored the message but before its 250 arrived is a temporary failure, retried alike.
Losing a reply silently is worse than sending it twice, and the second copy is recognisably
the same message: its Message-ID is the one fixed when the reply was queued, so a client
that deduplicates by Message-ID (Gmail does) shows it once, and any other shows it twice in
the same thread with the same id. Platform replies are at-least-once alike: a generic
receiver can deduplicate on the webhook-id, fixed per reply, while Telegram, Slack, Twilio
and Meta take no such key and would show the second copy. STALE_AFTER is far above one
attempt (a handful of requests, each with its own timeout), so a slow sender is not mistaken
for a dead one. (Searching the IMAP Sent folder for the id before resending would close the
window for servers that file sent mail; not done yet.)
"""

from __future__ import annotations

import json
import logging
import sqlite3
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import field
from datetime import datetime, timedelta
from typing import Any

from omnitui.addresses import bare
from omnitui.channels.email.smtp import DATA_TIMEOUT_S, TIMEOUT_S
from omnitui.channels.errors import SendError, TemporaryFailure
from omnitui.channels.outgoing import Outgoing, Sent
from omnitui.channels.senders import attempt_for
from omnitui.config import HookChannel, MailboxSettings
from omnitui.records import record
from omnitui.services.bounces import reopen_unanswered
from omnitui.services.upkeep import Upkeep
from omnitui.store import channel_state, outbox
from omnitui.store.db import Store, db_time, parse_db_time, utc_now
from omnitui.store.messages import set_external_id

RECORD_ATTEMPTS = 60  # about a minute of a busy store before giving up on recording a send
log = logging.getLogger("omnitui.sender")

BACKOFF = tuple(timedelta(minutes=m) for m in (1, 5, 15, 60))  # then every 60 minutes
GIVE_UP_AFTER = timedelta(hours=24)  # since the reply was queued
# How long one send may take: connecting, greeting, TLS, login, then the message's end,
# which a server may take ten minutes to answer (smtp.DATA_TIMEOUT_S).
SEND_ALLOWANCE = 4 * TIMEOUT_S + DATA_TIMEOUT_S
STALE_AFTER = timedelta(minutes=30)  # well above SEND_ALLOWANCE: a slow send is not dead


@record
class SendReport:
    """What one pass did, by outbox id; `errors` holds each failure's one-line reason."""

    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)  # left in 'sending' by a dead sender
    skipped: list[int] = field(default_factory=list)  # claimed by another sender or undone
    errors: dict[int, str] = field(default_factory=dict)


def retry_at(attempts: int, created_at: datetime, now: datetime) -> datetime | None:
    """When to try again after the `attempts`-th failed attempt (1, 5, 15, 60, 60... minutes
    later), or None once that would be more than GIVE_UP_AFTER after queuing."""
    later = now + BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]
    return later if later - created_at <= GIVE_UP_AFTER else None


def send_due(store: Store, mailboxes: Sequence[MailboxSettings],
             channels: Sequence[HookChannel] = (), *, now: datetime | None = None,
             limit: int = 50, timeout: float = TIMEOUT_S,
             ssl_context: ssl.SSLContext | None = None,
             each: Callable[[], None] | None = None) -> SendReport:
    """Send up to `limit` due replies of every channel: email through `mailboxes`, the rest
    through the [[channels]] entries in `channels`. Also requeues rows a dead sender left in
    'sending' (see the module's docstring). `timeout` bounds each network operation. Never
    raises for a failed delivery: the row and the report record it."""
    now = now or utc_now()
    at = db_time(now)
    report = SendReport()
    claimed_before = db_time(now - STALE_AFTER)
    if outbox.stale(store.conn, claimed_before=claimed_before):
        with store.write() as conn:
            report.released = outbox.release_stale(conn, claimed_before=claimed_before, at=at)
        log.warning("requeued replies left in 'sending' by a stopped sender: %s",
                    report.released)
    outgoing = Outgoing(store, mailboxes, channels, now, timeout, ssl_context)
    for row in outbox.due(store.conn, at, limit=limit):
        if each is not None:  # the daemon's watchdog hears of every send (one may take
            each()  # minutes: SEND_ALLOWANCE)
        _send_one(store, outgoing, row["id"], now, report)
    return report


def refresh_failed(store: Store, upkeep: Upkeep, outbox_ids: Sequence[int],
                   now: datetime) -> None:
    """The cases whose replies failed for good: one left solved or pending on it opens
    again (as a bounce opens it), and its clocks are replayed: such a reply met the first
    response when it was queued, and answered nobody."""
    with store.write() as conn:
        for reply in outbox.rows(conn, outbox_ids):
            reopen_unanswered(conn, reply, f"reply #{reply['message_id']} failed: "
                              f"{reply['last_error']}"[:300], now)
        for case_id in outbox.cases_of(conn, outbox_ids):
            upkeep.refresh(conn, case_id, now)


def _send_one(store: Store, outgoing: Outgoing, outbox_id: int, now: datetime,
              report: SendReport) -> None:
    at = db_time(now)
    with store.write() as conn:
        if not outbox.claim_for_sending(conn, outbox_id, at=at):
            report.skipped.append(outbox_id)
            return
        reply = outbox.reply_to_send(conn, outbox_id)
        assert reply is not None  # claimed in this transaction
    attempt = None
    try:
        attempt = attempt_for(outgoing, reply)
        sent = attempt.send()
    except SendError as exc:
        _record_failure(store, reply, attempt.health if attempt else None, exc, now, report)
        return
    _record_sent(store, reply, attempt.health, sent, now, report)
    log.info("sent reply %s of case %s through %s%s", outbox_id, reply["case_id"],
             attempt.health[1], "".join(f"; {address} refused: {why}"
                                        for address, why in sent.refused))
    if attempt.after is not None:
        attempt.after()


def _record_sent(store: Store, reply: dict[str, Any], health: tuple[str, str], sent: Sent,
                 now: datetime, report: SendReport) -> None:
    """The server has the message: this must be written down, or the row would be requeued
    as a dead sender's and go out twice. A busy store is waited out rather than given up
    on. Addresses the server refused while it took others: see `_partly`."""
    outbox_id = reply["id"]
    at = db_time(now)
    for attempt in range(RECORD_ATTEMPTS):
        try:
            with store.write() as conn:
                if sent.refused:
                    outcome = _partly(conn, reply, sent.refused, now)
                else:
                    outbox.mark_sent(conn, outbox_id, at=at)
                    outcome = "sent"
                if sent.external_id:
                    set_external_id(conn, reply["message_id"], sent.external_id)
                channel_state.record_sync(conn, *health, at=at)
            break
        except sqlite3.OperationalError:
            if attempt == RECORD_ATTEMPTS - 1:
                raise
            log.warning("reply %s was sent but the store is busy; recording it again",
                        outbox_id)
            time.sleep(1.0)
    {"sent": report.sent, "retrying": report.retrying, "failed": report.failed}[outcome].append(
        outbox_id)


def _partly(conn: sqlite3.Connection, reply: dict[str, Any], refused: Sequence[tuple[str, str]],
            now: datetime) -> str:
    """Record a send the server took for some recipients only (it was recorded sent, so a
    refused customer went unanswered while the case read answered). The customer (a To)
    refused for good (5xx): it failed, whoever else got it. Anyone refused for now (4xx):
    it goes again to them alone, headers unchanged (`send_again_to`), until a day has
    passed; then a To still missing fails it, a Cc is noted. Returns "sent", "retrying" or
    "failed"."""
    at = db_time(now)
    to = bare(json.loads(reply["recipients"] or "{}").get("to", []))
    words = "; ".join(f"{address}: {why}" for address, why in refused)
    lost = [address for address, why in refused if address.casefold() in to
            and why.startswith("5")]
    later = [address for address, why in refused if not why.startswith("5")]
    when = retry_at(reply["attempts"] + 1, parse_db_time(reply["created_at"]), now) \
        if later and not lost else None
    if when is not None:
        outbox.send_again_to(conn, reply["id"], later, f"refused for now: {words}; the "
                             f"others have it, so it goes again to {', '.join(later)} only"
                             [:300], at=at, retry_at=db_time(when))
        return "retrying"
    if lost or any(address.casefold() in to for address in later):
        outbox.mark_failed(conn, reply["id"], f"refused: {words}"[:300], at=at, retry_at=None)
        return "failed"
    outbox.mark_partly_sent(conn, reply["id"], f"refused: {words}"[:300], at=at)
    return "sent"


def _copies_only(reply: dict[str, Any]) -> bool:
    """This attempt goes again to Cc addresses alone: the customer has the reply."""
    recipients = json.loads(reply["recipients"] or "{}")
    to = bare(recipients.get("to", []))
    again = recipients.get("again")
    return bool(again) and not any(a.casefold() in to for a in again)


def _record_failure(store: Store, reply: dict[str, Any], health: tuple[str, str] | None,
                    exc: SendError, now: datetime, report: SendReport) -> None:
    at = db_time(now)
    outbox_id = reply["id"]
    error = str(exc)
    when = None
    if isinstance(exc, TemporaryFailure):
        when = retry_at(reply["attempts"] + 1, parse_db_time(reply["created_at"]), now)
        if when is None:
            error = f"{error} (gave up after {GIVE_UP_AFTER.total_seconds() / 3600:g} h)"
    copies_only = _copies_only(reply)
    with store.write() as conn:
        if copies_only and when is None:  # the customer has it: only copies went again
            outbox.mark_partly_sent(conn, outbox_id, f"refused: {error}"[:300], at=at)
        else:
            outbox.mark_failed(conn, outbox_id, error, at=at,
                               retry_at=db_time(when) if when else None)
        if health is not None and exc.stage in ("connect", "login"):
            channel_state.record_error(conn, *health, error, at=at)
        elif health is not None and exc.stage == "message":  # past login: the account works
            channel_state.record_sync(conn, *health, at=at)
    report.errors[outbox_id] = error
    (report.retrying if when else report.sent if copies_only else report.failed).append(
        outbox_id)
    log.warning("reply %s of case %s %s: %s", outbox_id, reply["case_id"],
                f"will be retried at {db_time(when)}" if when else "failed", error)
