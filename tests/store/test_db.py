"""The store file: mode, pragmas, migrations, refusal of newer files, write transactions."""

from __future__ import annotations

import logging
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from omnitui.store import db
from omnitui.store.db import Store, StoreError, set_busy_timeout
from omnitui.store.schema import SCHEMA_VERSION


def test_new_store_is_private_wal_and_current(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cases.db"
    with Store(path) as store:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        with store.write() as conn:
            conn.execute("INSERT INTO agents (name, created_at) VALUES ('a', 'now')")
        for suffix in ("-wal", "-shm"):
            assert stat.S_IMODE(Path(f"{path}{suffix}").stat().st_mode) == 0o600


def test_durable_connections_sync_every_commit(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db", durable=True) as durable, \
            Store(tmp_path / "a.db") as console:
        assert durable.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert console.conn.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL


def test_documented_names_exist(store: Store) -> None:
    from omnitui.store.health import missing_stable_names

    assert missing_stable_names(store.conn) == []
    assert {"raw_payloads", "agents", "channel_cursors"} <= set(store.db.table_names())
    store.conn.execute("ALTER TABLE audit RENAME COLUMN actor TO who")
    assert missing_stable_names(store.conn) == ["audit.actor"]


def test_store_from_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.execute("CREATE TABLE something_new (x)")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer omnitui"):
        Store(path)
    assert path.read_bytes() == before


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\n" * 200)
    with pytest.raises(StoreError, match="not an omnitui store"):
        Store(path)


def test_migrations_apply_forward_from_an_older_file(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    sqlite3.connect(path).close()  # an empty file at schema version 0
    with Store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    with Store(path) as again:  # opening a current file changes nothing
        assert again.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_write_rolls_back_on_error(store: Store) -> None:
    with pytest.raises(RuntimeError), store.write() as conn:
        conn.execute("INSERT INTO agents (name, created_at) VALUES ('bob', 'now')")
        raise RuntimeError("boom")
    assert store.conn.execute("SELECT count(*) FROM agents").fetchone()[0] == 0


def test_write_takes_the_lock_up_front(store: Store) -> None:
    other = sqlite3.connect(store.path, timeout=0, isolation_level=None)
    with store.write():
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        assert other.execute("SELECT count(*) FROM cases").fetchone()[0] == 0  # reads go on
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()


def test_a_version_1_store_keeps_its_data_through_migration(tmp_path: Path) -> None:
    from omnitui.store.db import _statements
    from omnitui.store.schema import MIGRATION_1

    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in _statements(MIGRATION_1):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO audit (at, actor, action) VALUES ('2026-01-01 00:00:00', 'a',"
                 " 'x')")
    conn.close()
    with Store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.conn.execute("SELECT actor, txn FROM audit").fetchall() == [("a", None)]
        assert "presence" in store.db.table_names()


def test_checking_that_a_store_is_writable_changes_nothing(store: Store) -> None:
    """`omnitui serve` checks before it starts; a store another process is writing to is
    writable all the same, and the check leaves no trace."""
    before = store.conn.execute("PRAGMA data_version").fetchone()[0]
    with Store(store.path) as other:
        other.check_writable()
        set_busy_timeout(other.conn, 0.1)
        with store.write():  # another writer holds the lock
            other.check_writable()
    assert store.conn.execute("PRAGMA data_version").fetchone()[0] == before
    assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_writer_waits_its_busy_timeout_for_the_lock_then_says_busy(store: Store) -> None:
    with Store(store.path) as other:
        set_busy_timeout(other.conn, 0.3)
        with store.write():  # another writer holds the lock, longer than `other` waits
            started = time.monotonic()
            with pytest.raises(sqlite3.OperationalError) as refused, other.write():
                pass
            waited = time.monotonic() - started
        assert refused.value.sqlite_errorcode == sqlite3.SQLITE_BUSY
        assert 0.3 <= waited < 2.0
        assert other.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 300  # kept
        assert not other.conn.in_transaction


def test_a_waiting_writer_gets_in_soon_after_the_lock_is_free(store: Store) -> None:
    """It tries again at most 20 ms apart (SQLite's own wait sleeps up to 100 ms)."""
    released: list[float] = []

    def hold() -> None:
        with Store(store.path) as own, own.write():
            time.sleep(0.5)
            released.append(time.monotonic())

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.1)
    with Store(store.path) as other, other.write() as conn:
        conn.execute("INSERT INTO agents (name, created_at) VALUES ('late', 'now')")
        got_in = time.monotonic()
    holder.join()
    assert got_in - released[0] < 0.1


def test_a_write_that_keeps_the_lock_long_is_logged_with_its_caller(
        store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Every other writer waits on a long transaction (a webhook is answered 503): the log
    names the code that held it, so an operator can tell what to report."""
    monkeypatch.setattr(db, "SLOW_WRITE_S", 0.05)

    def slow_filing() -> None:
        with store.write():
            time.sleep(0.1)

    with caplog.at_level(logging.WARNING, logger="omnitui.store"):
        with store.write():
            pass  # quick: nothing said
        slow_filing()
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1
    assert "held 0.1 s by tests.store.test_db.slow_filing" in said[0]


def test_a_bulk_job_gives_the_write_lock_back_between_short_turns(tmp_path: Path) -> None:
    """Hundreds of SLA alarms after a restart, a team given its waiting cases: done a few to
    a transaction, so a console's claim waiting meanwhile gets the lock within a turn."""
    db_path = tmp_path / "cases.db"
    with Store(db_path) as store, Store(db_path) as console:
        set_busy_timeout(console.conn, 0.5)
        claimed_at: list[float] = []

        def claim() -> None:
            with console.write():
                claimed_at.append(time.monotonic())

        def slow(conn: sqlite3.Connection, item: int) -> tuple[int, str | None]:
            if item == 1:
                threading.Thread(target=claim).start()
            time.sleep(0.05)
            return item, db.transaction_token(conn)

        started = time.monotonic()
        done = db.in_turns(store, list(range(40)), slow, hold=0.12)
        assert [item for item, _ in done] == list(range(40))  # every item, in order
        turns = len({token for _, token in done})
        assert 10 <= turns <= 20  # two or three items to a turn
        assert claimed_at and claimed_at[0] - started < 0.5  # not after the whole job (2 s)


def test_a_command_that_writes_long_says_nothing_on_stderr(tmp_path: Path) -> None:
    """The warning is for the daemon's log: `omnitui demo` or an import holds the lock for
    seconds by design, and must not print it over the agent's terminal."""
    code = ("import time; from pathlib import Path; from omnitui.store import db\n"
            f"db.SLOW_WRITE_S = 0.01\nwith db.Store(Path({str(tmp_path / 'c.db')!r})) as s:\n"
            "    with s.write(): time.sleep(0.05)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert (done.returncode, done.stderr) == (0, "")


def wal_size_after_writing(store: Store, megabytes: int) -> int:
    store.conn.execute("CREATE TABLE IF NOT EXISTS scratch (b BLOB)")
    for _ in range(megabytes):
        with store.write() as conn:
            conn.execute("INSERT INTO scratch VALUES (randomblob(1048576))")
    return Path(f"{store.path}-wal").stat().st_size


def test_a_bulk_load_checkpoints_every_64_mb_not_every_4(tmp_path: Path) -> None:
    """Each checkpoint copies the pages a load rewrites in every batch once (the commits of
    an import: 0.40 s of CPU per 10,000 messages, 0.24-0.30 s)."""
    with Store(tmp_path / "usual.db") as usual:
        assert wal_size_after_writing(usual, 10) < 6 << 20  # checkpointed, the WAL reused
    with Store(tmp_path / "bulk.db") as bulk:
        with bulk.bulk_checkpoints():
            assert wal_size_after_writing(bulk, 10) > 10 << 20
        assert bulk.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000


def test_every_bulk_load_of_the_intake_pipeline_spaces_its_checkpoints(store: Store) -> None:
    """An import and a daemon's backlog both load through the pipeline's `bulk`."""
    from omnitui.config import Settings
    from omnitui.services.intake import intake_pipeline

    def pages() -> int:
        return store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0]

    with intake_pipeline(store, Settings()).bulk():
        assert pages() == db.BULK_CHECKPOINT_PAGES
    assert pages() == db.CHECKPOINT_PAGES
