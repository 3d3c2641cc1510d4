"""Which cases wait for an answer (the console's `]`, `queries.awaiting_reply`): a customer's
message that asks something and no answer of ours since. An automatic acknowledgement is no
answer, a thank-you after our answer asks nothing, and the order mail is filed in does not
matter; a store from before (schema 30) is brought to the same reading."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from omnitui.channels.email.parse import parse_email
from omnitui.config import Settings
from omnitui.services.desk import Desk
from omnitui.services.intake import intake_pipeline
from omnitui.store.db import Store
from omnitui.store.queries import awaiting_reply
from omnitui.store.schema import MIGRATION_31, MIGRATIONS
from tests.conftest import as_of_schema, make_email, settings_from

NOON = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # a Monday


def mail(store: Store, settings: Settings, at: datetime, text: str, **kwargs: object) -> int:
    pipeline = intake_pipeline(store, settings, clock=lambda: at, live=True)
    found = pipeline.ingest(parse_email(make_email(
        "ann@example.com", body=text, date=at, **kwargs)))  # type: ignore[arg-type]
    assert found.case_id is not None
    return found.case_id


def answer(store: Store, settings: Settings, case_id: int, at: datetime) -> None:
    desk = Desk(store, "erin", settings, clock=lambda: at)
    desk.write(case_id, "reply", "Here is what to do.")


def test_an_acknowledgement_answers_nothing(store: Store, tmp_path: Path) -> None:
    """The mail was written a minute before it reached us; the acknowledgement goes out on
    arrival, after it: the customer still waits for a person."""
    settings = settings_from(tmp_path, '[acknowledge]\nenabled = true\nwindow = "24h"\n')
    pipeline = intake_pipeline(store, settings, clock=lambda: NOON, live=True)
    case_id = pipeline.ingest(parse_email(make_email(
        "ann@example.com", body="Where is my order?", date=NOON - timedelta(minutes=1)))
    ).case_id
    assert case_id is not None
    assert store.conn.execute("SELECT count(*) FROM messages WHERE direction = 'out' AND"
                              " auto_submitted = 'acknowledgement'").fetchone() == (1,)
    assert awaiting_reply(store.conn, [case_id]) == {case_id}
    answer(store, settings, case_id, NOON + timedelta(hours=1))
    assert awaiting_reply(store.conn, [case_id]) == set()


def test_the_order_mail_is_filed_in_does_not_matter(store: Store) -> None:
    """A question at 12:00, our answer at 13:00, a thank-you at 15:00, and a second
    question written at 14:00 that reaches us last: that question waits."""
    settings = Settings()
    case_id = mail(store, settings, NOON, "Where is my order?", message_id="q1@x")
    answer(store, settings, case_id, NOON + timedelta(hours=1))
    mail(store, settings, NOON + timedelta(hours=3), "Thanks, that worked!",
         subject="Re: Help", in_reply_to="q1@x")
    assert awaiting_reply(store.conn, [case_id]) == set()
    mail(store, settings, NOON + timedelta(hours=2), "And where is the invoice?",
         subject="Re: Help", in_reply_to="q1@x")
    assert awaiting_reply(store.conn, [case_id]) == {case_id}


def test_a_store_at_schema_30_reads_waiting_the_same(tmp_path: Path) -> None:
    settings, path = Settings(), tmp_path / "old.db"
    with Store(path) as old:
        case_id = mail(old, settings, NOON, "Where is my order?", message_id="q1@x")
        answer(old, settings, case_id, NOON + timedelta(hours=1))
        mail(old, settings, NOON + timedelta(hours=3), "Thanks, that worked!",
             subject="Re: Help", in_reply_to="q1@x")
        # as schema 30 kept it: the thank-you was the latest inbound message
        old.conn.execute("UPDATE cases SET last_inbound_at = ? WHERE id = ?",
                         ("2026-11-30 15:00:00", case_id))
        as_of_schema(old.conn, MIGRATIONS.index(MIGRATION_31))
    with Store(path) as migrated:
        assert migrated.conn.execute(
            "SELECT last_inbound_at, last_answered_at FROM cases WHERE id = ?", (case_id,)
        ).fetchone() == ("2026-11-30 12:00:00", "2026-11-30 13:00:00")
        assert awaiting_reply(migrated.conn, [case_id]) == set()
