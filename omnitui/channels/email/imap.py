"""IMAP in: sync a mailbox folder into the store by UID, never losing or doubling mail.

The rules (notes/channels.md §1):
* the cursor is (UIDVALIDITY, last stored UID), committed in the same transaction as the
  messages it covers; never \\Seen, UNSEEN or a date window, which break as soon as someone
  reads the mailbox in another client;
* messages are fetched with BODY.PEEK[] (the folder is even opened read-only unless the
  mailbox is told to flag or move processed mail), and flags or moves happen only after the
  commit;
* a UIDVALIDITY change resyncs the whole folder; the pipeline's dedupe (Message-ID, else the
  raw bytes' hash) keeps it from storing anything twice;
* one message that breaks the pipeline is kept raw with its error, and the sync goes on.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sqlite3
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from omnitui.channels.email.parse import parse_email
from omnitui.config import ConfigError, MailboxSettings, secret
from omnitui.ingest.pipeline import Pipeline
from omnitui.store import channel_state, cursors
from omnitui.store.db import Store, db_time, savepoint, utc_now
from omnitui.store.messages import insert_raw

log = logging.getLogger("omnitui.imap")

CHANNEL = "email"
BATCH = 200  # UIDs per FETCH and per commit: one round trip per message is 15x slower
TIMEOUT = 60.0  # seconds a socket operation may block
SEEN = b"\\Seen"

# What a lost or refused connection looks like; the watcher retries these with backoff.
CONNECTION_ERRORS = (OSError, IMAPClientError, socket.timeout, ssl.SSLError, EOFError)


class MailboxError(Exception):
    """A mailbox problem worded for a person (never with a secret in it)."""


@dataclass(frozen=True)
class SyncResult:
    stored: int  # new messages in the store
    duplicates: int  # already stored (a resync, a Gmail label, a second folder)
    failed: int  # kept raw only, with the error logged
    resynced: bool  # UIDVALIDITY changed: the folder was read again from the start


def account(mailbox: MailboxSettings, folder: str) -> str:
    """How a folder is named in the health table and the status bar."""
    return f"{mailbox.name}/{folder}"


def connect(mailbox: MailboxSettings) -> IMAPClient:
    """Connect and log in as the mailbox says (TLS with certificate checks, STARTTLS, or
    plain on loopback); errors come back as MailboxError without the secret."""
    try:
        kind, value = secret(mailbox)
    except ConfigError as exc:
        raise MailboxError(str(exc)) from None
    context = ssl.create_default_context()
    try:
        client = IMAPClient(mailbox.imap_host, port=mailbox.imap_port,
                            ssl=mailbox.imap_security == "tls",
                            ssl_context=context if mailbox.imap_security == "tls" else None,
                            timeout=TIMEOUT)
        if mailbox.imap_security == "starttls":
            client.starttls(context)
        _quiet(client)
        with contextlib.suppress(OSError):  # small commands (APPEND) wait 40 ms without it
            client.socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if kind == "oauth2":
            client.oauth2_login(mailbox.username, value)
        else:
            client.login(mailbox.username, value)
    except IMAPClientError as exc:
        raise MailboxError(f"mailbox {mailbox.name!r}: {_without(str(exc), value)}") from None
    except (OSError, ssl.SSLError) as exc:
        raise MailboxError(f"mailbox {mailbox.name!r}: cannot reach {mailbox.imap_host}:"
                           f"{mailbox.imap_port}: {exc}") from None
    return client


def _quiet(client: IMAPClient) -> None:
    """imapclient turns on imaplib's debug level so its trace can go to a logger, and
    imaplib then formats every fetched literal even when nothing is logged: that halves
    fetch speed (notes/channels.md §1.2a). Checked against imapclient 4.1."""
    imap = getattr(client, "_imap", None)
    if imap is not None and hasattr(imap, "debug"):
        imap.debug = 0


def _without(text: str, value: str) -> str:
    return text.replace(value, "***") if value else text


def sync_folder(client: IMAPClient, store: Store, pipeline: Pipeline,
                mailbox: MailboxSettings, folder: str, *,
                on_batch: Callable[[int], None] | None = None) -> SyncResult:
    """Store every message of `folder` past the cursor; returns what happened."""
    writable = mailbox.mark_seen or bool(mailbox.move_to)
    info = client.select_folder(folder, readonly=not writable)
    uidvalidity = int(info[b"UIDVALIDITY"])
    known_validity, last_uid = cursors.get_cursor(store.conn, CHANNEL, mailbox.name, folder)
    resynced = known_validity is not None and known_validity != uidvalidity
    if resynced:
        log.warning("%s: UIDVALIDITY changed (%s -> %s); reading the folder again, duplicates "
                    "are skipped", account(mailbox, folder), known_validity, uidvalidity)
        last_uid = 0
    # `n:*` always matches the highest UID, even below n: filter what comes back
    uids = sorted(uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)
    gmail = b"X-GM-EXT-1" in client.capabilities()
    stored = duplicates = failed = 0
    for start in range(0, len(uids), BATCH):
        chunk = uids[start:start + BATCH]
        items = ["BODY.PEEK[]", "INTERNALDATE"] + (["X-GM-MSGID"] if gmail else [])
        fetched = client.fetch(chunk, items)
        backlog = len(uids) - start - len(chunk)
        counts = _store_batch(store, pipeline, mailbox, folder, uidvalidity, chunk, fetched,
                              backlog)
        stored, duplicates, failed = (stored + counts[0], duplicates + counts[1],
                                      failed + counts[2])
        _after_commit(client, mailbox, chunk)
        if on_batch is not None:
            on_batch(len(chunk))
    if not uids:
        with store.write() as conn:
            if known_validity != uidvalidity:  # first sync of an empty folder, or a reset
                cursors.set_cursor(conn, CHANNEL, mailbox.name, folder,
                                   uidvalidity=uidvalidity, last_uid=last_uid,
                                   at=db_time(utc_now()))
            channel_state.record_sync(conn, CHANNEL, account(mailbox, folder),
                                      at=db_time(utc_now()), backlog=0)
    return SyncResult(stored, duplicates, failed, resynced)


def _store_batch(store: Store, pipeline: Pipeline, mailbox: MailboxSettings, folder: str,
                 uidvalidity: int, chunk: list[int], fetched: dict[int, dict[bytes, object]],
                 backlog: int) -> tuple[int, int, int]:
    """One transaction: the batch's messages, the cursor past them and the folder's health.
    If the pipeline fails on one message, the batch is redone one message at a time so only
    that one is kept raw (with its error) and the rest go in whole."""
    try:
        with store.write() as conn:
            counts = _ingest(conn, pipeline, mailbox, chunk, fetched, keep_going=False)
            now = db_time(utc_now())
            cursors.set_cursor(conn, CHANNEL, mailbox.name, folder, uidvalidity=uidvalidity,
                               last_uid=chunk[-1], at=now)
            channel_state.record_sync(conn, CHANNEL, account(mailbox, folder), at=now,
                                      backlog=backlog)
        return counts
    except _MessageFailed:
        pass
    totals = [0, 0, 0]
    for uid in chunk:
        with store.write() as conn:
            counts = _ingest(conn, pipeline, mailbox, [uid], fetched, keep_going=True)
            cursors.set_cursor(conn, CHANNEL, mailbox.name, folder, uidvalidity=uidvalidity,
                               last_uid=uid, at=db_time(utc_now()))
        totals = [a + b for a, b in zip(totals, counts, strict=True)]
    return totals[0], totals[1], totals[2]


class _MessageFailed(Exception):
    pass


def _ingest(conn: sqlite3.Connection, pipeline: Pipeline, mailbox: MailboxSettings,
            uids: Iterable[int], fetched: dict[int, dict[bytes, object]], *,
            keep_going: bool) -> tuple[int, int, int]:
    stored = duplicates = failed = 0
    for uid in uids:
        data = fetched.get(uid)
        if data is None:  # expunged between SEARCH and FETCH: nothing to store
            continue
        raw = bytes(data.get(b"BODY[]") or b"")  # type: ignore[arg-type]
        received = data.get(b"INTERNALDATE")
        received_at = received.astimezone(UTC) if isinstance(received, datetime) else None
        try:
            event = parse_email(raw, source=mailbox.name, received_at=received_at)
            if data.get(b"X-GM-MSGID") and event.message_id is None:
                # Gmail shows one message in every label's folder. With a Message-ID that
                # already names it once (and matches our own sent replies); without one,
                # Gmail's own id does, where a hash of the bytes might not
                event.external_id = f"x-gm-msgid:{data[b'X-GM-MSGID']}"
            with savepoint(conn):
                result = pipeline.ingest_in(conn, event)
        except Exception as exc:
            if not keep_going:
                raise _MessageFailed from exc
            log.exception("%s UID %s: kept raw only, the pipeline failed", mailbox.name, uid)
            insert_raw(conn, CHANNEL, f"{mailbox.name}: pipeline failed: "
                       f"{type(exc).__name__}: {exc}"[:500], raw, db_time(utc_now()))
            failed += 1
            continue
        if result.duplicate:
            duplicates += 1
        else:
            stored += 1
    return stored, duplicates, failed


def _after_commit(client: IMAPClient, mailbox: MailboxSettings, uids: list[int]) -> None:
    """Only now, with the messages safe in the store, may the server be changed. A failure
    here loses nothing (the mail is stored), so it is logged and the sync goes on."""
    try:
        if mailbox.mark_seen:
            client.add_flags(uids, [SEEN], silent=True)
        if mailbox.move_to:
            if not client.folder_exists(mailbox.move_to):
                client.create_folder(mailbox.move_to)
            if b"MOVE" in client.capabilities():
                client.move(uids, mailbox.move_to)
            else:
                client.copy(uids, mailbox.move_to)
                client.delete_messages(uids, silent=True)
                if b"UIDPLUS" in client.capabilities():
                    client.uid_expunge(uids)
                else:
                    client.expunge()
    except IMAPClientError as exc:
        log.warning("%s: stored, but could not flag or move UIDs %s..%s: %s", mailbox.name,
                    uids[0], uids[-1], exc)


def append_copy(mailbox: MailboxSettings, message: bytes) -> None:
    """Put a copy of a sent reply in the mailbox's Sent folder, so people reading the inbox
    in a mail client see the team's answers too. Raises MailboxError."""
    client = connect(mailbox)
    try:
        client.append(mailbox.sent_folder, message, flags=[SEEN])
    except CONNECTION_ERRORS as exc:
        raise MailboxError(f"mailbox {mailbox.name!r}: could not copy the reply to "
                           f"{mailbox.sent_folder!r}: {exc}") from None
    finally:
        with contextlib.suppress(Exception):
            client.logout()
