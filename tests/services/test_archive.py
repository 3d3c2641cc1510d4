"""An import's old conversations solved as history, with the load's parser processes and
without them (a one-core machine): the same cases, clocks stopped, nothing left marked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from omnitui.channels.email.sources import MailFile
from omnitui.config import Settings
from omnitui.importer import import_mail
from omnitui.metrics.funnel import report
from omnitui.store.db import Store, db_time
from omnitui.store.schema import MIGRATION_30, MIGRATIONS
from tests.conftest import as_of_schema, make_email

SPRING = datetime(2025, 4, 2, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("workers", [0, 2])
def test_an_import_solves_its_quiet_conversations_as_history(store: Store,
                                                             workers: int) -> None:
    mail = [("old", make_email("old@example.com", subject="Invoice", message_id="o1@x",
                               date=SPRING)),
            ("old", make_email("old@example.com", subject="Re: Invoice", message_id="o2@x",
                               in_reply_to="o1@x", date=SPRING + timedelta(days=3))),
            ("new", make_email("new@example.com", subject="Login", message_id="n1@x")),
            # an old conversation the customer took up again today: work, due from now
            ("old", make_email("back@example.com", subject="Export", message_id="b1@x",
                               date=SPRING)),
            ("new", make_email("back@example.com", subject="Re: Export", message_id="b2@x",
                               in_reply_to="b1@x"))]
    counts = import_mail(store, Settings(), (MailFile(*m) for m in mail), workers=workers,
                         history_before=datetime.now(UTC) - timedelta(days=30))
    assert counts["history"] == 1
    rows = dict(store.conn.execute("SELECT subject, status || ' ' || coalesce(solved_at, '-')"
                                   " || ' ' || coalesce(sla_due, '-') FROM cases"))
    assert rows == {"Invoice": "solved 2025-04-05 09:30:00 -", "Login": rows["Login"],
                    "Export": rows["Export"]}
    assert rows["Login"].startswith("new - ") and rows["Export"].startswith("new - ")
    due = store.conn.execute("SELECT sla_due FROM cases WHERE subject = 'Export'").fetchone()
    assert due[0] > db_time(datetime.now(UTC))  # not "late 87w" at once
    assert store.conn.execute("SELECT count(*) FROM upkeep_due").fetchone() == (0,)


def test_a_store_from_before_schema_30_keeps_its_history_out_of_the_reports(
        tmp_path: Path) -> None:
    """Cases filed as history by a store at schema 29 said so in their audit row alone: the
    migration marks them, so the reports leave them out there too."""
    path = tmp_path / "old.db"
    with Store(path) as store:
        mail = [("old", make_email("old@example.com", subject="Invoice", message_id="o1@x",
                                   date=SPRING)),
                ("new", make_email("new@example.com", subject="Login", message_id="n1@x"))]
        import_mail(store, Settings(), (MailFile(*m) for m in mail), workers=0,
                    history_before=datetime(2026, 11, 6, 8, 0, tzinfo=UTC))
        as_of_schema(store.conn, MIGRATIONS.index(MIGRATION_30))
    with Store(path) as store:
        marked = dict(store.conn.execute("SELECT subject, history_before FROM cases"))
        found = report(store.conn, Settings(), SPRING - timedelta(days=1),
                       SPRING + timedelta(days=1), datetime.now(UTC))
    assert marked == {"Invoice": "2026-11-06 00:00:00", "Login": None}
    assert (found.total.opened, found.total.history) == (1, 1)
