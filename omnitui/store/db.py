"""Opening the store: file mode, pragmas, migrations, and the one write-transaction helper.

Every process (daemon, consoles, CLI) shares the SQLite file in WAL mode. Writers always take
the write lock up front with BEGIN IMMEDIATE: a deferred BEGIN that later upgrades to a write
fails at once with SQLITE_BUSY, ignoring busy_timeout, when another writer got in first.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import sqlite3
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import UTC, datetime
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from omnitui.errors import OmnituiError
from omnitui.private_files import create_private, user_name
from omnitui.store.schema import DATA_STEPS, MIGRATIONS, SCHEMA_VERSION

if TYPE_CHECKING:
    import sqlite_utils

BUSY_TIMEOUT_S = 10.0
SLOW_WRITE_S = 1.0  # a write transaction held longer than this is logged: others wait on it
CHECKPOINT_PAGES = 1000  # SQLite's own: the WAL is copied into the database every 4 MB
BULK_CHECKPOINT_PAGES = 16384  # during a bulk load: every 64 MB (Store.bulk_checkpoints)

T = TypeVar("T")
R = TypeVar("R")
DB_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"  # SQLite's own datetime() format, in UTC


class StoreError(OmnituiError):
    """An expected problem with the store file, worded for the person who must fix it."""


# SQLite's primary result codes for a file this process cannot open or write: its owner or
# mode, its folder's, a read-only or full file system. Anything else is a bug to see.
_CANNOT_WRITE = frozenset({sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM,
                           sqlite3.SQLITE_FULL})


def cannot_write(exc: sqlite3.Error) -> bool:
    """Whether SQLite failed because the file (or its folder) cannot be opened or written."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _CANNOT_WRITE


def unwritable(what: str, exc: sqlite3.Error, path: Path | None = None) -> StoreError:
    """The one-line error for a store this process cannot write, and what to check: the
    disk's trouble when it has one (a read-only mount read "check the owner and mode")."""
    if path is not None and (trouble := disk_trouble(path)) is not None:
        return StoreError(f"cannot write {what}: {trouble}")
    if path is not None and (owner := _others(path)) is not None:  # sudo -u forgotten
        return StoreError(f"cannot write {what}: it belongs to {user_name(owner)}, and this "
                          f"user ({user_name(os.getuid())}) may not write it; run omnitui as "
                          f"{user_name(owner)}")
    return StoreError(f"cannot write {what} ({exc}): check the owner and mode of the file and "
                      "of its folder, and the free space")


def _others(path: Path) -> int | None:
    """The owner of the store (or of a file SQLite keeps beside it) when that is another
    account, whose file this user may not read and write; else None."""
    for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            owner = each.stat().st_uid
        except OSError:
            continue
        if owner != os.getuid() and not os.access(each, os.R_OK | os.W_OK):
            return owner
    return None


# What a write to the store (or to the files beside it) can fail with; `expected` tells the
# failures of the machine (a full or read-only disk, a store another program holds too long)
# from a bug, which must stay loud.
STORE_ERRORS = (StoreError, sqlite3.Error, OSError)
_MACHINE_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_FULL,
                            sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR,
                            sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM,
                            sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_MACHINE_ERRNOS = frozenset({errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO,
                             errno.EDQUOT, errno.ENOENT, errno.ENOTDIR, errno.EISDIR})


def expected(exc: BaseException) -> bool:
    """Whether a failure is the machine's or the store's (said to the person in words) rather
    than a bug in omnitui (which keeps its traceback)."""
    if isinstance(exc, StoreError):
        return True
    if isinstance(exc, sqlite3.Error):
        return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in _MACHINE_CODES
    return isinstance(exc, OSError) and exc.errno in _MACHINE_ERRNOS


FULL_BELOW = 64 * 1024  # bytes free: SQLite cannot open a store in WAL mode on less


def disk_trouble(path: Path) -> str | None:
    """What is wrong with the disk holding `path`, if anything: full, or mounted read-only.
    SQLite says "disk I/O error" for both, which read as a damaged store ("move it aside"
    for a store that was fine)."""
    try:
        found = os.statvfs(path.absolute().parent)
    except OSError:
        return None
    if found.f_flag & os.ST_RDONLY:
        return ("its file system is mounted read-only; nothing was changed (mount it "
                "writable)")
    if found.f_bavail * found.f_frsize < FULL_BELOW:
        return "the disk holding it is full; nothing was changed (free some space)"
    return None


def store_problem(exc: BaseException) -> str:
    """One of STORE_ERRORS in words for the person at the keyboard: what happened and that
    nothing was changed (every write is one transaction, rolled back whole)."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    number = exc.errno if isinstance(exc, OSError) else None
    if code == sqlite3.SQLITE_FULL or number == errno.ENOSPC:
        return "the disk holding the store is full; nothing was changed (free some space)"
    if code == sqlite3.SQLITE_READONLY or number == errno.EROFS:
        return "the store is read-only; nothing was changed"
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return ("the store is busy (another program kept it locked); nothing was changed, "
                "try again")
    if number is not None:
        where = f"{exc.filename}: " if isinstance(exc, OSError) and exc.filename else ""
        return f"{where}{os.strerror(number)}; nothing was changed"
    if isinstance(exc, sqlite3.Error):
        return f"the store failed ({exc}); nothing was changed"
    return str(exc)


def db_time(moment: datetime) -> str:
    """A timestamp as stored: UTC, SQLite's `datetime()` format, so SQL can compare it."""
    return moment.astimezone(UTC).isoformat(" ", "seconds")[:19]  # 5x faster than strftime


def parse_db_time(value: str) -> datetime:
    """A stored timestamp as a UTC time (fromisoformat: 10x faster than strptime, and SLA
    replays read every message's time)."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


Record = dict[str, Any]  # a row read by column name


def records(conn: sqlite3.Connection, sql: str, params: Sequence[Any] = ()) -> list[Record]:
    """Rows as dicts: a month's report looks up about twenty columns of each case by name,
    which sqlite3.Row finds by going through the names (up to 330 ns each; a dict's 40),
    0.35 s of the report's CPU at 265,000 cases."""
    cur = conn.execute(sql, params)
    names = [column[0] for column in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


def stored_time(value: str | None) -> datetime | None:
    """A stored timestamp that may be unset (a due time, a heartbeat), as a UTC time."""
    return parse_db_time(value) if value else None


def columns_of(record: Any) -> dict[str, Any]:
    """A dataclass's fields as a row's columns: a shallow copy (`asdict` deep-copies every
    value, a quarter of a message's filing time in an import)."""
    return {name: getattr(record, name) for name in field_names(type(record))}


@cache
def field_names(kind: type) -> tuple[str, ...]:
    """A dataclass's field names (a CSV's header, with no row to read them from); cached:
    `fields` filters a class's fields anew on every call, and an import asks 12,000 times."""
    return tuple(f.name for f in fields(kind))


def utc_now() -> datetime:
    return datetime.now(UTC)


class Store:
    """One connection to the case store, with its attachment folder.

    `durable=True` syncs the WAL on every commit (synchronous=FULL): use it where a commit
    acknowledges a sender (IMAP cursor, webhook 2xx). Consoles and re-runnable imports use
    NORMAL, which survives application crashes but may lose the last commits on power loss.
    """

    def __init__(self, path: Path, *, attachments_dir: Path | None = None,
                 durable: bool = False, migrate: bool = True,
                 console_running: bool = False) -> None:
        """`console_running`: one more connection of a console that has the store open (its
        drafts' saver, its readers): a newer omnitui may have upgraded the file since, and
        the console's first connection goes on writing in it, so these do too (the console
        says to open it again) rather than refuse it and lose what the agent types."""
        self.path = Path(path)
        self.durable = durable
        self.attachments_dir = attachments_dir or self.path.parent / "attachments"
        self.conn = _connect(self.path, durable=durable, any_version=console_running)
        self.upgraded_from: int | None = None  # the schema version this open upgraded
        if console_running:
            return
        if migrate:
            self.upgraded_from = migrate_schema(self.conn, self.path)
            if self.conn.execute("SELECT 1 FROM deferred_indexes LIMIT 1").fetchone():
                from omnitui.store.bulk_indexes import rebuild_abandoned

                rebuild_abandoned(self)  # a first load was killed before it built them
        else:
            check_version(self.conn, self.path)

    @cached_property
    def db(self) -> sqlite_utils.Database:
        """The same connection as a sqlite-utils Database, for introspection and scripts
        (imported on first use: it costs a fifth of a second at start-up)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def check_writable(self) -> None:
        """Raise StoreError now if this process cannot write the file. SQLite opens a file it
        may only read without a word, and the first write fails, deep in a daemon thread."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:  # rewriting the header's version is a write that changes nothing
                version = self.conn.execute("PRAGMA user_version").fetchone()[0]
                self.conn.execute(f"PRAGMA user_version = {int(version)}")
            finally:
                self.conn.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode == sqlite3.SQLITE_BUSY:
                return  # another process is writing: the file is writable
            if not cannot_write(exc):
                raise
            raise unwritable(f"the store {self.path}", exc, self.path) from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def bulk_checkpoints(self) -> Iterator[None]:
        """Around a bulk load (the intake pipeline's `bulk`): this connection copies its WAL
        into the database every BULK_CHECKPOINT_PAGES (64 MB) instead of SQLite's 1,000
        pages (4 MB). A load rewrites the same index and full-text pages in every batch;
        each checkpoint copies them once, and at 4 MB a commit in seven paid for one (an
        import's COMMITs: 0.40 s of CPU per 10,000 messages, 0.24-0.30 s at 64 MB). The WAL
        stays bounded."""
        self.conn.execute(f"PRAGMA wal_autocheckpoint={BULK_CHECKPOINT_PAGES}")
        try:
            yield
        finally:
            self.conn.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_PAGES}")

    @contextmanager
    def write(self, token: str | None = None) -> Iterator[sqlite3.Connection]:
        """One write transaction: BEGIN IMMEDIATE, COMMIT on success, ROLLBACK on any error.
        `token`: the undo unit it joins (a new one unless given)."""
        with write_transaction(self.conn, token) as conn:
            yield conn


_open_transactions: dict[int, str] = {}  # connection -> token of its write transaction


def new_token() -> str:
    return os.urandom(8).hex()  # os, not secrets: no hashlib at start


LOCK_RETRY_MAX_S = 0.02  # the longest a writer waiting for the write lock sleeps between tries
LOCK_RETRY_URGENT_S = 0.002  # how often it tries once it has waited a quarter of its budget


def begin_immediate(conn: sqlite3.Connection) -> None:
    """Take the write lock, waiting for other writers up to the connection's busy timeout.
    SQLite's lock has no queue: the lock goes to whoever tries first after a commit. Its
    own wait backs off to 100 ms between tries, so under a stream of short writes (ten
    consoles claiming at once) one writer could lose every try for seconds and show its
    agent "the store is busy". This one backs off to 20 ms (a thread that woke every
    millisecond or two would take the interpreter from the console's keys), and a writer
    that has waited a quarter of its budget tries every 2 ms: the longer it waited, the
    likelier it wins the next free moment, so nobody starves."""
    budget_ms = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute("PRAGMA busy_timeout=0")
    try:
        started = time.monotonic()
        deadline, urgent, pause = started + budget_ms / 1000, started + budget_ms / 4000, 0.001
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                now = time.monotonic()
                if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or now >= deadline:
                    raise
            time.sleep(pause)
            pause = LOCK_RETRY_URGENT_S if now >= urgent else min(2 * pause, LOCK_RETRY_MAX_S)
    finally:
        conn.execute(f"PRAGMA busy_timeout={budget_ms}")


@contextmanager
def write_transaction(conn: sqlite3.Connection,
                      token: str | None = None) -> Iterator[sqlite3.Connection]:
    begin_immediate(conn)
    _open_transactions[id(conn)] = token or new_token()
    locked_at = time.monotonic()
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
    finally:
        _open_transactions.pop(id(conn), None)
        held = time.monotonic() - locked_at
        if held > SLOW_WRITE_S:
            _log_slow_write(held)


def _log_slow_write(held: float) -> None:
    """For the daemon's log; a command's stderr stays quiet. (logging is imported here: it
    costs every command a millisecond at start, and this is its only use in the store.)"""
    import logging

    log = logging.getLogger("omnitui.store")
    if not log.handlers:
        log.addHandler(logging.NullHandler())
    log.warning("the write lock was held %.1f s by %s: every other writer waited", held,
                _writer())


def _writer() -> str:
    """Where the slow transaction was opened: the first caller outside this module and
    contextlib, so the log names the code to look at."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename in (__file__, contextlib.__file__):
        frame = frame.f_back
    if frame is None:
        return "an unknown caller"
    return f"{frame.f_globals.get('__name__', '?')}.{frame.f_code.co_name}"


TURN_SECONDS = 0.1  # the longest a bulk job holds the write lock before letting others in
TURN_GAP = 2 * LOCK_RETRY_MAX_S  # long enough for every waiting writer's next try


def in_turns(store: Store, items: Sequence[T], work: Callable[[sqlite3.Connection, T], R],
             *, hold: float = TURN_SECONDS) -> list[R]:
    """`work` on each item, in write transactions each held about `hold` seconds at most,
    with a gap between them: a bulk job (hundreds of SLA alarms after a restart) on a busy
    machine, where a descheduled holder keeps the lock many times its own CPU time, must
    not make a console or the webhook receiver wait seconds. Returns each item's result."""
    results: list[R] = []
    while len(results) < len(items):
        if results:
            time.sleep(TURN_GAP)
        started = time.monotonic()
        with store.write() as conn:
            while len(results) < len(items) and time.monotonic() - started <= hold:
                results.append(work(conn, items[len(results)]))
    return results


@contextmanager
def savepoint(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Inside a transaction: undo just this part if it fails (one bad message of a batch
    must not leave half of itself behind)."""
    conn.execute("SAVEPOINT part")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK TO part")
        conn.execute("RELEASE part")
        raise
    else:
        conn.execute("RELEASE part")


@contextmanager
def one_action(conn: sqlite3.Connection) -> Iterator[None]:
    """The audit events written inside are one action of their own, one undo, within the
    open write transaction: the demo writes its team's weeks in a few transactions, and `u`
    as farid offered to take back five days of his work on 215 cases at once."""
    outer = _open_transactions[id(conn)]
    _open_transactions[id(conn)] = new_token()
    try:
        yield
    finally:
        _open_transactions[id(conn)] = outer


def transaction_token(conn: sqlite3.Connection) -> str | None:
    """Which write transaction is open on `conn`: audit events of one action share it, so
    one undo takes back everything an action did to several cases."""
    return _open_transactions.get(id(conn))


def _connect(path: Path, *, durable: bool, any_version: bool = False) -> sqlite3.Connection:
    if path.is_dir():
        raise StoreError(f"{path} is a directory, not a store file; pass a file path with --db")
    try:
        create_private(path)  # before SQLite opens it, which would use the umask
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                               check_same_thread=False)
        try:  # before anything writes: a newer file stays untouched
            if not any_version:
                check_version(conn, path)
        except StoreError:
            conn.close()
            raise
        conn.execute("PRAGMA journal_mode=WAL")
    except sqlite3.DatabaseError as exc:
        if cannot_write(exc):
            raise unwritable(f"the store {path}", exc, path) from None
        if (trouble := disk_trouble(path)) is not None:  # a store that is fine was called
            raise StoreError(f"cannot open the store {path}: {trouble}") from None  # no store
        raise StoreError(f"{path} is not an omnitui store ({exc}); move it aside or pass "
                         "another file with --db") from None
    except OSError as exc:
        raise StoreError(f"cannot create the store {path}: {exc.strerror}") from None
    conn.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
    conn.execute("PRAGMA cache_size=-32768")  # 32 MiB: the queue indexes stay in memory
    # Updates that touch a partial index build small ephemeral tables for its status IN
    # (...) list; on disk those cost a file round trip per update.
    conn.execute("PRAGMA temp_store=MEMORY")
    conn.create_function("casefold", 1, _casefold, deterministic=True)
    return conn


def folded(text: str) -> str:
    """`text` as words are matched without regard to case in every script (SQLite's NOCASE
    folds A to Z only: `tag:café` missed a tag typed "CAFÉ"), and however its accents were
    typed (a terminal may send "é" as "e" and a combining accent)."""
    return unicodedata.normalize("NFC", text).casefold()


def _casefold(text: object) -> object:
    """SQL's casefold(x): `folded`."""
    return folded(text) if isinstance(text, str) else text


def set_busy_timeout(conn: sqlite3.Connection, seconds: float) -> None:
    """How long this connection waits for another writer before giving up (a webhook must
    be answered within seconds, so its writer gives up sooner than the default)."""
    conn.execute(f"PRAGMA busy_timeout={int(seconds * 1000)}")


def check_version(conn: sqlite3.Connection, path: Path) -> int:
    """The file's schema version; a file from a newer omnitui is refused, never touched."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was written by a newer omnitui (schema version {version}; this version "
            f"knows up to {SCHEMA_VERSION}). Upgrade omnitui to open it; the file was not "
            "changed.")
    return version


def migrate_schema(conn: sqlite3.Connection, path: Path) -> int | None:
    """Apply every forward migration the file lacks (its SQL, then its data step if it has
    one), all in one write transaction; the version it upgraded from (None: nothing to do,
    or another process did it first)."""
    if (before := check_version(conn, path)) == SCHEMA_VERSION:
        return None
    try:
        with write_transaction(conn):
            version = check_version(conn, path)  # another process may have migrated
            if version == SCHEMA_VERSION:
                return None
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in _statements(script):
                    conn.execute(statement)
                if number in DATA_STEPS:
                    importlib.import_module(DATA_STEPS[number]).migrate(conn)
                conn.execute(f"PRAGMA user_version={number}")
        return version
    except sqlite3.DatabaseError as exc:  # a traceback; the store is as it was (one
        if cannot_write(exc) or expected(exc):  # transaction, rolled back)
            raise
        raise StoreError(f"could not upgrade {path} from schema version {before} to "
                         f"{SCHEMA_VERSION} ({exc}); nothing was changed: restore it from a "
                         "backup, or keep the omnitui that wrote it") from None


def _statements(script: str) -> Iterator[str]:
    """Split a migration into statements (executescript would commit our transaction)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer.strip()
            buffer = ""
    if buffer.strip():
        raise ValueError(f"incomplete statement in migration: {buffer[:60]!r}")


def insert(conn: sqlite3.Connection, table: str, values: dict[str, object]) -> int:
    """INSERT one row from a dict of column values (names are ours, never outside input)."""
    cur = conn.execute(_insert_statement(table, tuple(values)), tuple(values.values()))
    return int(cur.lastrowid or 0)


@lru_cache(maxsize=256)
def _insert_statement(table: str, columns: tuple[str, ...]) -> str:
    return (f"INSERT INTO {table} ({', '.join(columns)})"
            f" VALUES ({', '.join('?' * len(columns))})")
