"""The whole email loop through `omnitui serve`: a customer's mail arrives over IMAP, an
agent's reply leaves through the outbox over SMTP with threading headers, the customer's
answer to it lands on the same case, and a late bounce of the reply marks it failed and
opens the case again."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import AuthResult, LoginPassword

from omnitui.model import Draft
from omnitui.services.outbound import queue_draft, start_draft
from omnitui.store.db import Store, utc_now
from tests.channels.test_imap_sync import folder_size
from tests.channels.test_smtp import smtp_server
from tests.cli.test_serve import SECRET_ENV, stop, write_config
from tests.conftest import make_email, wait_for
from tests.imap_servers import ImapServer


def bounce_of(sent: EmailMessage) -> bytes:
    """What a customer's mail server sends back when it gives up on our reply."""
    return "\r\n".join([
        "From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>",
        "To: support@example.com", "Subject: Undelivered Mail Returned to Sender",
        "Message-ID: <late-bounce@mx.customer.example>", "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"', "",
        "--b", "Content-Type: text/plain", "", "Your message could not be delivered.",
        "--b", "Content-Type: message/delivery-status", "",
        "Reporting-MTA: dns; mx.customer.example", "",
        "Final-Recipient: rfc822; ann@example.com", "Action: failed", "Status: 5.1.1",
        "Diagnostic-Code: smtp; 550 5.1.1 mailbox gone", "",
        "--b", "Content-Type: text/rfc822-headers", "",
        f"Message-ID: {sent['Message-ID']}", "To: ann@example.com", "", "--b--", ""]).encode()


def test_mail_in_reply_out_answer_back_on_the_same_case(imap_server: ImapServer,
                                                       tmp_path: Path,
                                                       cli_env: dict[str, str],
                                                       omnitui: Callable[..., object]) -> None:
    def same_login(server: Any, session: Any, envelope: Any, mechanism: str,
                   auth_data: Any) -> AuthResult:  # SMTP uses the IMAP login by default
        ok = isinstance(auth_data, LoginPassword) and \
            auth_data.login.decode() == imap_server.username and \
            auth_data.password.decode() == imap_server.password
        return AuthResult(success=ok, handled=False)

    db = tmp_path / "s.db"
    omnitui("--db", str(db), "init")
    with smtp_server(authenticator=same_login, auth_required=True,
                     auth_require_tls=False) as smtp:
        config = write_config(tmp_path, imap_server, f"""
smtp_host = "127.0.0.1"
smtp_port = {smtp.port}
smtp_security = "none"
sent_folder = "Sent"
""")
        imap_server.append("INBOX", make_email(subject="Printer on fire",
                                               message_id="first@customer.example",
                                               body="Please help."))
        daemon = subprocess.Popen(
            [sys.executable, "-m", "omnitui", "--config", str(config), "--db", str(db),
             "serve"], env={**cli_env, SECRET_ENV: imap_server.password},
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        try:
            with Store(db, migrate=False) as store:
                def case_of(external_id: str) -> int | None:
                    row = store.conn.execute("SELECT case_id FROM messages WHERE"
                                             " external_id = ?", (external_id,)).fetchone()
                    return row[0] if row else None

                assert wait_for(lambda: case_of("first@customer.example") is not None, 30)
                case_id = case_of("first@customer.example")
                draft = start_draft(store.conn, case_id, "reply")
                with store.write() as conn:  # what the console's r, then ctrl+j, does
                    queue_draft(conn, case_id, Draft(**{**draft.__dict__,
                                                        "text": "Unplug it, please."}),
                                author="alice", at=utc_now())
                assert wait_for(lambda: len(smtp.handler.received) == 1, 30)
                [sent] = smtp.handler.messages()
                assert sent["From"] == "support@example.com"
                assert sent["Reply-To"] == "support@example.com"
                assert sent["To"] == "ann@example.com"
                assert f"[#{case_id}]" in sent["Subject"]
                assert sent["In-Reply-To"] == "<first@customer.example>"
                assert sent["Message-ID"].endswith("@example.com>")  # the mailbox's, not
                # the machine's name: the customer's answer below names it
                assert "<first@customer.example>" in sent["References"]
                assert "Unplug it, please." in sent.get_content()
                assert wait_for(lambda: store.conn.execute(
                    "SELECT status FROM outbox").fetchone()[0] == "sent", 10)
                assert wait_for(lambda: folder_size(imap_server, "Sent") == 1, 10)

                answer = EmailMessage()
                answer["From"] = "Ann Lee <ann@example.com>"
                answer["To"] = "support@example.com"
                answer["Subject"] = f"Re: {sent['Subject']}"
                answer["Message-ID"] = "<second@customer.example>"
                answer["In-Reply-To"] = sent["Message-ID"]
                answer["References"] = f"{sent['References']} {sent['Message-ID']}"
                answer.set_content("Done, thanks!")
                imap_server.append("INBOX", answer.as_bytes())
                assert wait_for(lambda: case_of("second@customer.example") is not None, 30)
                assert case_of("second@customer.example") == case_id
                rule = store.conn.execute("SELECT thread_rule FROM messages WHERE external_id"
                                          " = 'second@customer.example'").fetchone()[0]
                assert rule == "email-headers"

                # the customer's server took the reply, and returns it later after all
                omnitui("--db", str(db), "--agent", "alice", "status", str(case_id),
                        "--to", "solved")
                imap_server.append("INBOX", bounce_of(sent))
                assert wait_for(lambda: case_of("late-bounce@mx.customer.example")
                                is not None, 30)
                assert case_of("late-bounce@mx.customer.example") == case_id
                assert store.conn.execute("SELECT status, last_error FROM outbox").fetchone() \
                    == ("failed", "bounced by mx.customer.example: ann@example.com: 550 5.1.1 "
                        "mailbox gone")
                assert store.conn.execute("SELECT status FROM cases WHERE id = ?",
                                          (case_id,)).fetchone()[0] == "open"
        finally:
            _, err = stop(daemon)
    assert daemon.returncode == 0, err
