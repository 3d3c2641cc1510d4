"""Why a config gives a reply no way out, said as the agent starts writing it: no mailbox
that sends, no [[channels]] entry whose platform carries the channel."""

from __future__ import annotations

from dataclasses import replace

from omnitui.channels.senders import unsendable
from omnitui.config import HookChannel, MailboxSettings, Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.store.db import Store

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


def test_on_a_case_the_mailbox_that_received_it_must_send(store: Store,
                                                          pipeline: Pipeline) -> None:
    """A reply leaves from the mailbox the customer wrote to: on a case a receive-only
    mailbox got, the composer and the CLI said nothing (another mailbox sends), and the
    outbox failed the reply."""
    from omnitui.channels.email.parse import parse_email
    from tests.conftest import make_email

    sales = replace(MAILBOX, name="sales", address="sales@example.com",
                    smtp_host="smtp.example")
    settings = Settings(mailboxes=[MAILBOX, sales])
    got = {name: pipeline.ingest(parse_email(make_email(f"ann{name}@example.com"),
                                             source=name)).case_id
           for name in ("support", "sales")}
    assert unsendable(settings, "email") is None  # said of no case: sales sends
    assert unsendable(settings, "email", store, got["support"]) == (
        "mailbox 'support' (support@example.com) received this case but has no smtp_host, "
        "so it cannot send the reply")
    assert unsendable(settings, "email", store, got["sales"]) is None
