"""Why a config gives a reply no way out, said as the agent starts writing it: no mailbox
that sends, no [[channels]] entry whose platform carries the channel."""

from __future__ import annotations

from dataclasses import replace

from omnitui.channels.senders import unsendable
from omnitui.config import HookChannel, MailboxSettings, Settings

MAILBOX = MailboxSettings(name="support", address="support@example.com",
                          imap_host="imap.example", username="support")


def test_email_needs_a_mailbox_that_sends() -> None:
    assert unsendable(Settings(), "email") == (
        "no mailbox can send email: set smtp_host on one of the [[mailboxes]] in the config")
    assert unsendable(Settings(mailboxes=[MAILBOX]), "email") is not None  # receives only
    sending = replace(MAILBOX, smtp_host="smtp.example")
    assert unsendable(Settings(mailboxes=[sending]), "email") is None


def test_a_platform_channel_needs_an_entry_that_carries_it() -> None:
    assert unsendable(Settings(), "messenger") == (
        "no [[channels]] entry can send messenger replies (add one of kind meta)")
    telegram = HookChannel("tg", "telegram", secret="s", token="t")
    assert unsendable(Settings(channels=[telegram]), "telegram") is None
    assert unsendable(Settings(channels=[telegram]), "whatsapp") is not None


def test_a_generic_source_may_carry_any_channel_along_its_conversations_route() -> None:
    """Its payload names the channel (whatsapp, sms): the reply goes back by its route."""
    forms = HookChannel("forms", "generic", secret="s")
    assert unsendable(Settings(channels=[forms]), "whatsapp") is None
