"""The demo store tells a believable story: its team keeps up with its customers."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from omnitui.config import Settings
from omnitui.demo import build_demo
from omnitui.demo_team import with_demo_team
from omnitui.metrics.board import read_board
from omnitui.metrics.funnel import report
from omnitui.services.routing import Router
from omnitui.store.audit import actions_of, last_undoable
from omnitui.store.db import Store, db_time
from tests.conftest import demo_story_end


def test_the_demo_team_answers_follow_ups_and_keeps_its_queue_short(tmp_path: Path) -> None:
    """Thirty days of a team that answered only a case's first message left most cases open
    and late by days (the queue one breach toast after another); a team that answers every
    message, and solves what waits on a silent customer, ends with most cases solved and
    few late."""
    end = demo_story_end()
    with Store(tmp_path / "demo.db") as store:
        build_demo(store, Settings(), customers=400, messages=2000, end=end)
    conn = sqlite3.connect(tmp_path / "demo.db")
    counts = dict(conn.execute("SELECT status, count(*) FROM cases GROUP BY status"))
    assert counts["solved"] > 0.7 * sum(counts.values())
    waiting = conn.execute("SELECT count(*), count(*) FILTER (WHERE sla_due < ?) FROM cases"
                           " WHERE status IN ('new', 'open')", (db_time(end),)).fetchone()
    assert waiting[0] and waiting[1] < waiting[0] / 2
    # pending and on-hold cases do not wait forever: none paused for over ten days
    assert not conn.execute(
        "SELECT count(*) FROM cases WHERE status IN ('pending', 'on_hold') AND updated_at < ?",
        (db_time(end - timedelta(days=10)),)).fetchone()[0]


def test_u_as_a_demo_agent_takes_back_one_action(tmp_path: Path) -> None:
    """The demo writes its story in a few big transactions, and every audit event of one
    shared its undo: `u` as farid offered to undo five days of his work on 215 cases."""
    with Store(tmp_path / "demo.db") as store:
        build_demo(store, Settings(), customers=80, messages=300, days=3,
                   end=demo_story_end())
        for agent in ("alice", "farid"):
            pending = actions_of(store.conn, last_undoable(store.conn, agent))
            assert len({case_id for _, case_id, _ in pending}) == 1, agent


def test_the_demo_asks_how_it_went_and_customers_answer(tmp_path: Path) -> None:
    """The demo sent no satisfaction survey: the report's CSAT column and the board's
    satisfaction read "-" everywhere. Its team now asks on solved cases (services/csat.py),
    the surveys go out, and some customers answer through the pipeline, their cases left
    solved: both show real scores, per agent too."""
    end = demo_story_end()
    with Store(tmp_path / "demo.db") as store:
        build_demo(store, Settings(), customers=400, messages=2000, end=end)
        team = with_demo_team(Settings())
        found = report(store.conn, team, end - timedelta(days=30), end, end, by="agent")
        assert found.total.csat.count > 20 and 3 <= (found.total.csat.mean or 0) <= 4.6
        assert 0 < found.total.satisfied.part < found.total.satisfied.whole
        assert sum(group.csat.count > 0 for group in found.groups) >= 4  # the agents'
        answers, mean, _ = read_board(store.conn, team, Router(team), end).csat
        assert answers > 0 and mean is not None
    conn = sqlite3.connect(tmp_path / "demo.db")
    assert not conn.execute("SELECT count(*) FROM outbox WHERE status != 'sent'").fetchone()[0]
    # the answer is on the case, which it did not reopen
    assert not conn.execute(
        "SELECT count(*) FROM csat s JOIN cases c ON c.id = s.case_id WHERE s.score IS NOT"
        " NULL AND c.status NOT IN ('solved', 'closed') AND c.reopens = 0").fetchone()[0]
    assert conn.execute("SELECT count(*) FROM csat s JOIN messages m ON m.case_id = s.case_id"
                        " AND m.direction = 'in' AND m.text = s.answer").fetchone()[0] \
        == conn.execute("SELECT count(score) FROM csat").fetchone()[0]
