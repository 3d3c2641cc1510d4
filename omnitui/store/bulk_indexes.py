"""The indexes only readers use, and the board's tallies, built at the end of a first bulk
load instead of row by row.

A team's first import (their old mailbox) or a first mailbox's backlog fills a store with no
cases yet. Every case then goes into about twenty indexes, most of them the console's orders
and filters and the reports', which the intake itself never reads; and each is kept up again
when the load's end writes every case's score and clocks. SQLite builds an index from the
finished table far faster than it keeps one up a row at a time: on 10,000 messages the load
takes about 0.8 CPU-s less, and rebuilding its indexes 0.1 s (bench/README.md).

The same holds for the tallies the supervisor's board reads (schema.TALLY_TRIGGERS): each
case written ran a query of nine parts to move its counts, and again when the load's end
scored it (0.2 CPU-s of 10,000 messages, a twentieth of the writer); counting them afresh
from the finished cases takes milliseconds. Meanwhile the board shows the load's cases
only when it ends.

So a bulk load that starts on a store without cases drops `DEFERRABLE` and the tally
triggers, keeps each one's definition in `deferred_indexes` (in the same transaction), and
builds them again when it ends, one transaction each (the triggers all in one, with the
counts). Readers see the same rows meanwhile, sorted without an index.
Every bulk load holds a lock on `<store>.load.lock` while it runs, and builds at its end
whatever is deferred. A load killed midway leaves the definitions: the next process to open
the store builds them, or, if a load is running then, that load's end does.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from omnitui.file_lock import beside_store, try_lock
from omnitui.store.db import STORE_ERRORS, Store, expected, write_transaction
from omnitui.store.schema import TALLIES_OF_CASES, TALLY_TRIGGERS

# What no intake statement reads (checked with EXPLAIN QUERY PLAN on an import with a team
# routing, bench/README.md): the queue's other orders and filters, the scheduler's due
# times, the reports' dates. Kept: what threading, identity, routing and the load's end
# read; the ones queries name with INDEXED BY (a missing one would fail the query, not slow
# it); and what a console opening during the load reads first (the queue by priority, the
# queues and channels of its views: no measurable cost to the load).
DEFERRABLE = (
    "cases_active_newest", "cases_active_updated", "cases_active_sla_order",
    "cases_finished_priority", "cases_finished_sla", "cases_finished_updated",
    "cases_irritated", "cases_active_language", "cases_active_intent", "cases_sla_alarm",
    "cases_rescore", "cases_first_responses", "cases_created", "cases_solved",
    "messages_customer", "messages_with_parse_errors", "audit_customer", "audit_actor",
)


@contextmanager
def built_at_the_end(store: Store) -> Iterator[None]:
    """Around a bulk load: on a store with no cases, DEFERRABLE is dropped for the load.
    At its end, also when it fails (what it filed stays, and needs them), the load that
    holds the lock builds whatever is deferred: its own, or what a killed one left."""
    with _load_lock(store.path) as running_alone:
        if running_alone:
            _defer(store.conn)
        try:
            yield
        except BaseException:
            if running_alone:
                _rebuild_quietly(store)  # the load's own error says more
            raise
        if running_alone:
            rebuild(store.conn)


def rebuild_abandoned(store: Store) -> None:
    """Build the indexes a load killed midway left undone (a store's open calls this when
    some are), unless a load is running (it builds them at its end)."""
    with _load_lock(store.path) as no_load:
        if no_load:
            _rebuild_quietly(store)


def _rebuild_quietly(store: Store) -> None:
    """`rebuild`, leaving them to the next open if the machine fails it (a full disk, a
    store this process may only read)."""
    try:
        rebuild(store.conn)
    except STORE_ERRORS as exc:
        if not expected(exc):
            raise


def load_running(path: Path) -> bool:
    """Whether a bulk load is running on the store at `path` (it builds whatever is
    deferred when it ends)."""
    with _load_lock(path) as free:
        return not free


def rebuild(conn: sqlite3.Connection) -> None:
    """Build every deferred index, each in its own transaction, so other writers (consoles)
    wait for one index at a time, never for all of them. (Nothing deferred, the usual
    case: one read, no write lock.)"""
    waiting = "SELECT name, sql FROM deferred_indexes LIMIT 1"
    if conn.execute(waiting).fetchone() is None:
        return
    while True:
        with write_transaction(conn):
            row = conn.execute(waiting).fetchone()
            if row is None:
                return
            if row[0] in TALLY_TRIGGERS:
                _restore_tallies(conn)
            else:
                _restore(conn, *row)


def _restore(conn: sqlite3.Connection, name: str, sql: str) -> None:
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone() is None:
        conn.execute(sql)
    conn.execute("DELETE FROM deferred_indexes WHERE name = ?", (name,))


def _restore_tallies(conn: sqlite3.Connection) -> None:
    """The tally triggers back and the tallies counted from the cases, in one transaction:
    no write falls between the count and the triggers that keep it."""
    marks = ", ".join("?" * len(TALLY_TRIGGERS))
    for name, sql in conn.execute(f"SELECT name, sql FROM deferred_indexes WHERE name IN"
                                  f" ({marks})", TALLY_TRIGGERS).fetchall():
        _restore(conn, name, sql)
    conn.execute("DELETE FROM tallies")
    conn.execute(f"INSERT INTO tallies (name, bucket, key, n) {TALLIES_OF_CASES}")


def _defer(conn: sqlite3.Connection) -> None:
    """Drop DEFERRABLE and the tally triggers if the store has no cases yet, keeping their
    definitions. (Looked at first without the write lock: nearly every load finds cases.)"""
    has_cases = "SELECT 1 FROM cases LIMIT 1"
    if conn.execute(has_cases).fetchone() is not None:
        return
    with write_transaction(conn):
        if conn.execute(has_cases).fetchone() is not None:
            return
        deferred = (*DEFERRABLE, *TALLY_TRIGGERS)
        marks = ", ".join("?" * len(deferred))
        found = conn.execute(f"SELECT type, name, sql FROM sqlite_master WHERE type IN"
                             f" ('index', 'trigger') AND name IN ({marks})", deferred).fetchall()
        for kind, name, sql in found:
            conn.execute("INSERT OR REPLACE INTO deferred_indexes (name, sql) VALUES (?, ?)",
                         (name, sql))
            conn.execute(f"DROP {kind.upper()} {name}")


@contextmanager
def _load_lock(path: Path) -> Iterator[bool]:
    """The lock every bulk load holds while it runs (`<store>.load.lock`); whether this
    process got it (False: a load holds it). A store whose folder this process cannot
    write has no load running (a load there defers without the lock: another process's
    open then builds the indexes early, which is only slower)."""
    try:
        lock = try_lock(beside_store(path, ".load.lock"))
    except OSError:
        yield True
        return
    if lock is None:
        yield False
        return
    with lock:
        yield True
