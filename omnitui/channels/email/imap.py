"""IMAP in: sync a mailbox folder into the store by UID, never losing or doubling mail.

The rules:
* the cursor is (UIDVALIDITY, last stored UID), committed in the same transaction as the
  messages it covers; never \\Seen, UNSEEN or a date window, which break as soon as someone
  reads the mailbox in another client;
* messages are fetched with BODY.PEEK[] (the folder is even opened read-only unless the
  mailbox is told to flag or move processed mail), and flags or moves happen only after the
  commit;
* a UIDVALIDITY change resyncs the whole folder; the pipeline's dedupe (Message-ID, else the
  raw bytes' hash) keeps it from storing anything twice;
* on Gmail (X-GM-EXT-1) one message shows up in every folder of its labels, so it is also
  deduped on its X-GM-MSGID, kept as the raw row's external key;
* with `oauth2_token_env` the login is XOAUTH2 (Gmail, Microsoft 365) with that bearer token;
* one message that breaks the pipeline is kept raw with its error, and the sync goes on.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import logging
import re
import socket
import ssl
import threading
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from omnitui.channels.email.parse import mail_reading, parse_item
from omnitui.channels.secrets import Secrets
from omnitui.config import ConfigError, MailboxSettings, secret
from omnitui.errors import OmnituiError
from omnitui.ingest.pending import FilingResult, file_pending
from omnitui.ingest.pipeline import Ending, Pipeline
from omnitui.records import record
from omnitui.store import channel_state, cursors
from omnitui.store.db import Store, db_time, utc_now
from omnitui.store.messages import insert_raw, raw_seen

log = logging.getLogger("omnitui.imap")

CHANNEL = "email"
BATCH = 200  # UIDs per FETCH and per commit: one round trip per message is 15x slower
TIMEOUT = 60.0  # seconds a socket operation may block
SEEN = b"\\Seen"
GMAIL = b"X-GM-EXT-1"

# What a lost or refused connection looks like; the watcher retries these with backoff.
CONNECTION_ERRORS = (OSError, IMAPClientError, socket.timeout, ssl.SSLError, EOFError)


class MailboxError(OmnituiError):
    """A mailbox problem worded for a person (never with a secret in it)."""


@record(frozen=True)
class SyncResult:
    stored: int  # new raw messages, waiting for `ingest_pending`
    duplicates: int  # stored before: same bytes, or on Gmail same X-GM-MSGID (resync, label)
    resynced: bool  # UIDVALIDITY changed: the folder was read again from the start


def account(mailbox: MailboxSettings, folder: str) -> str:
    """How a folder is named in the health table and the status bar."""
    return f"{mailbox.name}/{folder}"


def connect(mailbox: MailboxSettings) -> IMAPClient:
    """Connect and log in as the mailbox says (TLS with certificate checks, STARTTLS, or
    plain on loopback; a password, or XOAUTH2 with the bearer token of `oauth2_token_env`,
    as Gmail and Microsoft 365 require); errors come back as MailboxError without the
    secret."""
    try:
        kind, value = secret(mailbox)
    except ConfigError as exc:
        raise MailboxError(str(exc)) from None
    context = ssl.create_default_context()
    client: IMAPClient | None = None
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
    except Exception as exc:
        if client is not None:
            with contextlib.suppress(Exception):
                client.shutdown()
        reason = Secrets(value).scrub(_words(exc))
        if isinstance(exc, (OSError, ssl.SSLError)) and not isinstance(exc, IMAPClientError):
            raise MailboxError(f"mailbox {mailbox.name!r}: cannot reach {mailbox.imap_host}:"
                               f"{mailbox.imap_port}: {reason}") from None
        raise MailboxError(f"mailbox {mailbox.name!r}: login failed: "
                           f"{reason or type(exc).__name__}") from None
    return client


BYTES_SHOWN = re.compile(r"b'[^'\\]*'|b\"[^\"\\]*\"")


def _words(exc: Exception) -> str:
    """An error as the server said it: imaplib hands its reply over as bytes, which read
    "login failed: b'[AUTHENTICATIONFAILED] Authentication failed.'"."""
    said = exc.args[0] if len(exc.args) == 1 else None
    if isinstance(said, str) and BYTES_SHOWN.fullmatch(said):  # imapclient's str(bytes)
        with contextlib.suppress(ValueError, SyntaxError):
            said = ast.literal_eval(said)
    if isinstance(said, bytes):
        return said.decode("utf-8", "replace")
    return str(said if isinstance(said, str) else exc)


def _quiet(client: IMAPClient) -> None:
    """imapclient turns on imaplib's debug level so its trace can go to a logger, and
    imaplib then formats every fetched literal even when nothing is logged: that halves
    fetch speed. Checked against imapclient 4.1."""
    imap = getattr(client, "_imap", None)
    if imap is not None and hasattr(imap, "debug"):
        imap.debug = 0


def take_mail_news(client: IMAPClient) -> bool | None:
    """Whether the server announced mail (EXISTS or RECENT) that nothing has read yet, and
    forget it: imapclient leaves those lines in imaplib's untagged responses, whether they
    came with a SELECT, a NOOP or just before an IDLE's continuation. None: the client keeps
    no such responses, so this cannot tell. Checked against imapclient 4.1."""
    untagged = getattr(getattr(client, "_imap", None), "untagged_responses", None)
    if not isinstance(untagged, dict):
        return None
    exists, recent = untagged.pop("EXISTS", None), untagged.pop("RECENT", None)
    return bool(exists or recent)


def sync_folder(client: IMAPClient, store: Store, mailbox: MailboxSettings, folder: str, *,
                on_batch: Callable[[int], None] | None = None,
                stop: threading.Event | None = None) -> SyncResult:
    """Store the raw bytes of every message of `folder` past the cursor, with the cursor,
    one transaction per batch: as fast as the server sends them. `ingest_pending` then turns
    them into messages on cases: store first, process second, so mail is safe on disk before
    any parsing can fail, and a message that breaks the pipeline stalls nothing.
    On Gmail a message already stored from another folder (label) has the same X-GM-MSGID
    and is skipped, while the cursor moves past it."""
    writable = mailbox.mark_seen or bool(mailbox.move_to)
    info = client.select_folder(folder, readonly=not writable)
    # The SELECT's own counts, read above: left there, the IDLE watcher (daemon/mailwatch.py)
    # took them for new mail and synced again at once, forever.
    take_mail_news(client)
    uidvalidity = int(info[b"UIDVALIDITY"])
    known_validity, last_uid = cursors.get_cursor(store.conn, CHANNEL, mailbox.name, folder)
    resynced = known_validity is not None and known_validity != uidvalidity
    # a first sync reads what the folder held before omnitui: its quiet conversations are
    # history (services/archive.py), the mark goes with each row
    history = (db_time(utc_now() - timedelta(days=mailbox.history_days))
               if known_validity is None and mailbox.history_days else None)
    if resynced:
        log.warning("%s: UIDVALIDITY changed (%s -> %s); reading the folder again, duplicates "
                    "are skipped", account(mailbox, folder), known_validity, uidvalidity)
        last_uid = 0
    # `n:*` always matches the highest UID, even below n: filter what comes back
    uids = sorted(uid for uid in client.search(["UID", f"{last_uid + 1}:*"]) if uid > last_uid)
    gmail = GMAIL in client.capabilities()
    stored = duplicates = 0
    for start in range(0, len(uids), BATCH):
        if stop is not None and stop.is_set():
            break  # the cursor is committed up to here: the next run goes on from it
        chunk = uids[start:start + BATCH]
        fetched = client.fetch(chunk, ["BODY.PEEK[]", "X-GM-MSGID"] if gmail
                               else ["BODY.PEEK[]"])
        now = db_time(utc_now())
        with store.write() as conn:
            for uid in chunk:
                data = fetched.get(uid, {})
                raw = data.get(b"BODY[]")
                if raw is None:  # expunged between SEARCH and FETCH: nothing to store
                    continue
                raw = bytes(raw)
                digest = hashlib.sha256(raw).hexdigest()
                key = _gmail_key(mailbox, data) if gmail else None
                if raw_seen(conn, CHANNEL, digest, key):
                    duplicates += 1
                    continue
                insert_raw(conn, CHANNEL, mailbox.name, raw, now, pending=True, sha256=digest,
                           external_key=key, history_before=history)
                stored += 1
            cursors.set_cursor(conn, CHANNEL, mailbox.name, folder, uidvalidity=uidvalidity,
                               last_uid=chunk[-1], at=now)
            channel_state.record_sync(conn, CHANNEL, account(mailbox, folder), at=now,
                                      backlog=len(uids) - start - len(chunk))
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
    return SyncResult(stored, duplicates, resynced)


def _gmail_key(mailbox: MailboxSettings, data: dict[bytes, object]) -> str | None:
    """The raw row's key for a Gmail message (None without an X-GM-MSGID). The id is the
    same in every folder and label even where the bytes differ, and unique only within one
    account, hence the mailbox name. raw_seen still checks the bytes' hash as well, for mail
    stored before keys were."""
    msgid = data.get(b"X-GM-MSGID")
    return f"gmail:{mailbox.name}:{msgid}" if msgid is not None else None


def ingest_pending(store: Store, pipeline: Pipeline, *, batch: int = 1000,
                   limit: int | None = None, stop: threading.Event | None = None,
                   workers: int | None = None, ending: Ending | None = None) -> FilingResult:
    """Turn stored raw mail into messages on cases (omnitui/ingest/pending.py); `ending`:
    the step a first sync's mail ends with (the daemon's: services/archive.py)."""
    parse = partial(parse_item, **mail_reading(pipeline.settings))
    return file_pending(store, pipeline, CHANNEL, parse, batch=batch, limit=limit, stop=stop,
                        workers=workers, ending=ending)


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
                # without UIDPLUS an EXPUNGE would also remove what others marked \Deleted:
                # the copies stay flagged for the mailbox's owner to expunge
    except IMAPClientError as exc:
        log.warning("%s: stored, but could not flag or move UIDs %s..%s: %s", mailbox.name,
                    uids[0], uids[-1], exc)


def append_copy(mailbox: MailboxSettings, message: bytes) -> None:
    """Put a copy of a sent reply in the mailbox's Sent folder, so people reading the inbox
    in a mail client see the team's answers too. Raises MailboxError."""
    client = connect(mailbox)
    try:
        if not client.folder_exists(mailbox.sent_folder):
            client.create_folder(mailbox.sent_folder)
        client.append(mailbox.sent_folder, message, flags=[SEEN])
    except CONNECTION_ERRORS as exc:
        raise MailboxError(f"mailbox {mailbox.name!r}: could not copy the reply to "
                           f"{mailbox.sent_folder!r}: {exc}") from None
    finally:
        with contextlib.suppress(Exception):
            client.logout()
