"""Filing stored raw rows on cases, parsed here or by worker processes: the same messages
either way, a row filed once even with two filers at it, a parse failure kept raw."""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from omnitui.channels.email.imap import CHANNEL, ingest_pending
from omnitui.channels.email.parse import parse_email
from omnitui.channels.webhooks.deliveries import RAW_CHANNEL, parse_delivery
from omnitui.config import Settings
from omnitui.ingest.pending import PARALLEL_FROM, FilingResult, RawItem, file_pending
from omnitui.ingest.pipeline import Automation, Pipeline
from omnitui.ingest.readahead import WINDOW, Helpers, Item, Outcome
from omnitui.services.actions import set_priority
from omnitui.services.intake import intake_pipeline
from omnitui.services.upkeep import Upkeep, finish_due
from omnitui.store.db import Store, db_time, utc_now
from omnitui.store.messages import insert_raw
from tests.conftest import make_email

MAIL = [
    make_email("ana@example.es", subject="Cobro doble",
               body="Hola, me han cobrado dos veces el pedido 4411. ¿Pueden devolverme el "
                    "dinero? Gracias."),
    make_email("bob@example.com", subject="THIRD TIME",
               body="This is the third time I write. Unacceptable. My export is empty.",
               attachment=("export.csv", b"id,total\n")),
    b"From: x@example.com\r\nSubject: no boundary\r\nContent-Type: multipart/mixed\r\n"
    b"Message-ID: <broken-mime@example.com>\r\n\r\n--nothing\r\nhello\r\n",
]


def stored(store: Store, bodies: list[bytes], channel: str = CHANNEL,
           source: str = "support", at: datetime | None = None) -> None:
    """Received now, or `at`."""
    with store.write() as conn:
        for body in bodies:
            insert_raw(conn, channel, source, body, db_time(at or utc_now()), pending=True)


def filed_messages(store: Store) -> list[tuple[object, ...]]:
    return store.conn.execute(
        "SELECT m.subject, m.language, m.sentiment, m.intent, m.irritation,"
        " (SELECT group_concat(a.sha256) FROM attachments a WHERE a.message_id = m.id)"
        " FROM messages m JOIN cases c ON c.id = m.case_id ORDER BY m.raw_id").fetchall()


def in_a_thread(run: functools.partial[FilingResult]) -> FilingResult:
    """Run as the daemon runs its filers: beside other threads (so workers are spawned)."""
    results: list[FilingResult] = []
    worker = threading.Thread(target=lambda: results.append(run()))
    worker.start()
    worker.join(120)
    return results[0]


def test_workers_file_what_this_process_would(tmp_path: Path) -> None:
    here, there = (Store(tmp_path / name / "cases.db") for name in ("here", "there"))
    with here, there:
        for store in (here, there):
            stored(store, MAIL)
        alone = ingest_pending(here, intake_pipeline(here, Settings()), workers=0)
        helped = in_a_thread(functools.partial(
            ingest_pending, there, intake_pipeline(there, Settings()), workers=1))
        assert alone == helped == FilingResult(messages=3, duplicates=0, failed=0)
        assert filed_messages(here) == filed_messages(there)
        languages = [row[1] for row in filed_messages(there)]
        assert languages[:2] == ["es", "en"]
        assert filed_messages(there)[1][4]  # irritated, read by the worker
        assert all(Path(there.attachments_dir).rglob("*"))
        # the bytes stay in the attachment store; their size comes back with the hash
        assert there.conn.execute("SELECT filename, size FROM attachments").fetchall() == [
            ("export.csv", len(b"id,total\n"))]


def test_two_filers_never_file_one_row_twice(tmp_path: Path) -> None:
    """The second filer reads the pending rows while the first is filing them, uncommitted;
    it gets the write lock after the first commits and must skip what is filed by then."""
    db = tmp_path / "cases.db"
    with Store(db) as store:
        stored(store, [make_email(f"c{n}@example.com", subject=f"Question {n}")
                       for n in range(300)])
    filing = threading.Event()
    results: list[FilingResult] = []

    def slow_start(conn: object, event: object, result: object) -> None:
        if not filing.is_set():
            filing.set()
            time.sleep(0.6)  # the first transaction stays open while the other reads

    def filer(automations: list[Automation]) -> None:
        with Store(db) as store:
            pipeline = Pipeline(store, Settings(), automations=automations)
            results.append(ingest_pending(store, pipeline, workers=0))

    first = threading.Thread(target=filer, args=([slow_start],))
    first.start()
    assert filing.wait(60)
    filer([])
    first.join(120)
    assert sum(r.messages for r in results) == 300
    assert sum(r.duplicates for r in results) == 0
    with Store(db) as store:
        assert store.conn.execute("SELECT count(*) FROM messages").fetchone()[0] == 300


def test_a_row_a_worker_cannot_parse_is_kept_raw_with_its_error(store: Store) -> None:
    stored(store, [b'{"text": "hello"}'], channel=RAW_CHANNEL, source="gone-hook")
    settings = Settings()
    filed = in_a_thread(functools.partial(
        file_pending, store, intake_pipeline(store, settings), RAW_CHANNEL,
        functools.partial(parse_delivery, settings), workers=1))
    assert filed == FilingResult(messages=0, duplicates=0, failed=1)
    error, pending, body = store.conn.execute(
        "SELECT ingest_error, pending, body FROM raw_payloads").fetchone()
    assert error.startswith("LookupError: no [[channels]] entry named 'gone-hook'")
    assert (pending, bytes(body)) == (0, b'{"text": "hello"}')


def test_mail_is_parsed_and_read_before_the_write_lock_is_taken(tmp_path: Path) -> None:
    """Parsing and reading (the language model's first load alone takes a second) happened
    inside the filing transaction, so every other writer waited: with 30 consoles starting
    on 2 cores the lock was held 12 s and the webhook receiver answered 503."""
    db = tmp_path / "cases.db"
    probe = sqlite3.connect(db, timeout=0, isolation_level=None)
    lock_held: list[bool] = []

    def parse(item: RawItem) -> list[object]:
        try:
            probe.execute("BEGIN IMMEDIATE")
            probe.execute("ROLLBACK")
            lock_held.append(False)
        except sqlite3.OperationalError:  # "database is locked": the filer holds it
            lock_held.append(True)
        return [parse_email(item.body, source=item.source, received_at=item.received_at)]

    with Store(db) as store:
        stored(store, MAIL[:2])
        filed = file_pending(store, intake_pipeline(store, Settings()), CHANNEL, parse,
                             workers=0)
    assert filed.messages == 2
    assert lock_held == [False, False]


def clocks(store: Store) -> list[tuple[object, ...]]:
    """Each case's first response due time and score breakdown."""
    return store.conn.execute("SELECT sla_first_response_due, priority_parts FROM cases"
                              " ORDER BY id").fetchall()


def marked(store: Store) -> int:
    return store.conn.execute("SELECT count(*) FROM upkeep_due").fetchone()[0]


def test_a_backlog_keeps_its_cases_up_once_it_is_filed(tmp_path: Path) -> None:
    """A backlog (a first sync) is a bulk load: its cases' clocks and scores are worked out
    once, at its end, and none is left waiting for them; the load's worker processes work
    them out as this process would."""
    here, there = (Store(tmp_path / name / "cases.db") for name in ("here", "there"))
    with here, there:
        received = utc_now()  # and filed then: the clocks start the same in both
        backlog = [make_email(f"c{n % 40}@example.com", subject=f"Question {n}",
                              body="This is URGENT, thanks" if n % 7 else "Hello")
                   for n in range(PARALLEL_FROM)]
        for store in (here, there):
            stored(store, backlog, at=received)
        alone = ingest_pending(here, intake_pipeline(here, Settings(), clock=lambda: received),
                               workers=0)
        helped = in_a_thread(functools.partial(
            ingest_pending, there, intake_pipeline(there, Settings(), clock=lambda: received),
            workers=1))
        assert alone == helped and alone.messages == PARALLEL_FROM
        assert marked(here) == marked(there) == 0
        assert len(clocks(here)) >= 40 and all(due and parts for due, parts in clocks(here))
        assert clocks(here) == clocks(there)


def test_the_cases_a_killed_load_left_are_kept_up_by_the_schedulers_pass(store: Store) -> None:
    settings = Settings()
    pipeline = intake_pipeline(store, settings)
    with pytest.raises(KeyboardInterrupt), pipeline.bulk():
        with store.write() as conn, pipeline.batch(conn):
            pipeline.ingest_in(conn, parse_email(MAIL[0], source="support"))
        raise KeyboardInterrupt  # killed after its first batch committed
    assert marked(store) == 1 and clocks(store) == [(None, None)]
    assert finish_due(store, Upkeep(settings)) == 1  # the daemon's scheduler, every tick
    assert marked(store) == 0
    assert all(due and parts for due, parts in clocks(store))


class Meddling(Helpers):
    """A load's helpers, after whose reading of each case an agent sets its priority."""

    def __init__(self, store: Store) -> None:
        super().__init__(1)
        self.store = store

    def read_ahead(self, work: Callable[[list[Item]], list[Outcome]], items: Iterable[Item],
                   *, window: int = WINDOW) -> Iterator[tuple[Item, Outcome]]:
        for item, found in super().read_ahead(work, items, window=window):
            with self.store.write() as conn:
                set_priority(conn, item[0], 99, actor="erin", at=utc_now())
            yield item, found


def test_a_case_an_agent_changed_after_the_helpers_read_it_is_worked_out_again(
        store: Store) -> None:
    """What the helpers found is written only if the case is as they read it: here it would
    have put the computed score back over the agent's."""
    settings = Settings()
    pipeline = intake_pipeline(store, settings)
    with pytest.raises(KeyboardInterrupt), pipeline.bulk():
        with store.write() as conn, pipeline.batch(conn):
            pipeline.ingest_in(conn, parse_email(MAIL[1], source="support"))
        raise KeyboardInterrupt  # a killed load left its case marked
    with Meddling(store) as helpers:
        assert finish_due(store, Upkeep(settings), helpers) == 1
    priority, parts = store.conn.execute("SELECT priority, priority_parts FROM cases"
                                         ).fetchone()
    assert priority == 99 and json.loads(parts) == [["set by erin", 99]]
    assert marked(store) == 0
