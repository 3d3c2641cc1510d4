"""Two omnitui installations whose mailboxes answer each other, both daemons running, over one
real IMAP server and a real SMTP server that delivers into it: a message to one yields one
acknowledgement, marked Auto-Submitted, which the other files and does not answer; then
silence."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from omnitui.store.db import Store
from tests.channels.test_smtp import Recorder, smtp_server
from tests.cli.test_serve import SECRET_ENV, stop
from tests.conftest import ago, make_email, wait_for
from tests.imap_servers import ImapServer

pytestmark = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning")
FOLDERS = {"a@example.com": "INBOX", "b@example.com": "HelpdeskB"}


class Delivering(Recorder):
    """Keeps what it accepts and delivers it into the recipient's folder."""

    def __init__(self, server: ImapServer) -> None:
        super().__init__()
        self.server = server

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        reply = await super().handle_DATA(server, session, envelope)
        for address in envelope.rcpt_tos:
            if address in FOLDERS:
                self.server.append(FOLDERS[address], envelope.original_content)
        return reply


def config(folder: Path, imap: ImapServer, smtp_port: int, address: str) -> Path:
    folder.mkdir()
    path = folder / "omnitui.toml"
    path.write_text(f"""
[acknowledge]
enabled = true

[[mailboxes]]
name = "support"
address = "{address}"
imap_host = "{imap.host}"
imap_port = {imap.port}
imap_security = "none"
username = "{imap.username}"
password_env = "{SECRET_ENV}"
folders = ["{FOLDERS[address]}"]
poll_interval = 5
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
smtp_security = "none"
""")
    return path


def test_two_helpdesks_acknowledge_each_other_once_then_fall_silent(
        imap_server: ImapServer, tmp_path: Path, cli_env: dict[str, str],
        omnitui: Callable[..., object]) -> None:
    def same_login(server: Any, session: Any, envelope: Any, mechanism: str,
                   auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and \
            auth_data.password.decode() == imap_server.password
        return AuthResult(success=ok, handled=False)

    # B's folder, with old mail in it: a first sync acknowledges nothing that old
    imap_server.append("HelpdeskB", make_email("someone@example.com", subject="Last week",
                                               date=ago(days=3)))
    with smtp_server(Delivering(imap_server), authenticator=same_login, auth_required=True,
                     auth_require_tls=False) as smtp:
        daemons, stores = [], {}
        for name, address in (("a", "a@example.com"), ("b", "b@example.com")):
            path = config(tmp_path / name, imap_server, smtp.port, address)
            stores[name] = tmp_path / name / "cases.db"
            omnitui("--config", str(path), "--db", str(stores[name]), "init")
            daemons.append(subprocess.Popen(
                [sys.executable, "-m", "omnitui", "--config", str(path), "--db",
                 str(stores[name]), "serve"],
                env={**cli_env, SECRET_ENV: imap_server.password}, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
        try:
            imap_server.append("INBOX", make_email("b@example.com", name="Helpdesk B",
                                                   subject="A question from B"))

            def acknowledgements(name: str) -> int:
                with Store(stores[name], migrate=False) as store:
                    return store.conn.execute(
                        "SELECT count(*) FROM messages WHERE auto_submitted ="
                        " 'acknowledgement'").fetchone()[0]

            def filed_by_b() -> int:
                with Store(stores["b"], migrate=False) as store:
                    return store.conn.execute(
                        "SELECT count(*) FROM messages WHERE direction = 'in' AND"
                        " auto_submitted LIKE 'auto-submitted%'").fetchone()[0]

            assert wait_for(lambda: len(smtp.handler.received) == 1, 40)
            [sent] = smtp.handler.messages()
            assert sent["From"] == "a@example.com" and sent["To"] == "b@example.com"
            assert sent["Auto-Submitted"] == "auto-replied"
            assert wait_for(lambda: filed_by_b() == 1, 40)  # B has it, as automatic mail
            time.sleep(8)  # B's chance to answer it, and A's to answer that
            assert len(smtp.handler.received) == 1
            assert (acknowledgements("a"), acknowledgements("b")) == (1, 0)
        finally:
            errors = [stop(daemon)[1] for daemon in daemons]
    assert [d.returncode for d in daemons] == [0, 0], errors
