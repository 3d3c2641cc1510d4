"""Keep one mailbox folder in sync: IDLE where the server offers it, polling otherwise,
reconnecting with capped exponential backoff when the connection is lost.

IDLE is renewed every few minutes (RFC 2177 allows 29; imapclient advises about 10, as it
does not notice every dropped socket), and a full poll runs on each renewal as a safety net.
"""

from __future__ import annotations

import contextlib
import logging
import select
import threading
import time
from pathlib import Path

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError

from omnitui.channels.email.imap import (
    CONNECTION_ERRORS,
    MailboxError,
    account,
    connect,
    ingest_pending,
    sync_folder,
    take_mail_news,
)
from omnitui.config import MailboxSettings, Settings, attachments_dir
from omnitui.daemon.log import log_failure
from omnitui.ingest.pipeline import Pipeline
from omnitui.services.archive import FirstSync
from omnitui.services.intake import intake_pipeline
from omnitui.store import channel_state
from omnitui.store.db import Store, db_time, expected, store_problem, utc_now
from omnitui.wording import plural

log = logging.getLogger("omnitui.imap")

IDLE_RENEW = 9 * 60.0  # seconds in one IDLE before it is re-issued
IDLE_CHECK = 1.0  # seconds per idle_check, so a stop request is seen quickly
BACKOFF_FIRST, BACKOFF_MAX = 1.0, 300.0


def watch_folder(db_path: Path, settings: Settings, mailbox: MailboxSettings, folder: str,
                 stop: threading.Event) -> None:
    """Run until `stop` is set; every error is logged, recorded as the folder's health and
    retried, so one bad mailbox never stops the others."""
    name = account(mailbox, folder)
    backoff = BACKOFF_FIRST
    with Store(db_path, attachments_dir=attachments_dir(settings, db_path),
               durable=True) as store:
        pipeline = intake_pipeline(store, settings, live=True)
        while not stop.is_set():
            client: IMAPClient | None = None
            try:
                client = connect(mailbox)
                _sync(client, store, pipeline, mailbox, folder, stop)
                backoff = BACKOFF_FIRST
                if b"IDLE" in client.capabilities():
                    _idle_loop(client, store, pipeline, mailbox, folder, stop)
                else:
                    while not stop.wait(mailbox.poll_interval):
                        _sync(client, store, pipeline, mailbox, folder, stop)
            except Exception as exc:  # whatever broke, the folder is retried
                message = _worded(exc)
                if machine := expected(exc):  # a full or read-only disk, a busy store
                    message = store_problem(exc)
                if machine or isinstance(exc, (MailboxError, *CONNECTION_ERRORS)):
                    log.warning("%s: %s; trying again in %.0f s", name, message, backoff)
                else:  # e.g. imapclient's "unterminated line" on a split IDLE response
                    log.exception("%s: unexpected %s; reconnecting in %.0f s", name,
                                  type(exc).__name__, backoff)
                try:
                    with store.write() as conn:
                        channel_state.record_error(conn, "email", name, message[:300],
                                                   at=db_time(utc_now()))
                except Exception:  # the store itself is busy or broken: still retry later
                    log_failure(log, f"{name}: could not record the error", logging.WARNING)
                stop.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
            finally:
                if client is not None:
                    _close(client)


def _worded(exc: Exception) -> str:
    """What broke, for the log, the console's health line and doctor: a connection the
    server closed (a restart, a timeout on its side) in those words, not imaplib's
    "socket error: EOF"."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, IMAPClientAbortError) and "EOF" in text:
        return "the server closed the connection"
    return text


def _idle_loop(client: IMAPClient, store: Store, pipeline: Pipeline, mailbox: MailboxSettings,
               folder: str, stop: threading.Event) -> None:
    while not stop.is_set():
        # Mail delivered while the last sync ran (its filing can take seconds with no
        # command sent) is announced at the next command. NOOP is that command, so nothing
        # depends on the server repeating it once IDLE has started (in CI, after a server
        # restart, 5 messages once waited in IDLE for the next renewal, minutes away).
        client.noop()
        if _arrived_before_idle(client):
            _sync(client, store, pipeline, mailbox, folder, stop)
            continue
        client.idle()
        started = time.monotonic()
        news = _arrived_before_idle(client)
        while not news and not stop.is_set() and time.monotonic() - started < IDLE_RENEW:
            responses = client.idle_check(timeout=IDLE_CHECK)
            news = any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses) or (
                not responses and _stream_ended(client))
        client.idle_done()
        if stop.is_set():
            return
        _sync(client, store, pipeline, mailbox, folder, stop)


def _arrived_before_idle(client: IMAPClient) -> bool:
    """Mail announced since the last sync's SEARCH (by the NOOP, or as the IDLE starts,
    before its continuation line): imapclient does not hand those lines to idle_check, so
    without this such mail would wait for the next IDLE renewal (minutes). When the client
    cannot tell, sync once more rather than risk waiting."""
    news = take_mail_news(client)
    return True if news is None else news


def _stream_ended(client: IMAPClient) -> bool:
    """Whether the connection has ended under IDLE (a server restart closes it).
    imapclient's idle_check reads the end of the stream as "nothing new" and returns at
    once, every time: the watcher spun on a core until the next renewal, minutes away,
    while mail delivered after the restart waited. A socket still readable after a check
    that read nothing is that end (or, rarely, half a response line): leaving IDLE then
    fails at once and reconnects, or costs one sync more."""
    poller = select.poll()  # not select(): a daemon watching many folders may hold more
    poller.register(client.socket(), select.POLLIN)  # than 1,024 descriptors
    return bool(poller.poll(0))


def _sync(client: IMAPClient, store: Store, pipeline: Pipeline, mailbox: MailboxSettings,
          folder: str, stop: threading.Event) -> None:
    """Fetch what is new (raw, at the server's speed), then file it on cases."""
    synced = sync_folder(client, store, mailbox, folder, stop=stop)
    history = FirstSync(store)
    filed = ingest_pending(store, pipeline, stop=stop, ending=history)
    if history.solved:
        log.info("%s: %s of the first sync, quiet for %d days, filed as solved history",
                 account(mailbox, folder), plural(history.solved, "conversation"),
                 mailbox.history_days)
    log.debug("%s: synced: %d fetched, %d filed", account(mailbox, folder), synced.stored,
              filed.messages)
    if synced.stored or synced.resynced or filed.messages or filed.failed:
        log.info("%s: %d fetched (%d already had), %d filed on cases, %d kept raw after a "
                 "failure%s", account(mailbox, folder), synced.stored, synced.duplicates,
                 filed.messages, filed.failed,
                 " (resynced: UIDVALIDITY changed)" if synced.resynced else "")


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # the connection may already be gone; nothing to save
        with contextlib.suppress(Exception):
            client.shutdown()
