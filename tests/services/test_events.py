"""Business events: an outage raises the open cases that mention its product and new ones
while it lasts (and acknowledgements say so), a failed payment raises and moves the
customer's cases, other kinds are recorded; each refusal says what is missing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from omnitui.channels.email.parse import parse_email
from omnitui.config import Settings
from omnitui.errors import Refused, UsageError
from omnitui.services.desk import Desk
from omnitui.services.intake import intake_pipeline
from omnitui.store.business_events import of_customer, ongoing
from omnitui.store.db import Store
from tests.conftest import make_email, settings_from

CONFIG = """
[acknowledge]
enabled = true

[[products]]
name = "payments"
keywords = ["payment", "charged twice", "card"]

[[products]]
name = "exports"
keywords = ["export"]
"""
NOW = datetime(2026, 12, 1, 9, 10, tzinfo=UTC)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_from(tmp_path, CONFIG)


def file_mail(store: Store, settings: Settings, sender: str, subject: str, *,
              at: datetime = NOW, live: bool = False) -> int:
    pipeline = intake_pipeline(store, settings, clock=lambda: at, live=live)
    result = pipeline.ingest(parse_email(make_email(sender, subject=subject, body=subject,
                                                    date=at - timedelta(minutes=1))))
    assert result.case_id is not None
    return result.case_id


def severity(store: Store, case_id: int) -> int:
    return store.conn.execute("SELECT severity FROM cases WHERE id = ?",
                              (case_id,)).fetchone()[0]


def test_an_outage_raises_the_cases_that_mention_it_now_and_while_it_lasts(
        store: Store, settings: Settings) -> None:
    card = file_mail(store, settings, "ann@example.com", "My card was charged twice")
    other = file_mail(store, settings, "bob@example.com", "How do I change my name?")
    desk = Desk(store, "erin", settings, clock=lambda: NOW + timedelta(minutes=5))
    result = desk.business_event("outage", product="payments", text="EU cards failing")
    assert result.raised == [card]
    assert (severity(store, card), severity(store, other)) == (2, 0)
    reason = store.conn.execute("SELECT actor, reason FROM audit WHERE case_id = ? AND"
                                " action = 'case.severity'", (card,)).fetchone()
    assert reason == ("omnitui-events",
                      f"severity 0 -> 2: outage of payments (event {result.event_id})")
    parts = json.loads(store.conn.execute("SELECT priority_parts FROM cases WHERE id = ?",
                                          (card,)).fetchone()[0])
    assert any(label.startswith("severity") for label, _ in parts)  # the score follows

    later = NOW + timedelta(minutes=30)
    new = file_mail(store, settings, "cy@example.com", "Payment failed at checkout", at=later,
                    live=True)
    assert severity(store, new) == 2
    [ack] = store.conn.execute("SELECT text FROM messages WHERE case_id = ? AND"
                               " auto_submitted = 'acknowledgement'", (new,)).fetchone()
    assert ack.endswith("We know about a problem with payments since 09:15 UTC and are "
                        "working on it.")
    old = file_mail(store, settings, "old@example.com", "card declined last year",
                    at=later - timedelta(days=300))
    assert severity(store, old) == 0  # an import of old mail is not about this outage

    with pytest.raises(Refused, match="already going on since"):
        desk.business_event("outage", product="payments")
    desk.business_event("outage", product="payments", resolved=True)
    assert ongoing(store.conn) == []
    after = file_mail(store, settings, "dee@example.com", "Payment question",
                      at=later + timedelta(hours=1))
    assert severity(store, after) == 0


def test_the_acknowledgement_says_since_when_in_the_teams_zone_and_day(
        store: Store, tmp_path: Path) -> None:
    """A customer read "since 09:15 UTC" from a team in Berlin, and "since 23:40" of an
    outage two days old."""
    from tests.conftest import office_hours

    settings = settings_from(tmp_path, CONFIG + office_hours())
    desk = Desk(store, "erin", settings, clock=lambda: NOW - timedelta(days=2))
    desk.business_event("outage", product="payments", text="EU cards failing")
    case_id = file_mail(store, settings, "cy@example.com", "Payment failed", live=True)
    [ack] = store.conn.execute("SELECT text FROM messages WHERE case_id = ? AND"
                               " auto_submitted = 'acknowledgement'", (case_id,)).fetchone()
    assert ack.endswith("We know about a problem with payments since 29 November 10:10 "
                        "(Europe/Berlin time) and are working on it.")


def test_a_failed_payment_raises_and_moves_the_customers_cases(store: Store,
                                                              settings: Settings) -> None:
    case_id = file_mail(store, settings, "ann@example.com", "Where is my parcel?")
    customer = store.conn.execute("SELECT customer_id FROM cases WHERE id = ?",
                                  (case_id,)).fetchone()[0]
    desk = Desk(store, "erin", settings, clock=lambda: NOW)
    result = desk.business_event("payment_failed", customer_id=customer, severity=3)
    assert (result.raised, result.moved) == ([case_id], [case_id])
    assert store.conn.execute("SELECT severity, queue FROM cases WHERE id = ?",
                              (case_id,)).fetchone() == (3, "billing")
    desk.business_event("password_reset", customer_id=customer)
    assert [e.kind for e in of_customer(store.conn, customer)] == ["password_reset",
                                                                   "payment_failed"]


def test_a_failed_payment_tells_the_customer_where_it_may(store: Store,
                                                        tmp_path: Path) -> None:
    from dataclasses import replace

    from omnitui.model import Identifier
    from tests.conftest import chat_event

    settings = settings_from(tmp_path, CONFIG + """
[events]
payment_failed_message = "Hi {customer_first_name}, your payment failed (case #{case_id})."
""")
    desk = Desk(store, "erin", settings, clock=lambda: NOW)
    open_case = file_mail(store, settings, "ann@example.com", "Where is my parcel?")
    ann = store.conn.execute("SELECT customer_id FROM cases WHERE id = ?",
                             (open_case,)).fetchone()[0]
    assert desk.business_event("payment_failed", customer_id=ann).told == open_case
    [(text, channel, auto, recipients)] = store.conn.execute(
        "SELECT m.text, m.channel, m.auto_submitted, o.recipients FROM messages m"
        " JOIN outbox o ON o.message_id = m.id").fetchall()
    assert (text, channel, auto) == (f"Hi Ann, your payment failed (case #{open_case}).",
                                     "email", "proactive")
    assert json.loads(recipients)["to"] == ["ann@example.com"]
    again = desk.business_event("payment_failed", customer_id=ann)  # a retry of billing's
    assert again.told is None and again.untold.startswith("not told again: they were told at")
    # a day later, no open case: a new one, waiting for the customer's answer, in billing
    with store.write() as conn:
        conn.execute("UPDATE cases SET status = 'solved' WHERE id = ?", (open_case,))
    told = Desk(store, "erin", settings, clock=lambda: NOW + timedelta(hours=25)
                ).business_event("payment_failed", customer_id=ann).told
    assert told not in (None, open_case)
    assert store.conn.execute("SELECT status, queue, owner, pause_reason FROM cases"
                              " WHERE id = ?", (told,)).fetchone() == (
        "pending", "billing", None, "the customer's answer to the payment notice")
    # WhatsApp, 3 days after they last wrote, no approved template: nothing is sent
    intake_pipeline(store, settings, clock=lambda: NOW - timedelta(days=3)).ingest(replace(
        chat_event("whatsapp", "+4915112345678", "hallo", at=NOW - timedelta(days=3)),
        identifiers=[Identifier("phone", "+4915112345678", verified=True)]))
    bo = store.conn.execute("SELECT max(customer_id) FROM messages").fetchone()[0]
    result = desk.business_event("payment_failed", customer_id=bo)
    assert result.told is None and result.untold.startswith(
        "not told: whatsapp's 24-hour window is closed (the customer last wrote there 3d ago)")
    assert store.conn.execute("SELECT count(*) FROM messages WHERE auto_submitted ="
                              " 'proactive'").fetchone()[0] == 2
    assert store.conn.execute("SELECT reason FROM audit WHERE action = 'customer.untold'"
                              ).fetchone()[0].startswith("payment failed (event 4); not told")


@pytest.mark.parametrize(("kind", "given", "says", "error"), [
    ("outage", {}, "an outage is of a product: give --product", UsageError),
    ("outage", {"product": "paymnts"}, "no product 'paymnts' in the config", UsageError),
    ("outage", {"product": "payments", "customer_id": 1},
     "an outage is of a product, not a customer: leave out --customer", UsageError),
    ("outage", {"product": "payments", "resolved": True}, "no outage of payments", Refused),
    ("payment_failed", {}, "is about a customer", UsageError),
    ("password_reset", {"customer_id": 1, "resolved": True}, "--resolved ends an outage",
     UsageError),
    ("Password Reset", {"customer_id": 1}, "is not an event kind", UsageError),
    ("payment_faild", {"customer_id": 1}, "is not 'payment_failed': did you mean it?",
     UsageError),
])
def test_a_wrong_event_is_refused_saying_why(store: Store, settings: Settings, kind: str,
                                             given: dict, says: str,
                                             error: type[Exception]) -> None:
    """A wrong asking is a usage error (exit 2), what the state forbids a refusal (1)."""
    with pytest.raises(error, match=says):
        Desk(store, "erin", settings).business_event(kind, **given)
