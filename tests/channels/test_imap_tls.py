"""IMAP over TLS and STARTTLS against dovecot with a self-signed certificate: certificate
checks are on, so the connection works only when the certificate is trusted."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnitui.channels.email.imap import MailboxError, connect, ingest_pending, sync_folder
from omnitui.config import MailboxSettings, Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.store.db import Store
from tests.conftest import make_email
from tests.imap_servers import ImapServer, dovecot_binary


@pytest.fixture
def tls_dovecot(tls_certificate: tuple[Path, Path]) -> ImapServer:
    if dovecot_binary() is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    server = ImapServer.create("dovecot", tls=tls_certificate)
    server.start()
    yield server
    server.close()


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_sync_over_tls_with_certificate_checks(tls_dovecot: ImapServer, store: Store,
                                               tls_certificate: tuple[Path, Path],
                                               security: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    tls_dovecot.append("INBOX", make_email(subject="Over TLS"))
    mailbox = MailboxSettings(
        name="support", address="support@example.com", imap_host="127.0.0.1",
        imap_port=tls_dovecot.tls_port if security == "tls" else tls_dovecot.port,
        imap_security=security, username=tls_dovecot.username,
        password=tls_dovecot.password)
    with pytest.raises(MailboxError, match=r"CERTIFICATE_VERIFY_FAILED|certificate"):
        connect(mailbox)  # an unknown certificate is refused, never ignored
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_certificate[0]))  # now the system trusts it
    client = connect(mailbox)
    try:
        assert sync_folder(client, store, mailbox, "INBOX").stored == 1
    finally:
        client.logout()
    assert ingest_pending(store, Pipeline(store, Settings())).messages == 1
