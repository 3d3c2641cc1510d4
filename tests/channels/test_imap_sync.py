"""IMAP sync against real servers on loopback (pymap always, dovecot where installed):
backlogs, resyncs, hostile mail, flags after the commit, IDLE, a server that dies."""

from __future__ import annotations

import logging
import secrets
import sys
import threading
import time
import traceback
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from omnitui.channels.email.imap import (
    MailboxError,
    SyncResult,
    connect,
    ingest_pending,
    sync_folder,
)
from omnitui.config import MailboxSettings, Settings
from omnitui.daemon.mailwatch import watch_folder
from omnitui.ingest.pending import FilingResult
from omnitui.ingest.pipeline import Pipeline
from omnitui.services.intake import intake_pipeline
from omnitui.store import channel_state, cursors
from omnitui.store.db import Store
from tests.conftest import fill, make_email, wait_for
from tests.imap_servers import ImapServer, dovecot_binary


def mailbox_for(server: ImapServer, **changes: object) -> MailboxSettings:
    values: dict[str, object] = {
        "name": "support", "address": "support@example.com", "imap_host": server.host,
        "imap_port": server.port, "imap_security": "none", "username": server.username,
        "password": server.password, "poll_interval": 5}
    values.update(changes)
    return MailboxSettings(**values)  # type: ignore[arg-type]


def sync(server: ImapServer, store: Store, folder: str = "INBOX", settings: Settings | None = None,
         **changes: object) -> tuple[SyncResult, FilingResult]:
    """What the daemon does on each wake-up: fetch the raw mail, then file it on cases."""
    mailbox = mailbox_for(server, **changes)
    client = connect(mailbox)
    try:
        fetched = sync_folder(client, store, mailbox, folder)
    finally:
        client.logout()
    return fetched, ingest_pending(store, Pipeline(store, settings or Settings()))


def count(store: Store, sql: str = "SELECT count(*) FROM messages") -> int:
    return store.conn.execute(sql).fetchone()[0]


def folder_size(server: ImapServer, folder: str) -> int:
    client = connect(mailbox_for(server))
    try:
        if not client.folder_exists(folder):
            return 0
        return int(client.select_folder(folder, readonly=True)[b"EXISTS"])
    finally:
        client.logout()


def test_a_backlog_is_stored_once_without_marking_anything_read(imap_server: ImapServer,
                                                                 store: Store) -> None:
    uids = [imap_server.append("INBOX", make_email(sender=f"c{n}@example.com",
                                                   subject=f"Question {n}"))
            for n in range(1000)]
    fetched, filed = sync(imap_server, store)
    assert (fetched.stored, fetched.duplicates) == (1000, 0)
    assert (filed.messages, filed.duplicates, filed.failed) == (1000, 0, 0)
    assert count(store) == 1000
    assert all(b"\\Seen" not in imap_server.flags("INBOX", uid) for uid in uids[::97])
    again, _ = sync(imap_server, store)
    assert (again.stored, again.duplicates) == (0, 0)  # the cursor: nothing fetched again
    [state] = channel_state.channel_states(store.conn)
    assert (state.account, state.backlog, state.failing) == ("support/INBOX", 0, False)
    assert count(store, "SELECT count(*) FROM raw_payloads WHERE external_key IS NULL") == 1000


def test_a_uidvalidity_reset_reads_the_folder_again_without_duplicates(
        imap_server: ImapServer, store: Store) -> None:
    for n in range(5):
        imap_server.append("INBOX", make_email(subject=f"Before {n}"))
    assert sync(imap_server, store)[0].stored == 5
    imap_server.reset_uidvalidity("INBOX")
    imap_server.append("INBOX", make_email(subject="After the reset"))
    fetched, filed = sync(imap_server, store)
    assert fetched.resynced and (fetched.stored, fetched.duplicates) == (1, 5)
    assert filed.messages == 1 and count(store) == 6


def hostile_mail() -> list[bytes]:
    big = EmailMessage()
    big["From"], big["To"], big["Subject"] = "a@example.com", "s@example.com", "big"
    big["Message-ID"] = "<big@example.com>"
    big.set_content("see attached")
    big.add_attachment(bytes(range(256)) * 20_000, maintype="application",
                       subtype="octet-stream", filename="dump.bin")  # about 5 MB
    return [
        b"From: x@example.com\r\nSubject: no boundary\r\nContent-Type: multipart/mixed\r\n"
        b"Message-ID: <broken-mime@example.com>\r\n\r\n--nothing\r\nhello\r\n",
        b"From: y@example.com\r\nSubject: strange\r\nMessage-ID: <charset@example.com>\r\n"
        b"Content-Type: text/plain; charset=x-unknown-42\r\n\r\n\xe9t\xe9\r\n",
        b"From: =?utf-8?q?Z=C3=B6e?= <z@example.com>\r\nSubject: caf\xc3\xa9 8-bit header\r\n"
        b"Message-ID: <eightbit@example.com>\r\n\r\nbody\r\n",
        big.as_bytes(),
    ]


def test_hostile_mail_is_all_stored(imap_server: ImapServer, store: Store) -> None:
    for raw in hostile_mail():
        imap_server.append("INBOX", raw)
    fetched, filed = sync(imap_server, store)
    assert (fetched.stored, filed.messages, filed.failed) == (4, 4, 0)
    assert count(store, "SELECT count(*) FROM raw_payloads") == 4
    assert count(store, "SELECT max(size) FROM attachments") > 5_000_000


def test_flags_and_moves_happen_only_when_asked(imap_server: ImapServer, store: Store) -> None:
    first = imap_server.append("INBOX", make_email(subject="one"))
    sync(imap_server, store, mark_seen=True)
    assert b"\\Seen" in imap_server.flags("INBOX", first)
    imap_server.append("INBOX", make_email(subject="two"))
    sync(imap_server, store, move_to="Processed")
    assert count(store) == 2
    assert folder_size(imap_server, "Processed") == 1 and folder_size(imap_server, "INBOX") == 1


def stack_of(thread: threading.Thread) -> str:
    """Where a thread is now: what a watcher that stopped making progress waits on."""
    frame = sys._current_frames().get(thread.ident or 0)
    return "".join(traceback.format_stack(frame)) if frame else "(not running)"


def run_watcher(db: Path, mailbox: MailboxSettings) -> tuple[threading.Event, threading.Thread]:
    stop = threading.Event()
    thread = threading.Thread(target=watch_folder, args=(db, Settings(), mailbox, "INBOX", stop),
                              daemon=True)
    thread.start()
    return stop, thread


def test_the_watcher_waits_in_idle_and_stores_new_mail_within_two_seconds(
        imap_server: ImapServer, tmp_path: Path) -> None:
    """While no mail comes it must not sync again and again: each sync takes the store's
    write lock (a webhook or a console waits behind it) and keeps a core busy."""
    if not imap_server.supports_idle():
        pytest.skip(f"{imap_server.kind} has no IDLE")
    db = tmp_path / "s.db"
    Store(db).close()
    stop, thread = run_watcher(db, mailbox_for(imap_server))
    try:
        with Store(db) as store:
            assert wait_for(lambda: channel_state.channel_states(store.conn) != [], 10)
            for n in (1, 2):  # an empty folder, then one with mail
                time.sleep(0.5)  # the watcher is in IDLE now
                cpu = time.process_time()
                time.sleep(3)
                busy = time.process_time() - cpu  # the watcher runs in this process
                assert busy < 0.3, f"{busy:.2f} s of CPU in 3 s with no mail"
                imap_server.append("INBOX", make_email(subject=f"While you wait {n}"))
                arrived = time.monotonic()
                assert wait_for(lambda n=n: count(store) == n, 2.0)
                assert time.monotonic() - arrived < 2.0
    finally:
        stop.set()
        thread.join(10)


def test_the_server_dying_mid_sync_loses_and_doubles_nothing(
        imap_server: ImapServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="omnitui.imap")  # a failure shows each sync
    db = tmp_path / "s.db"
    Store(db).close()
    for n in range(600):
        imap_server.append("INBOX", make_email(subject=f"Backlog {n}"))
    stop, thread = run_watcher(db, mailbox_for(imap_server))
    try:
        with Store(db) as store:
            assert wait_for(lambda: count(store) > 0, 20)
            imap_server.stop()  # killed while the backlog is being fetched
            with store.write():
                pass
            time.sleep(1.0)
            imap_server.start()
            for n in range(5):
                imap_server.append("INBOX", make_email(subject=f"After restart {n}"))
            # A reconnect that lands while the restarted server settles may wait out the
            # client's socket timeout (60 s) once: slow, but nothing may be lost or doubled.
            assert wait_for(lambda: count(store) == 605, 100), (
                f"{count(store)} of 605 filed; the watcher is at:\n{stack_of(thread)}")
            time.sleep(1.0)
            assert count(store) == 605
            assert count(store, "SELECT count(DISTINCT external_id) FROM messages") == 605
    finally:
        stop.set()
        thread.join(10)


def test_a_server_restarted_while_the_watcher_idles_is_noticed_at_once(
        imap_server: ImapServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A server restart closes the idling connection. imapclient's idle_check reads that
    end of stream as "nothing new" and returns at once, every time: the watcher spun on a
    core until the IDLE renewal (9 minutes) while the mail delivered after the restart
    waited. The log says what happened in a person's words."""
    caplog.set_level(logging.WARNING, logger="omnitui.imap")
    if not imap_server.supports_idle():
        pytest.skip(f"{imap_server.kind} has no IDLE")
    db = tmp_path / "s.db"
    Store(db).close()
    imap_server.append("INBOX", make_email(subject="Before the restart"))
    stop, thread = run_watcher(db, mailbox_for(imap_server))
    try:
        with Store(db) as store:
            assert wait_for(lambda: count(store) == 1, 20)
            assert wait_for(lambda: "idle_check" in stack_of(thread), 10)
            imap_server.stop()
            imap_server.start()
            for n in range(3):
                imap_server.append("INBOX", make_email(subject=f"After the restart {n}"))
            # the watcher's first reconnect waits 1 s (its backoff), then syncs
            assert wait_for(lambda: count(store) == 4, 15), (
                f"{count(store)} of 4 filed; the watcher is at:\n{stack_of(thread)}")
        said = [r.getMessage() for r in caplog.records if r.name == "omnitui.imap"]
        assert any("the server closed the connection; trying again" in m for m in said), said
        assert not any("EOF" in m for m in said), said
    finally:
        stop.set()
        thread.join(10)


def test_a_message_the_pipeline_fails_on_is_kept_raw_and_the_rest_go_on(
        imap_server: ImapServer, store: Store) -> None:
    def explode(conn: object, event: object, result: object) -> None:
        if getattr(event, "subject", "") == "boom":
            raise RuntimeError("an automation bug")

    for subject in ("before", "boom", "after"):
        imap_server.append("INBOX", make_email(subject=subject))
    mailbox = mailbox_for(imap_server)
    client = connect(mailbox)
    try:
        assert sync_folder(client, store, mailbox, "INBOX").stored == 3
    finally:
        client.logout()
    filed = ingest_pending(store, Pipeline(store, Settings(), automations=[explode]))
    assert (filed.messages, filed.failed) == (2, 1)
    assert count(store, "SELECT count(*) FROM messages WHERE subject = 'boom'") == 0
    kept = store.conn.execute("SELECT ingest_error, pending, length(body) FROM raw_payloads"
                              " WHERE ingest_error IS NOT NULL").fetchall()
    assert len(kept) == 1 and "an automation bug" in kept[0][0]
    assert kept[0][1] == 0 and kept[0][2] > 0  # processed, and every byte still there


def test_a_server_without_idle_is_polled(tmp_path: Path) -> None:
    if dovecot_binary() is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    server = ImapServer.create("dovecot", capability="IMAP4rev1 LITERAL+ UIDPLUS MOVE")
    server.start()
    db = tmp_path / "s.db"
    Store(db).close()
    stop, thread = run_watcher(db, mailbox_for(server, poll_interval=5))
    try:
        assert not server.supports_idle()
        with Store(db) as store:
            assert wait_for(lambda: channel_state.channel_states(store.conn) != [], 10)
            server.append("INBOX", make_email(subject="Polled"))
            assert wait_for(lambda: count(store) == 1, 8)  # the next poll, within 5 s
    finally:
        stop.set()
        thread.join(10)
        server.close()


TOKEN_ENV = "OMNITUI_TEST_IMAP_TOKEN"


def oauth2_mailbox(server: ImapServer) -> MailboxSettings:
    return mailbox_for(server, password="", oauth2_token_env=TOKEN_ENV)


def test_an_oauth2_mailbox_logs_in_with_xoauth2_and_syncs(
        xoauth2_server: ImapServer, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(3):
        xoauth2_server.append("INBOX", make_email(subject=f"Via XOAUTH2 {n}"))
    with pytest.raises(MailboxError, match="login failed") as refused:
        connect(mailbox_for(xoauth2_server))  # the server refuses LOGIN with the password
    assert "b'" not in str(refused.value)  # its reason in words, not Python's bytes
    monkeypatch.setenv(TOKEN_ENV, xoauth2_server.oauth2_token)
    fetched, filed = sync(xoauth2_server, store, password="", oauth2_token_env=TOKEN_ENV)
    assert (fetched.stored, filed.messages, filed.failed) == (3, 3, 0)
    assert count(store) == 3


def test_a_wrong_or_missing_oauth2_token_is_a_clear_error_without_the_token(
        xoauth2_server: ImapServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    mailbox = oauth2_mailbox(xoauth2_server)
    with pytest.raises(MailboxError) as missing:
        connect(mailbox)
    assert str(missing.value) == (f"mailbox 'support': the environment variable {TOKEN_ENV} "
                                  "is not set")
    wrong = "wrong-" + secrets.token_urlsafe(16)
    monkeypatch.setenv(TOKEN_ENV, wrong)
    with pytest.raises(MailboxError) as refused:
        connect(mailbox)
    message = str(refused.value)
    assert message.startswith("mailbox 'support': login failed: ")
    assert "AUTHENTICATIONFAILED" in message  # the server's own reason, in words:
    assert "b'" not in message and 'b"' not in message  # not Python's bytes notation
    assert wrong not in message and xoauth2_server.oauth2_token not in message

    db = tmp_path / "s.db"  # the daemon's watcher records it as the folder's health
    Store(db).close()
    caplog.set_level(logging.DEBUG)
    stop, thread = run_watcher(db, mailbox)
    try:
        with Store(db) as store:
            assert wait_for(lambda: any(state.failing
                                        for state in channel_state.channel_states(store.conn)), 10)
            [state] = channel_state.channel_states(store.conn)
    finally:
        stop.set()
        thread.join(10)
    assert "login failed" in (state.last_error or "") and wrong not in (state.last_error or "")
    assert "login failed" in caplog.text and wrong not in caplog.text


def test_gmail_stores_a_message_once_whatever_its_labels(gmail_server: ImapServer,
                                                         store: Store) -> None:
    labelled = make_email(subject="Refund, in two labels", message_id="refund@example.com")
    # Gmail keeps one message under every label; here its copies even differ in bytes, so
    # only the X-GM-MSGID can tell it is the same message.
    other_bytes = b"Delivered-To: support@example.com\r\n" + labelled
    only_inbox = make_email(subject="Only in the inbox")
    archived = make_email(subject="Archived, never in the inbox")
    gmail_server.append_many("INBOX", [labelled, only_inbox])
    gmail_server.append_many("[Gmail]/All Mail", [other_bytes, only_inbox, archived])
    gmail_server.append_many("Billing", [labelled])  # byte for byte (APPEND would add CRs)

    results = [sync(gmail_server, store, folder)[0]
               for folder in ("INBOX", "[Gmail]/All Mail", "Billing")]

    assert [(r.stored, r.duplicates) for r in results] == [(2, 0), (1, 2), (0, 1)]
    keys = [row[0] for row in store.conn.execute("SELECT external_key FROM raw_payloads")]
    assert len(keys) == len(set(keys)) == 3
    assert all(key.startswith("gmail:support:") and key[14:].isdigit() for key in keys)
    assert count(store) == 3
    for folder, last in (("INBOX", 2), ("[Gmail]/All Mail", 3), ("Billing", 1)):
        assert cursors.get_cursor(store.conn, "email", "support", folder)[1] == last
    assert sync(gmail_server, store, "[Gmail]/All Mail")[0] == SyncResult(0, 0, False)


def test_a_first_sync_files_the_inbox_s_old_conversations_as_history(
        imap_server: ImapServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Connecting the team's existing inbox: last spring's conversations, answered in
    another tool, are history; yesterday's is work. Later mail is always work, however old
    its Date: only a folder's first sync files history, never a message that arrives."""
    spring = datetime(2025, 4, 2, 9, 30, tzinfo=UTC)
    imap_server.append("INBOX", make_email("old@example.com", subject="Invoice question",
                                           message_id="old1@example.com", date=spring))
    imap_server.append("INBOX", make_email("old@example.com", subject="Re: Invoice question",
                                           message_id="old2@example.com", date=spring,
                                           in_reply_to="old1@example.com"))
    imap_server.append("INBOX", make_email("new@example.com", subject="Cannot log in",
                                           date=datetime.now(UTC) - timedelta(days=1)))
    db = tmp_path / "s.db"
    Store(db).close()
    caplog.set_level(logging.INFO, logger="omnitui")
    stop, thread = run_watcher(db, mailbox_for(imap_server))
    try:
        with Store(db) as store:
            def statuses() -> dict[str, str]:
                return dict(store.conn.execute("SELECT subject, status FROM cases"))

            assert wait_for(lambda: len(statuses()) == 2 and count(
                store, "SELECT count(*) FROM upkeep_due") == 0, 20)
            assert statuses() == {"Invoice question": "solved", "Cannot log in": "new"}
            solved = store.conn.execute(
                "SELECT c.solved_at, c.sla_due, c.sla_resolution_due, a.reason FROM cases c"
                " JOIN audit a ON a.case_id = c.id AND a.action = 'case.status'").fetchall()
            cutoff = (datetime.now(UTC) - timedelta(days=30)).date()
            assert solved == [("2025-04-02 09:30:00", None, None, "new -> solved: history "
                               "from the mailbox's first sync: no message since "
                               f"{cutoff:%Y-%m-%d}")]  # and no clock of ours ran on it
            assert count(store, "SELECT count(*) FROM raw_payloads WHERE history_before IS"
                                " NOT NULL") == 0
            imap_server.append("INBOX", make_email("late@example.com", subject="Refund",
                                                   date=spring))  # a sender's clock, wrong
            assert wait_for(lambda: "Refund" in statuses(), 20)
            assert wait_for(lambda: count(store, "SELECT count(*) FROM upkeep_due") == 0, 10)
            assert statuses()["Refund"] == "new"
    finally:
        stop.set()
        thread.join(10)
    assert "1 conversation of the first sync, quiet for 30 days, filed as solved history" in (
        caplog.text)


def test_mail_a_teams_web_form_sent_is_filed_as_the_persons(imap_server: ImapServer,
                                                            store: Store) -> None:
    """`[identity].form_senders` reaches the daemon's filing (docs/identity.md)."""
    for n, person in enumerate(("ann@a.example", "bob@b.example")):
        imap_server.append("INBOX", make_email("website@shop.example", name="Website",
                                               subject="Contact form", message_id=f"f{n}@x",
                                               headers={"Reply-To": person}))
    settings = Settings()
    settings.identity.form_senders = ["website@shop.example"]
    _, filed = sync(imap_server, store, settings=settings)
    assert filed.messages == 2
    assert count(store, "SELECT count(DISTINCT case_id) FROM messages") == 2
    assert count(store, "SELECT count(*) FROM identities") == 0  # the form's From is nobody's


def test_mail_from_the_mailboxs_own_address_is_filed_as_ours(imap_server: ImapServer,
                                                              store: Store) -> None:
    """Mail an agent sent from the shared address in a mail client, with the desk in Bcc:
    the daemon files it as our message to the person it went to, and acknowledges nothing
    (it acknowledged support@ before, as a customer of its own)."""
    raw = make_email("Support@example.com", name="Erin at Support", subject="Order 7",
                     message_id="o7@example.com", body="Your order 7 has shipped.")
    imap_server.append("INBOX", raw.replace(b"To: support@example.com",
                                            b"To: Ann Lee <ann@a.example>"))
    mailbox = mailbox_for(imap_server)
    settings = Settings()
    settings.mailboxes = [mailbox]
    settings.acknowledge.enabled = True
    client = connect(mailbox)
    try:
        sync_folder(client, store, mailbox, "INBOX")
    finally:
        client.logout()
    assert ingest_pending(store, intake_pipeline(store, settings, live=True)).messages == 1
    assert store.conn.execute("SELECT name FROM customers").fetchall() == [("Ann Lee",)]
    assert store.conn.execute("SELECT direction, author FROM messages").fetchall() == [
        ("out", "Erin at Support")]
    assert count(store, "SELECT count(*) FROM outbox") == 0


def test_a_disk_that_fills_under_the_watcher_is_said_in_a_line_and_nothing_is_lost(
        imap_server: ImapServer, disk: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The mail sync logged "unexpected OperationalError" with its traceback at every retry
    of a full disk (the daemon's other loops say it in one line)."""
    caplog.set_level(logging.INFO)
    db = disk / "s.db"
    Store(db).close()
    stop, thread = run_watcher(db, mailbox_for(imap_server))
    try:
        with Store(db) as store:
            assert wait_for(lambda: channel_state.channel_states(store.conn) != [], 10)
            fill(disk)
            imap_server.append("INBOX", make_email(subject="Into a full disk"))
            assert wait_for(lambda: "the disk holding the store is full" in caplog.text, 20)
            (disk / "fill").unlink()
            assert wait_for(lambda: count(store) == 1, 60)  # filed once there is room
    finally:
        stop.set()
        thread.join(10)
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
