"""Fixtures for the email channel's tests: real IMAP servers on loopback (tests/imap_servers.py)."""

from tests.imap_servers import (
    dovecot_server,
    gmail_server,
    imap_server,
    pymap_server,
    xoauth2_server,
)

__all__ = ["dovecot_server", "gmail_server", "imap_server", "pymap_server", "xoauth2_server"]
