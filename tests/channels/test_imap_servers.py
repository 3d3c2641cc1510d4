"""The IMAP server fixtures themselves (tests/imap_servers.py), against each kind of server."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from imapclient import IMAPClient
from imapclient.exceptions import LoginError

from tests.imap_servers import KINDS, ImapServer, _fixture_server, port_is_open

MAILS = [
    b"From: Ann <ann@example.com>\r\nTo: support@example.com\r\nSubject: plain\r\n"
    b"Message-ID: <plain@example.com>\r\n\r\nHello\r\n",
    # folded header with odd whitespace, a header without a space, no final newline
    b"From: bob@example.com\r\nSubject: folded\r\n\tover   two lines \r\nX-Odd:no-space\r\n"
    b"Message-ID: <folded@example.com>\r\n\r\nno final newline",
    # 8-bit header and body, and a multipart that never closes its boundary
    b"From: =?utf-8?q?Z=C3=B6e?= <zoe@example.com>\r\nSubject: caf\xc3\xa9\r\n"
    b'Content-Type: multipart/mixed; boundary="zz"\r\n\r\n--zz\r\n'
    b"Content-Type: text/plain; charset=latin-1\r\n\r\n\xe9t\xe9\r\n--zz-\r\n",
]


def fetch_all(server: ImapServer, folder: str) -> dict[int, dict[bytes, object]]:
    with server.connect() as client:
        client.select_folder(folder, readonly=True)
        uids = client.search("ALL")
        return client.fetch(uids, ["BODY.PEEK[]", "FLAGS"]) if uids else {}


def test_append_comes_back_byte_for_byte_and_unread(imap_server: ImapServer) -> None:
    uids = [imap_server.append("INBOX", raw) for raw in MAILS]
    assert uids == [1, 2, 3]
    flagged = imap_server.append("Archive/2024", MAILS[0], flags=(b"\\Flagged",))
    assert flagged == 1  # the folder was created, with its own UIDs

    with imap_server.connect() as client:
        client.select_folder("INBOX")  # read-write: BODY.PEEK[] must still not set \Seen
        fetched = client.fetch(uids, ["BODY.PEEK[]", "RFC822.SIZE"])
    assert [fetched[uid][b"BODY[]"] for uid in uids] == MAILS
    assert [fetched[uid][b"RFC822.SIZE"] for uid in uids] == [len(raw) for raw in MAILS]
    assert all(imap_server.flags("INBOX", uid) == set() for uid in uids)
    assert imap_server.flags("Archive/2024", flagged) == {b"\\Flagged"}
    with pytest.raises(KeyError):
        imap_server.flags("INBOX", 99)

    bulk = imap_server.append_many("Bulk", MAILS * 20, flags=(b"\\Answered",))
    assert bulk == list(range(1, 61))
    fetched = fetch_all(imap_server, "Bulk")
    assert [fetched[uid][b"BODY[]"] for uid in bulk] == MAILS * 20
    assert imap_server.flags("Bulk", 60) == {b"\\Answered"}
    assert imap_server.append_many("INBOX", []) == []


def test_reset_uidvalidity_keeps_the_messages_under_new_uids(imap_server: ImapServer) -> None:
    for raw in MAILS:
        imap_server.append("INBOX", raw)
    imap_server.append("INBOX", MAILS[0], flags=(b"\\Flagged",))
    with imap_server.connect() as client:  # a gap: UIDs 1, 3, 4 are left
        client.select_folder("INBOX")
        client.delete_messages([2])
        client.uid_expunge([2])
    other = imap_server.append("Other", MAILS[2])
    before, other_before = imap_server.uidvalidity(), imap_server.uidvalidity("Other")

    imap_server.reset_uidvalidity("INBOX")

    assert imap_server.uidvalidity() != before
    assert imap_server.uidvalidity("Other") == other_before  # only the folder asked for
    after = fetch_all(imap_server, "INBOX")
    assert sorted(after) == [1, 2, 3]  # UIDs restart, the order is kept
    assert [after[uid][b"BODY[]"] for uid in (1, 2, 3)] == [MAILS[0], MAILS[2], MAILS[0]]
    assert imap_server.flags("INBOX", 3) == {b"\\Flagged"}
    assert imap_server.append("INBOX", MAILS[1]) == 4

    imap_server.reset_uidvalidity("Other")
    assert imap_server.uidvalidity("Other") != other_before
    assert fetch_all(imap_server, "Other")[other][b"BODY[]"] == MAILS[2]


def test_stop_and_start_keep_the_mail_and_the_port(imap_server: ImapServer) -> None:
    first = imap_server.append("INBOX", MAILS[0])
    validity, port = imap_server.uidvalidity(), imap_server.port
    watcher = imap_server.connect()
    watcher.select_folder("INBOX")

    imap_server.stop()
    assert not imap_server.running and not port_is_open(port)
    with pytest.raises((OSError, watcher.AbortError)):
        watcher.noop()  # a client connected at the time is cut off
    imap_server.stop()  # twice is harmless

    imap_server.start()
    assert imap_server.port == port and port_is_open(port)
    assert imap_server.uidvalidity() == validity
    assert fetch_all(imap_server, "INBOX")[first][b"BODY[]"] == MAILS[0]
    assert imap_server.append("INBOX", MAILS[1]) == first + 1
    with pytest.raises(RuntimeError, match="already running"):
        imap_server.start()


class LineReader:
    """IMAP response lines from a plain socket, each with its own deadline."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock, self.buffer = sock, b""

    def line(self, timeout: float) -> bytes | None:
        deadline = time.monotonic() + timeout
        while b"\r\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                return None
            if not data:
                raise ConnectionError("the server closed the connection")
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def until(self, prefix: bytes, timeout: float = 5.0) -> list[bytes]:
        lines: list[bytes] = []
        while (line := self.line(timeout)) is not None:
            lines.append(line)
            if line.startswith(prefix):
                return lines
        raise AssertionError(f"no {prefix!r} within {timeout} s, got {lines!r}")


def test_idle_reports_a_new_message(imap_server: ImapServer) -> None:
    if not imap_server.supports_idle():
        pytest.skip(f"{imap_server.kind} has no IDLE")
    imap_server.append("INBOX", MAILS[0])
    # A plain socket rather than imapclient's idle_check, which can fail on a response line
    # that arrives in two TCP segments (mjs/imapclient#519; pymap sends such lines).
    with socket.create_connection((imap_server.host, imap_server.port), timeout=5) as sock:
        reader = LineReader(sock)
        assert reader.line(5).startswith(b"* OK")
        sock.sendall(f"a LOGIN {imap_server.username} {imap_server.password}\r\n".encode())
        assert reader.until(b"a ")[-1].startswith(b"a OK")
        sock.sendall(b"b SELECT INBOX\r\n")
        assert b"* 1 EXISTS" in reader.until(b"b OK")
        sock.sendall(b"c IDLE\r\n")
        assert reader.line(5).startswith(b"+")

        delivered = threading.Event()
        delivery = threading.Thread(target=lambda: (imap_server.append("INBOX", MAILS[1]),
                                                    delivered.set()))
        started = time.monotonic()
        delivery.start()
        reader.until(b"* 2 EXISTS", timeout=5.0)
        latency = time.monotonic() - started
        delivery.join(5)
        assert delivered.is_set()
        assert latency < 2.0, f"{imap_server.kind} took {latency:.2f} s to report new mail"

        sock.sendall(b"DONE\r\n")
        assert reader.until(b"c ")[-1].startswith(b"c OK")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("outcome", ["passed", "failed"])
def test_the_fixture_kills_the_server_after_the_test(kind: str, outcome: str) -> None:
    fixture = _fixture_server(kind)  # what imap_server, pymap_server and dovecot_server run
    server = next(fixture)
    port, root = server.port, server.root
    assert server.running and port_is_open(port) and root.is_dir()
    if outcome == "passed":
        fixture.close()
    else:
        with pytest.raises(AssertionError, match="the test failed"):
            fixture.throw(AssertionError("the test failed"))
    assert not server.running and not port_is_open(port) and not root.exists()


def test_a_server_that_cannot_start_says_why(imap_server: ImapServer) -> None:
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        imap_server.stop()
        squatter.bind((imap_server.host, imap_server.port))
        squatter.listen()
        started = time.monotonic()
        with pytest.raises(RuntimeError) as failure:
            imap_server.start()
        assert time.monotonic() - started < 10
    message = str(failure.value)
    assert imap_server.kind in message and str(imap_server.port) in message
    assert "in use" in message.lower()  # the server's own words, from its output or log
    assert not imap_server.running


def test_the_xoauth2_server_takes_only_xoauth2_with_its_token(xoauth2_server: ImapServer) -> None:
    server = xoauth2_server
    with IMAPClient(server.host, server.port, ssl=False, timeout=10) as client:
        offered = client.capabilities()
        assert b"LOGINDISABLED" in offered
        assert [c for c in offered if c.startswith(b"AUTH=")] == [b"AUTH=XOAUTH2"]
        with pytest.raises(LoginError, match="disabled"):
            client.login(server.username, server.password)
        with pytest.raises(LoginError, match="AUTHENTICATIONFAILED"):
            client.oauth2_login(server.username, server.oauth2_token + "x")
        with pytest.raises(LoginError, match="AUTHENTICATIONFAILED"):
            client.oauth2_login("someone@example.com", server.oauth2_token)
        client.oauth2_login(server.username, server.oauth2_token)
    assert server.append("INBOX", MAILS[0]) == 1  # the fixture's own client: XOAUTH2 too


def test_the_gmail_server_gives_a_message_one_x_gm_msgid_in_every_folder(
        gmail_server: ImapServer) -> None:
    relabelled = b"Delivered-To: support@example.com\r\n" + MAILS[0]  # same Message-ID
    gmail_server.append("INBOX", MAILS[0])
    gmail_server.append("[Gmail]/All Mail", relabelled)
    gmail_server.append_many("[Gmail]/All Mail", MAILS[1:])
    with gmail_server.connect() as client:
        assert b"X-GM-EXT-1" in client.capabilities()
        ids = {}
        for folder in ("INBOX", "[Gmail]/All Mail"):
            client.select_folder(folder, readonly=True)
            fetched = client.fetch(client.search("ALL"), ["BODY.PEEK[]", "X-GM-MSGID"])
            ids[folder] = [fetched[uid][b"X-GM-MSGID"] for uid in sorted(fetched)]
    assert ids["INBOX"] == ids["[Gmail]/All Mail"][:1]
    assert len(set(ids["[Gmail]/All Mail"])) == 3  # the last one by its bytes: no Message-ID
    assert all(isinstance(msgid, int) and 0 < msgid < 2**63 for msgid in ids["[Gmail]/All Mail"])
