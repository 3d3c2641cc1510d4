"""SMTP out against a real SMTP server on loopback (aiosmtpd): headers, auth, TLS, failures."""

from __future__ import annotations

import asyncio
import base64
import socket
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from omnitui.channels.email.smtp import (
    Attachment,
    PermanentFailure,
    TemporaryFailure,
    build_reply,
    references_header,
    send,
    subject_with_case,
)
from omnitui.config import MailboxSettings

# Loopback test servers take AUTH without TLS on purpose.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning")

PASSWORD = "s3cret-Pa55w0rd"
TOKEN = "ya29.oauth-token-value"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps what it accepted and answers as told."""

    received: list[Any] = field(default_factory=list)
    data_replies: list[str] = field(default_factory=list)  # one per DATA, then 250
    refuse_all: str = ""  # a reply to every RCPT
    refused: dict[str, str] = field(default_factory=dict)  # address -> RCPT reply
    data_delay: float = 0.0  # seconds a DATA's reply takes (a server scanning the message)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if self.refuse_all or address in self.refused:
            return self.refuse_all or self.refused[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(self.data_delay)
        if self.data_replies:
            return self.data_replies.pop(0)
        self.received.append(envelope)
        return "250 2.0.0 Ok: queued"

    async def auth_XOAUTH2(self, server: Any, args: list[str]) -> AuthResult:
        expected = f"user=support@example.com\1auth=Bearer {TOKEN}\1\1".encode()
        ok = len(args) == 2 and base64.b64decode(args[1]) == expected
        return AuthResult(success=ok, handled=False)

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(e.original_content, policy=policy.default)  # type: ignore[misc]
                for e in self.received]


def check_password(server: Any, session: Any, envelope: Any, mechanism: str,
                   auth_data: Any) -> AuthResult:
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login == b"support@example.com"
          and auth_data.password == PASSWORD.encode())
    return AuthResult(success=ok, handled=False)  # handled=True would leave the client waiting


@dataclass
class Server:
    port: int
    handler: Recorder


@contextmanager
def smtp_server(handler: Recorder | None = None, **kwargs: Any) -> Iterator[Server]:
    """A real SMTP server on 127.0.0.1 and a free port, stopped afterwards."""
    handler = handler or Recorder()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield Server(port, handler)
    finally:
        controller.stop()


@pytest.fixture
def server() -> Iterator[Server]:
    with smtp_server() as running:
        yield running


@pytest.fixture
def auth_server() -> Iterator[Server]:
    with smtp_server(authenticator=check_password, auth_required=True,
                     auth_require_tls=False) as running:
        yield running


def mailbox_for(port: int, **changes: Any) -> MailboxSettings:
    box = MailboxSettings(name="support", address="support@example.com",
                          imap_host="127.0.0.1", username="support@example.com",
                          password=PASSWORD, smtp_host="127.0.0.1", smtp_port=port,
                          smtp_security="none")
    return replace(box, **changes)


def a_reply(**changes: Any) -> EmailMessage:
    values: dict[str, Any] = {
        "address": "support@example.com", "case_id": 12, "message_key": "r1@host.example",
        "to": ["ann@example.com"], "subject": "Re: Help", "text": "Fixed.",
        "date": datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC), "parent_keys": ["a@x", "b@x"]}
    return build_reply(**{**values, **changes})


# --- the message ---------------------------------------------------------------------------


def test_the_reply_threads_under_the_customer_message_and_names_the_case() -> None:
    msg = a_reply(cc=["bob@example.com"], text="Grüße — fixed.\n", display_name="Support",
                  attachments=[Attachment("invoice.pdf", "application/pdf", b"%PDF-1.4")])
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    assert parsed["From"] == "Support <support@example.com>"
    assert parsed["Reply-To"] == "support@example.com"
    assert (parsed["To"], parsed["Cc"]) == ("ann@example.com", "bob@example.com")
    assert parsed["Subject"] == "Re: Help [#12]"
    assert parsed["Message-ID"] == "<r1@host.example>"
    assert parsed["In-Reply-To"] == "<b@x>" and parsed["References"] == "<a@x> <b@x>"
    assert parsed["Date"] and parsed["Auto-Submitted"] is None
    body = parsed.get_body(("plain",))
    assert body is not None and body.get_content() == "Grüße — fixed.\r\n"  # SMTP: CRLF
    assert body["Content-Transfer-Encoding"] == "quoted-printable"  # 7-bit safe on any relay
    (part,) = list(parsed.iter_attachments())
    assert (part.get_filename(), part.get_content_type()) == ("invoice.pdf", "application/pdf")
    assert part.get_content() == b"%PDF-1.4"


def test_a_forwarded_mail_attached_whole_arrives_readable(server: Server) -> None:
    """A customer's mail forwarded to a supplier with the .eml it came with: RFC 2046 allows
    message/rfc822 no base64, and mail readers showed the supplier a page of it."""
    customer_mail = (b"From: Ann <ann@example.com>\r\nSubject: Broken device\r\n"
                     b"Message-ID: <c1@example.com>\r\n\r\nSerial SN-99812 died.\r\n")
    send(mailbox_for(server.port), a_reply(
        to=["parts@supplier.example"], subject="Fwd: Broken device",
        attachments=[Attachment("Broken device.eml", "message/rfc822", customer_mail)]))
    (msg,) = server.handler.messages()
    (part,) = list(msg.iter_attachments())
    assert part.get_content_type() == "message/rfc822"
    assert part["Content-Transfer-Encoding"] == "7bit"
    forwarded = part.get_content()
    assert forwarded["Subject"] == "Broken device"
    assert forwarded.get_content() == "Serial SN-99812 died.\r\n"


def test_only_automatic_mail_says_auto_submitted() -> None:
    assert a_reply(automatic=True)["Auto-Submitted"] == "auto-replied"
    assert a_reply()["Auto-Submitted"] is None


def test_the_case_tag_is_added_once() -> None:
    assert subject_with_case("Re: Help [#12]", 12) == "Re: Help [#12]"
    assert subject_with_case("Re: Help [#1]", 12) == "Re: Help [#1] [#12]"
    assert subject_with_case("", 12) == "[#12]"
    assert a_reply(subject="Re: Help [#12]")["Subject"] == "Re: Help [#12]"


def test_a_new_conversation_has_no_threading_headers() -> None:
    msg = a_reply(parent_keys=[])
    assert msg["In-Reply-To"] is None and msg["References"] is None


def test_long_reference_chains_keep_the_root_and_the_last_ten() -> None:
    keys = [f"m{i}@x" for i in range(30)]
    assert references_header(keys).split() == [f"<m{i}@x>" for i in (0, *range(20, 30))]


# --- sending -------------------------------------------------------------------------------


def test_send_delivers_to_every_recipient_with_the_mailbox_as_sender(server: Server) -> None:
    refused = send(mailbox_for(server.port), a_reply(cc=["bob@example.com"]))
    assert refused == {}
    (envelope,) = server.handler.received
    assert envelope.mail_from == "support@example.com"
    assert envelope.rcpt_tos == ["ann@example.com", "bob@example.com"]
    (msg,) = server.handler.messages()
    assert msg["Message-ID"] == "<r1@host.example>"


def test_login_with_the_right_password_sends(auth_server: Server) -> None:
    send(mailbox_for(auth_server.port), a_reply())
    assert len(auth_server.handler.received) == 1


def test_a_wrong_password_is_permanent_and_never_shown(auth_server: Server) -> None:
    box = mailbox_for(auth_server.port, password="wrong-Secret-42")
    with pytest.raises(PermanentFailure) as caught:
        send(box, a_reply())
    message = str(caught.value)
    assert "535" in message and "wrong-Secret-42" not in message
    assert "\n" not in message and caught.value.stage == "login"
    assert auth_server.handler.received == []


def test_a_server_echoing_the_password_has_it_scrubbed() -> None:
    def echo(server: Any, session: Any, envelope: Any, mechanism: str,
             auth_data: Any) -> AuthResult:
        return AuthResult(success=False, handled=False,
                          message=f"535 5.7.8 bad password {auth_data.password.decode()}")

    with (smtp_server(authenticator=echo, auth_required=True, auth_require_tls=False) as srv,
          pytest.raises(PermanentFailure) as caught):
        send(mailbox_for(srv.port, password="echoed-Secret-7"), a_reply())
    assert "echoed-Secret-7" not in str(caught.value) and "***" in str(caught.value)


def test_xoauth2_logs_in_with_the_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNITUI_TEST_TOKEN", TOKEN)
    box = mailbox_for(0, password="", oauth2_token_env="OMNITUI_TEST_TOKEN")
    with smtp_server(authenticator=check_password, auth_required=True,
                     auth_require_tls=False) as srv:
        send(replace(box, smtp_port=srv.port), a_reply())
        assert len(srv.handler.received) == 1
        monkeypatch.setenv("OMNITUI_TEST_TOKEN", "expired-Token-9")
        with pytest.raises(PermanentFailure) as caught:
            send(replace(box, smtp_port=srv.port), a_reply())
    assert "expired-Token-9" not in str(caught.value)


def test_a_missing_secret_is_permanent_and_names_the_variable() -> None:
    box = mailbox_for(1, password="", password_env="OMNITUI_TEST_UNSET_VARIABLE")
    with pytest.raises(PermanentFailure, match="OMNITUI_TEST_UNSET_VARIABLE"):
        send(box, a_reply())


def test_no_server_listening_is_temporary() -> None:
    with pytest.raises(TemporaryFailure, match=r"cannot reach 127\.0\.0\.1") as caught:
        send(mailbox_for(free_port()), a_reply())
    assert caught.value.stage == "connect"


def test_a_server_that_never_answers_times_out_as_temporary() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # accepts the connection in the kernel, never greets
        with pytest.raises(TemporaryFailure, match=r"no answer within 0\.5 s"):
            send(mailbox_for(silent.getsockname()[1]), a_reply(), timeout=0.5)


def test_a_server_slow_to_take_the_message_is_waited_for_not_sent_to_twice(
        server: Server) -> None:
    """A server may take minutes to answer the end of DATA (RFC 5321 §4.5.3.2.6: wait 10);
    giving up after a minute called a stored message failed, and it went out again."""
    server.handler.data_delay = 1.0
    assert send(mailbox_for(server.port), a_reply(), timeout=0.3, data_timeout=5) == {}
    assert len(server.handler.received) == 1


def test_4xx_is_temporary_and_5xx_permanent(server: Server) -> None:
    server.handler.data_replies = ["451 4.3.0 try again later", "554 5.7.1 rejected as spam"]
    with pytest.raises(TemporaryFailure, match="451"):
        send(mailbox_for(server.port), a_reply())
    with pytest.raises(PermanentFailure, match=r"554 5\.7\.1 rejected as spam"):
        send(mailbox_for(server.port), a_reply())
    server.handler.refuse_all = "550 5.1.1 no such user"
    with pytest.raises(PermanentFailure, match=r"every recipient refused.*550"):
        send(mailbox_for(server.port), a_reply())
    server.handler.refuse_all = "450 4.2.0 mailbox busy"
    with pytest.raises(TemporaryFailure, match="450"):
        send(mailbox_for(server.port), a_reply())
    assert server.handler.received == []


def test_some_recipients_refused_is_sent_and_says_who(server: Server) -> None:
    server.handler.refused = {"bob@example.com": "550 5.1.1 no such user"}
    refused = send(mailbox_for(server.port), a_reply(cc=["bob@example.com"]))
    assert refused == {"bob@example.com": "550 5.1.1 no such user"}
    assert server.handler.received[0].rcpt_tos == ["ann@example.com"]


def test_clear_text_to_a_remote_host_is_refused() -> None:
    with pytest.raises(PermanentFailure, match="loopback"):
        send(mailbox_for(25, smtp_host="smtp.example.com"), a_reply())


def test_a_mailbox_without_smtp_host_cannot_send() -> None:
    with pytest.raises(PermanentFailure, match="no smtp_host"):
        send(mailbox_for(25, smtp_host=""), a_reply())


# --- TLS (a self-signed certificate for 127.0.0.1, trusted explicitly by the client) ------


@pytest.fixture
def certificate(tls_certificate: tuple[Path, Path]) -> tuple[Path, Path]:
    return tls_certificate


def server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def test_starttls_with_certificate_checks(certificate: tuple[Path, Path]) -> None:
    trusting = ssl.create_default_context(cafile=str(certificate[0]))
    with smtp_server(tls_context=server_context(certificate), require_starttls=True,
                     authenticator=check_password, auth_required=True) as srv:
        box = mailbox_for(srv.port, smtp_security="starttls")
        send(box, a_reply(), ssl_context=trusting)
        assert len(srv.handler.received) == 1
        # the system's trust store does not know this certificate: refused, not ignored
        with pytest.raises(TemporaryFailure, match="certificate check failed"):
            send(box, a_reply())
        assert len(srv.handler.received) == 1


def test_implicit_tls(certificate: tuple[Path, Path]) -> None:
    trusting = ssl.create_default_context(cafile=str(certificate[0]))
    # aiosmtpd only counts STARTTLS as TLS when it decides whether to offer AUTH
    with smtp_server(ssl_context=server_context(certificate), authenticator=check_password,
                     auth_required=True, auth_require_tls=False) as srv:
        send(mailbox_for(srv.port, smtp_security="tls"), a_reply(), ssl_context=trusting)
        assert len(srv.handler.received) == 1


def test_starttls_not_offered_is_permanent(server: Server) -> None:
    with pytest.raises(PermanentFailure, match="STARTTLS"):
        send(mailbox_for(server.port, smtp_security="starttls"), a_reply())
