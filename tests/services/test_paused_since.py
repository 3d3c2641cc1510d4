"""Since when a pending or on-hold case waits (`cases.paused_at`, schema 33): the queue's
pending / on-hold view says how long each has waited from the row it reads. The time is the
moment the case began waiting on what it waits on, whichever way it got there; a store from
before takes it from the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from omnitui.channels.email.parse import parse_email
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Status
from omnitui.services.actions import set_status
from omnitui.services.history import undo
from omnitui.store.db import Store, db_time
from omnitui.store.queries import summaries
from omnitui.store.schema import MIGRATION_33, MIGRATIONS
from tests.conftest import as_of_schema, chat_event, make_email

MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def since(store: Store, case_id: int) -> str | None:
    return summaries(store.conn, [case_id])[case_id].paused_at


def pause(store: Store, case_id: int, status: Status, at: datetime,
          reason: str | None = None) -> None:
    with store.write() as conn:
        set_status(conn, case_id, status, actor="alice", at=at, pause_reason=reason)


def test_a_case_waits_since_it_began_waiting_on_what_it_waits_on(
        store: Store, pipeline: Pipeline) -> None:
    case_id = pipeline.ingest(chat_event("telegram", "1", "Where is my parcel?")).case_id
    assert case_id is not None and since(store, case_id) is None
    pause(store, case_id, Status.PENDING, MONDAY, "waiting on customer")
    assert since(store, case_id) == db_time(MONDAY)
    # on hold, still on the customer: the wait goes on
    pause(store, case_id, Status.ON_HOLD, MONDAY + timedelta(days=1), "waiting on customer")
    assert since(store, case_id) == db_time(MONDAY)
    # now on someone else: a new wait
    pause(store, case_id, Status.ON_HOLD, MONDAY + timedelta(days=2), "the courier")
    assert since(store, case_id) == db_time(MONDAY + timedelta(days=2))
    with store.write() as conn:  # the agent takes it back: the earlier wait stands again
        undo(conn, "alice")
    assert since(store, case_id) == db_time(MONDAY)
    pause(store, case_id, Status.OPEN, MONDAY + timedelta(days=3))
    assert since(store, case_id) is None


def test_the_customers_answer_ends_the_wait(store: Store, pipeline: Pipeline) -> None:
    case_id = pipeline.ingest(chat_event("telegram", "1", "Where is my parcel?")).case_id
    assert case_id is not None
    pause(store, case_id, Status.PENDING, MONDAY, "the order number")
    pipeline.ingest(chat_event("telegram", "1", "It is A-10231, is it coming today?"))
    row = summaries(store.conn, [case_id])[case_id]
    assert (row.status, row.pause_reason, row.paused_at) == (Status.OPEN, None, None)


def test_a_case_opened_waiting_waits_since_it_opened(store: Store, pipeline: Pipeline) -> None:
    """Our own mail, sent outside omnitui, opens a case pending on the answer to it."""
    mail = make_email("support@example.com", subject="Your renewal", date=MONDAY)
    case_id = pipeline.ingest(parse_email(mail.replace(b"To: support@example.com",
                                                       b"To: eve@e.example"),
                                          own=("support@example.com",))).case_id
    assert case_id is not None
    row = summaries(store.conn, [case_id])[case_id]
    assert (row.status, row.pause_reason) == (Status.PENDING, "their answer to our mail")
    assert row.paused_at == row.created_at


def test_a_store_at_schema_32_learns_since_when_from_its_audit_log(tmp_path: Path,
                                                                    pipeline: Pipeline,
                                                                    store: Store) -> None:
    case_id = pipeline.ingest(chat_event("telegram", "1", "Where is my parcel?")).case_id
    other = pipeline.ingest(chat_event("telegram", "2", "Hello?")).case_id
    assert case_id is not None and other is not None
    pause(store, case_id, Status.PENDING, MONDAY, "waiting on customer")
    pause(store, case_id, Status.ON_HOLD, MONDAY + timedelta(days=1), "waiting on customer")
    as_of_schema(store.conn, MIGRATIONS.index(MIGRATION_33))
    store.close()
    with Store(store.path) as migrated:
        assert since(migrated, case_id) == db_time(MONDAY)  # the reason's own row
        assert since(migrated, other) is None  # not waiting on anything
