"""A first bulk load builds the readers' indexes at its end: every index is back, the same,
however the load ends, and one left undone by a killed load is built by the next open."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from omnitui.config import Settings
from omnitui.doctor import run_checks
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import InboundEvent
from omnitui.store import bulk_indexes
from omnitui.store.bulk_indexes import DEFERRABLE, built_at_the_end
from omnitui.store.db import Store
from omnitui.store.schema import TALLIES_OF_CASES, TALLY_TRIGGERS


def indexes(store: Store) -> dict[str, str]:
    return dict(store.conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"))


def triggers(store: Store) -> dict[str, str]:
    return dict(store.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"))


def tallies(store: Store) -> set[tuple[str, str, str, int]]:
    return set(store.conn.execute("SELECT name, bucket, key, n FROM tallies WHERE n != 0"))


def cases(store: Store) -> list[int]:
    return [r[0] for r in store.conn.execute(
        "SELECT id FROM cases WHERE status IN ('new','open') ORDER BY priority DESC, id DESC")]


def test_a_first_load_files_without_the_readers_indexes_and_builds_them_at_its_end(
        store: Store, pipeline: Pipeline, email_event: Callable[..., InboundEvent]) -> None:
    fresh, fresh_triggers = indexes(store), triggers(store)
    assert set(DEFERRABLE) <= set(fresh)  # each name is a real index of today's schema
    assert set(TALLY_TRIGGERS) <= set(fresh_triggers)
    with pipeline.bulk():
        away = indexes(store)
        assert set(away) == set(fresh) - set(DEFERRABLE)
        assert set(triggers(store)) == set(fresh_triggers) - set(TALLY_TRIGGERS)
        # what a console opening meanwhile reads first, and what queries name INDEXED BY
        assert {"cases_active_priority", "cases_active_queue", "cases_active_channel",
                "cases_waiting", "cases_active_age"} <= set(away)
        for n in range(3):
            list(pipeline.ingest_many([email_event(f"c{n}@example.com", subject=f"Q {n}")]))
        [check] = [c for c in run_checks(Settings(), store.path) if c.name == "indexes"]
        assert check.ok and check.detail == (
            f"a first import or backlog is filing: {len(DEFERRABLE)} indexes of the "
            "console's views and the board's counts are built when it ends")
        other = Store(store.path)  # a console opening meanwhile: the load is running
        assert set(indexes(other)) == set(away)
        assert len(cases(other)) == 3  # the same rows, sorted without the index
        other.close()
    assert indexes(store) == fresh and triggers(store) == fresh_triggers
    assert store.conn.execute("SELECT count(*) FROM deferred_indexes").fetchone()[0] == 0
    # the board's counts, made at the end, are what the triggers would have kept
    assert tallies(store) == set(store.conn.execute(TALLIES_OF_CASES))
    assert sum(n for name, _, _, n in tallies(store) if name == "opened") == 3
    with store.write() as conn:  # and the triggers keep them again
        conn.execute("UPDATE cases SET status = 'solved', solved_at = created_at")
    assert tallies(store) == set(store.conn.execute(TALLIES_OF_CASES))


def test_a_load_on_a_store_with_cases_keeps_every_index(
        store: Store, pipeline: Pipeline, email_event: Callable[..., InboundEvent]) -> None:
    pipeline.ingest(email_event("first@example.com"))
    fresh = indexes(store)
    with pipeline.bulk():
        assert indexes(store) == fresh
        list(pipeline.ingest_many([email_event("second@example.com")]))


def test_a_load_that_fails_builds_them_and_keeps_its_error(store: Store) -> None:
    fresh = indexes(store)
    with pytest.raises(RuntimeError, match="disk"), built_at_the_end(store):
        assert set(indexes(store)) == set(fresh) - set(DEFERRABLE)
        raise RuntimeError("disk")
    assert indexes(store) == fresh


def test_indexes_a_killed_load_left_undone_are_built_when_the_store_opens(
        tmp_path: Path) -> None:
    """(`omnitui import` killed with SIGKILL: tests/cli/test_import.py.)"""
    path = tmp_path / "cases.db"
    with Store(path) as store:
        fresh = indexes(store)
        bulk_indexes._defer(store.conn)  # the load's start, and no end: killed
        assert set(indexes(store)) == set(fresh) - set(DEFERRABLE)
    with Store(path) as reopened:
        assert indexes(reopened) == fresh
        assert reopened.conn.execute("SELECT count(*) FROM deferred_indexes").fetchone() == (0,)


def test_a_load_builds_at_its_end_what_a_killed_one_left(
        store: Store, pipeline: Pipeline, email_event: Callable[..., InboundEvent]) -> None:
    fresh = indexes(store)
    bulk_indexes._defer(store.conn)  # a first load's start; it was killed...
    pipeline.ingest(email_event("first@example.com"))  # ...after filing a case
    with pipeline.bulk():  # the next load finds cases: it defers nothing itself
        other = Store(store.path)  # an open meanwhile leaves them to the running load
        assert set(indexes(other)) == set(fresh) - set(DEFERRABLE)
        other.close()
        list(pipeline.ingest_many([email_event("second@example.com")]))
    assert indexes(store) == fresh
    # the case filed while the killed load had the tally triggers away is counted
    assert sum(n for name, _, _, n in tallies(store) if name == "opened") == 2


def test_an_open_through_a_link_to_the_store_leaves_the_indexes_to_the_running_load(
        store: Store, pipeline: Pipeline, email_event: Callable[..., InboundEvent],
        tmp_path: Path) -> None:
    """A console (or `omnitui doctor`) given a link to the store looked for the load's lock
    beside the link, found it free, and built the indexes in the middle of the load."""
    fresh = indexes(store)
    bulk_indexes._defer(store.conn)
    pipeline.ingest(email_event("first@example.com"))
    link = tmp_path / "elsewhere.db"
    link.symlink_to(store.path)
    with pipeline.bulk():
        other = Store(link)
        assert set(indexes(other)) == set(fresh) - set(DEFERRABLE)
        other.close()
    assert indexes(store) == fresh
