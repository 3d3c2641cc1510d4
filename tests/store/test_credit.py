"""Who answered a case first and who solved it, kept on the case (schema 34): the board's
team panel credits each to the agent who did it, not to the case's owner."""

from __future__ import annotations

from omnitui.ingest.pipeline import Pipeline
from omnitui.model import Status
from omnitui.services.desk import Desk
from omnitui.store.db import Store
from omnitui.store.schema import MIGRATION_34, MIGRATIONS
from tests.conftest import as_of_schema, chat_event


def credits(store: Store, case_id: int) -> tuple[str | None, str | None]:
    return store.conn.execute("SELECT first_replier, solved_by FROM cases WHERE id = ?",
                              (case_id,)).fetchone()


def test_the_case_keeps_who_answered_and_who_solved_through_a_reopen(
        store: Store, pipeline: Pipeline) -> None:
    case_id = pipeline.ingest(chat_event("telegram", "1", "my parcel?")).case_id
    assert case_id is not None
    Desk(store, "alice").each([case_id], Desk(store, "alice").assign("alice"))
    assert Desk(store, "alice").write(case_id, "reply", "On its way").done
    Desk(store, "bob").write(case_id, "reply", "Tracking: 123")
    Desk(store, "sam").each([case_id], Desk(store, "sam").status(Status.SOLVED))
    assert credits(store, case_id) == ("alice", "sam")
    pipeline.ingest(chat_event("telegram", "1", "it never came"))  # reopens it
    assert credits(store, case_id) == ("alice", None)
    Desk(store, "bob").each([case_id], Desk(store, "bob").status(Status.SOLVED))
    assert credits(store, case_id) == ("alice", "bob")


def test_a_store_at_schema_33_learns_them_for_the_last_days(store: Store,
                                                            pipeline: Pipeline) -> None:
    case_id = pipeline.ingest(chat_event("telegram", "1", "my parcel?")).case_id
    assert case_id is not None
    Desk(store, "alice").write(case_id, "reply", "On its way")
    Desk(store, "sam").each([case_id], Desk(store, "sam").status(Status.SOLVED))
    as_of_schema(store.conn, MIGRATIONS.index(MIGRATION_34))
    store.close()
    with Store(store.path) as migrated:
        assert credits(migrated, case_id) == ("alice", "sam")
