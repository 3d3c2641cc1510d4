"""Every queue order shows every case of its view: the SLA order puts cases without a due time
(pending, on hold) last instead of hiding them, and an index serves it without a sort."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

import pytest

from omnitui.config import Settings
from omnitui.demo import build_demo
from omnitui.filters import Vocabulary, parse
from omnitui.store import queries
from omnitui.store.agents import deactivate
from omnitui.store.db import Store
from omnitui.store.queries import (
    SORTS,
    CaseQuery,
    count_cases,
    distinct_values,
    known_agents,
    list_cases,
    queue_ids,
)
from omnitui.store.schema import ACTIVE
from tests.conftest import demo_story_end

ORDERS = ("priority", "sla", "newest", "updated")  # the orders people pick (`s`, --sort)
EVERY_STATUS = ("new", "open", "pending", "on_hold", "solved", "closed")


@pytest.fixture
def demo(store: Store) -> Store:
    build_demo(store, Settings(), customers=120, messages=600, days=3,  # a busy queue
               end=demo_story_end())
    return store


def count(store: Store, sql: str) -> int:
    return store.conn.execute(sql).fetchone()[0]


@pytest.mark.parametrize("statuses", [None, EVERY_STATUS, ("pending", "on_hold"), ("solved",),
                                      ("solved", "closed")])
def test_every_order_shows_every_case_of_the_view(demo: Store,
                                                  statuses: tuple[str, ...] | None) -> None:
    assert count(demo, "SELECT count(*) FROM cases WHERE status IN ('pending', 'on_hold')"
                       " AND sla_due IS NULL") > 0  # the cases the SLA order used to hide
    shown = {sort: list(queue_ids(demo.conn, CaseQuery(statuses=statuses, sort=sort)))
             for sort in ORDERS}
    expected = sorted(shown["newest"])
    assert expected
    for sort, ids in shown.items():
        assert sorted(ids) == expected, sort
        assert len(list_cases(demo.conn, CaseQuery(statuses=statuses, sort=sort,
                                                   limit=100_000))) == len(expected), sort


def test_sla_order_puts_cases_without_a_due_time_last_and_pages_through_them(
        demo: Store) -> None:
    query = CaseQuery(statuses=EVERY_STATUS, sort="sla", limit=7)
    ids = list(queue_ids(demo.conn, query))
    due = dict(demo.conn.execute("SELECT id, sla_due FROM cases"))
    dated = [i for i in ids if due[i] is not None]
    assert 0 < len(dated) < len(ids)
    assert ids[:len(dated)] == dated  # every dated case first...
    assert [due[i] for i in dated] == sorted(due[i] for i in dated)  # ...soonest first
    assert ids[len(dated):] == sorted(ids[len(dated):])  # then the rest, by id
    paged: list[int] = []
    after = None
    while page := list_cases(demo.conn, query, after=after):
        paged += [c.id for c in page]
        after = (page[-1].sla_due, page[-1].id)  # None once past the dated cases
    assert paged == ids


class Recorder:
    """Stands in for the connection to keep every statement the queries send, with its
    parameters, so its plan is the one SQLite really uses."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.sent: list[tuple[str, tuple[object, ...]]] = []
        self.row_factory: object = None

    def cursor(self) -> Recorder:
        """A cursor of its own: rows read by name set its row factory."""
        return self

    def execute(self, sql: str, params: Sequence[object] = ()) -> sqlite3.Cursor:
        self.sent.append((sql, tuple(params)))
        cur = self.conn.cursor()
        cur.row_factory = self.row_factory  # type: ignore[assignment]
        return cur.execute(sql, params)

    def plans(self, sent: slice = slice(None)) -> list[str]:
        return [row[3] for sql, params in self.sent[sent]
                for row in self.conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


@pytest.mark.parametrize("query", [CaseQuery(sort="sla"),
                                   CaseQuery(sort="sla", due_before="2100-01-01 00:00:00")],
                         ids=["view", "at-risk"])
def test_the_sla_order_is_served_by_its_index_without_a_sort(demo: Store,
                                                             query: CaseQuery) -> None:
    first = list_cases(demo.conn, query)
    recorder = Recorder(demo.conn)
    list_cases(recorder, query)  # type: ignore[arg-type]
    list_cases(recorder, query, after=(first[-1].sla_due, first[-1].id))  # type: ignore[arg-type]
    queue_ids(recorder, query)  # type: ignore[arg-type]
    steps = recorder.plans()
    assert any("cases_active_sla_order" in step for step in steps), steps
    assert not any("TEMP B-TREE" in step for step in steps), steps


@pytest.mark.parametrize("sort", ["priority", "newest"])
def test_a_view_of_some_open_statuses_is_served_by_an_open_cases_index(
        demo: Store, sort: str) -> None:
    """`omnitui cases --status new --owner none` took 0.3 s at a million cases: SQLite did
    not see that `status IN ('new')` lies within the indexes' `WHERE status IN (...)`."""
    query = CaseQuery(statuses=("new",), unassigned=True, sort=sort)
    recorder = Recorder(demo.conn)
    rows = list_cases(recorder, query)  # type: ignore[arg-type]
    assert rows and {r.status for r in rows} == {"new"} and {r.owner for r in rows} == {None}
    steps = recorder.plans(slice(-1, None))  # the page (after any count of a value)
    assert "USING INDEX cases_active_" in steps[0], steps
    assert not any(step.startswith("SCAN c") for step in steps), steps


@pytest.mark.parametrize("sort", ["priority", "sla", "updated"])  # (newest: the table's order)
def test_a_page_of_solved_cases_comes_off_their_own_index_in_every_order(demo: Store,
                                                                  sort: str) -> None:
    """`status:solved` by priority, SLA or last activity sorted every solved case for each
    page, on each keystroke of the search box (0.2-0.9 s at 236,000 solved cases)."""
    query = CaseQuery(statuses=("solved",), sort=sort, limit=10)
    recorder = Recorder(demo.conn)
    rows = list_cases(recorder, query)  # type: ignore[arg-type]
    every = list(queue_ids(recorder, query))  # type: ignore[arg-type]
    assert len(every) > query.limit and {r.status for r in rows} == {"solved"}
    assert [r.id for r in rows] == every[:query.limit]
    steps = recorder.plans()
    assert not any("TEMP B-TREE" in step for step in steps), steps
    assert any(f"cases_finished_{sort}" in step for step in steps), steps


@pytest.mark.parametrize("sort", ["priority", "sla", "newest", "updated"])
def test_irritated_cases_are_found_through_their_own_index_in_every_order(
        demo: Store, sort: str) -> None:
    """`is:irritated` scanned every open case at a million (0.7 s warm, 8 s cold)."""
    recorder = Recorder(demo.conn)
    rows = list_cases(recorder, CaseQuery(irritated=True, sort=sort))  # type: ignore[arg-type]
    assert rows and all(r.irritation for r in rows)
    steps = recorder.plans()
    assert any("cases_irritated" in step for step in steps), steps
    assert not any(step.startswith("SCAN c ") or step == "SCAN c" for step in steps), steps


@pytest.mark.parametrize("sort", ["sla", "newest", "updated"])
def test_a_page_of_a_common_value_in_another_order_is_read_off_the_orders_index(
        demo: Store, sort: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """`lang:en` by SLA sorted every open English case for each page, on every keystroke of
    the search box (0.2 s at 30k open cases); a rare value still comes from its own index,
    where reading the order's would go through every open case to fill a page."""
    language, held = demo.conn.execute(
        f"SELECT language, count(*) FROM cases WHERE status IN {ACTIVE} AND language IS NOT"
        " NULL GROUP BY 1 ORDER BY 2 DESC").fetchone()
    query = CaseQuery(language=language, sort=sort, limit=10)
    assert held > query.limit
    for common_from, index in ((held, SORTS_INDEX[sort]), (held + 1, "cases_active_language")):
        monkeypatch.setattr(queries, "COMMON_VALUE", common_from)
        recorder = Recorder(demo.conn)
        rows = list_cases(recorder, query)  # type: ignore[arg-type]
        assert [r.id for r in rows] == list(queue_ids(demo.conn, query))[:query.limit]
        assert {r.language for r in rows} == {language}
        page = recorder.plans(slice(-1, None))  # the page, after the count of the value
        assert index in page[0], page
        if common_from == held:
            assert not any("TEMP B-TREE" in step for step in page), page


SORTS_INDEX = {"sla": "cases_active_sla_order", "newest": "cases_active_newest",
               "updated": "cases_active_updated"}


@pytest.mark.parametrize("sort", ["priority", "sla", "newest", "updated"])
def test_a_customers_address_finds_their_cases_through_the_identity_and_case_indexes(
        demo: Store, sort: str) -> None:
    """An address searched finds its identity by (kind, value), then the customer's cases
    by theirs: a full scan costs seconds at a million cases, on each keystroke."""
    customer, email = demo.conn.execute(
        "SELECT customer_id, value FROM identities WHERE kind = 'email' ORDER BY id LIMIT 1"
    ).fetchone()
    for typed in (email, f"{email} refund"):
        meaning = parse(typed, Vocabulary())
        query = CaseQuery(statuses=EVERY_STATUS, sort=sort, search=" ".join(meaning.words),
                          **meaning.changes)  # type: ignore[arg-type]
        recorder = Recorder(demo.conn)
        rows = list_cases(recorder, query)  # type: ignore[arg-type]
        count_cases(recorder, query)  # type: ignore[arg-type]
        steps = recorder.plans()
        if typed == email:  # its cases, through their own index
            assert rows and {r.customer_id for r in rows} == {customer}
            assert any("SEARCH cases USING COVERING INDEX cases_customer (customer_id=?)"
                       in step for step in steps), steps
        assert any("identities USING INDEX sqlite_autoindex_identities_1 (kind=? AND value=?)"
                   in step for step in steps), steps
        assert not any(step.startswith(("SCAN c ", "SCAN cases")) or step == "SCAN c"
                       for step in steps), steps


def test_the_sla_index_is_on_the_key_the_queries_use(store: Store) -> None:
    indexes = {name: sql for name, sql in store.conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases'")}
    assert "cases_active_sla" not in indexes  # replaced: it served dated cases only
    assert SORTS["sla"].key.replace("c.", "") in indexes["cases_active_sla_order"]


def test_an_older_store_gets_the_new_index_when_opened(tmp_path) -> None:
    from omnitui.store.schema import MIGRATIONS

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:4], start=1):
        conn.executescript(script)
        conn.execute(f"PRAGMA user_version = {number}")
    conn.close()
    with Store(path) as store:
        names = {r[0] for r in store.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "cases_active_sla_order" in names and "cases_active_sla" not in names


@pytest.mark.parametrize("column", ["queue", "channel", "owner"])
def test_the_queues_channels_and_owners_of_open_cases_come_from_seeks_in_their_index(
        demo: Store, column: str) -> None:
    """The owners too: the agents filters and the assign picker may name (known_agents)
    took a DISTINCT over every case, 0.4 s at a million (3.5 s cold) each time the
    console's search box opened."""
    expected = [r[0] for r in demo.conn.execute(
        f"SELECT DISTINCT {column} FROM cases WHERE status IN {ACTIVE}"
        f" AND {column} IS NOT NULL ORDER BY 1")]
    recorder = Recorder(demo.conn)
    assert distinct_values(recorder, column) == expected  # type: ignore[arg-type]
    assert len(expected) >= 2 if column == "channel" else expected
    steps = recorder.plans()
    assert any(f"SEARCH cases USING INDEX cases_active_{column} ({column}>?)" in step
               for step in steps), steps


def test_an_agent_off_the_team_is_named_by_filters_not_offered_cases(demo: Store) -> None:
    team = known_agents(demo.conn)
    leaving = team[0]
    with demo.write() as conn:
        conn.execute("UPDATE cases SET owner = NULL WHERE owner = ? AND status IN"
                     f" {ACTIVE}", (leaving,))
        deactivate(conn, leaving)
    assert leaving not in known_agents(demo.conn)  # the assign picker's
    assert leaving in known_agents(demo.conn, former=True)  # the search box's
