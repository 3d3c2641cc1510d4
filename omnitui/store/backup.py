"""Backups of a store while the daemon and consoles write to it, and putting one back
(`omnitui backup`, `omnitui restore`).

A backup is a folder: `omnitui.db`, written by SQLite's `VACUUM INTO` (one read transaction:
a consistent snapshot of every commit before it began, writers go on meanwhile in WAL
mode), then `attachments/`, copied after it: attachment files are written before the rows
that name them commit (store/blobs.py), so every file the snapshot names is already there.
The copy is checked (`PRAGMA integrity_check`) before the backup is called done.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from contextlib import closing, suppress
from datetime import datetime
from pathlib import Path

from omnitui.private_files import give_back
from omnitui.records import record
from omnitui.store import info
from omnitui.store.blobs import blob_path, write_blob
from omnitui.store.db import StoreError, disk_trouble, utc_now
from omnitui.store.schema import SCHEMA_VERSION

STORE_FILE = "omnitui.db"
ATTACHMENTS = "attachments"
CHECKPOINT_WAIT = 30.0  # seconds a reader of the store replaced may hold its last commits
RESTORED_AT = "restored_at"  # store_info: when `omnitui restore` put the store in place


@record(frozen=True)
class Copied:
    """What a backup or a restore holds."""

    path: Path
    cases: int
    messages: int
    attachments: int  # files copied
    size: int  # bytes of the store file
    seconds: float
    missing: int = 0  # attachment files the store names and the copy (or restore) lacks


def backup(db_path: Path, attachments: Path, dest: Path) -> Copied:
    """Copy the store and its attachments into the new folder `dest`; a copy that fails
    leaves no folder behind (a full disk left a 0-byte store in one)."""
    if dest.exists() and not dest.is_dir():
        raise StoreError(f"{dest} is a file: a backup goes into a folder, new or empty, and "
                         "never overwrites anything; name a new folder")
    if dest.exists() and any(dest.iterdir()):
        raise StoreError(f"{dest} is a folder with files in it: a backup never overwrites "
                         "one; name a new folder")
    if dest.absolute().resolve().is_relative_to(attachments.absolute().resolve()):
        # it copied itself into itself, 271 folders deep, until the names grew too long
        raise StoreError(f"{dest} is inside the attachments folder {attachments}, which the "
                         "backup copies: name a folder elsewhere")
    if not dest.absolute().parent.is_dir():  # a mistyped path made its folders
        raise StoreError(f"no folder {dest.absolute().parent} for the backup {dest.name}: "
                         "check the path, or create the folder first")
    made = not dest.exists()
    dest.mkdir(exist_ok=True, mode=0o700)
    try:
        return _copy(db_path, attachments, dest)
    except BaseException:
        if made:
            shutil.rmtree(dest, ignore_errors=True)
        else:  # the empty folder it was given: empty again
            for each in dest.iterdir():
                if each.is_dir():
                    shutil.rmtree(each, ignore_errors=True)
                else:
                    each.unlink(missing_ok=True)
        raise


def _copy(db_path: Path, attachments: Path, dest: Path) -> Copied:
    started = time.monotonic()
    target = dest / STORE_FILE
    source = sqlite3.connect(f"{db_path.absolute().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        source.execute("PRAGMA busy_timeout = 30000")
        source.execute("VACUUM INTO ?", (str(target),))
    except sqlite3.Error as exc:
        if (trouble := disk_trouble(db_path)) is not None:
            raise StoreError(f"could not copy {db_path}: {trouble}") from None
        if (trouble := disk_trouble(target)) is not None:
            raise StoreError(f"could not copy {db_path} into {dest}: {trouble}") from None
        raise StoreError(f"could not copy {db_path}: {exc}") from None
    finally:
        source.close()
    target.chmod(0o600)
    files = _copy_attachments(attachments, dest / ATTACHMENTS)
    cases, messages = _check(target)
    return Copied(target, cases, messages, files, target.stat().st_size,
                  time.monotonic() - started, _missing(target, dest / ATTACHMENTS))


def restore(source: Path, db_path: Path, attachments: Path, stamp: str, *,
            empty: bool = False) -> tuple[Copied, Path | None]:
    """Put the backup `source` (its folder, or its store file) in place of the store at
    `db_path`, which nobody may be using; the store it replaces is kept beside it, named
    `<name>.before-restore-<stamp>` (returned; never one kept before). Attachments are
    added, never removed. The backup is copied beside the store before the store is moved
    aside, so a failed copy (a full disk) leaves the store where it was. A backup without
    a case does not replace a store with cases unless `empty` (a store fresh from `omnitui
    init`, named by mistake, emptied a team's store, and the command said "integrity ok")."""
    started = time.monotonic()
    file = backup_file(source)
    if db_path.exists() and file.samefile(db_path):
        raise StoreError(f"{source} is the store itself, not a backup of it: name the "
                         "folder `omnitui backup` wrote")
    if not _check(file)[0] and not empty and (held := _cases_held(db_path)):
        raise StoreError(f"{source} holds no case, and the store it would replace holds "
                         f"{held:,}: nothing was changed (say --empty to restore it anyway)")
    temporary = db_path.with_name(f".{db_path.name}.restoring")
    try:
        _copy_new(file, temporary)
        with closing(sqlite3.connect(temporary)) as conn:  # the store's mode, not the copy's:
            conn.execute("PRAGMA journal_mode=WAL")  # doctor failed on a fresh restore
            _mark_restored(conn)
            _no_daemon_runs(conn)
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
    except (OSError, sqlite3.Error) as exc:
        temporary.unlink(missing_ok=True)
        raise StoreError(f"could not copy {file} beside {db_path}: "
                         f"{getattr(exc, 'strerror', None) or exc}; the store is as it was"
                         ) from None
    owner = (db_path if db_path.exists() else db_path.parent).stat()
    try:  # the attachments first: a link planted among them stops the restore, the store
        files = _copy_attachments(file.parent / ATTACHMENTS, attachments)  # as it was
        kept = _keep_aside(db_path, stamp) if db_path.exists() else None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, db_path)
    cases, messages = _check(db_path)
    give_back(owner, [db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"), attachments])
    return Copied(db_path, cases, messages, files, db_path.stat().st_size,
                  time.monotonic() - started, _missing(db_path, attachments)), kept


def _cases_held(db_path: Path) -> int:
    """The cases of the store a restore replaces; 0 when there is none or it cannot be read
    (a broken store is what a restore is for)."""
    try:
        return _check(db_path)[0] if db_path.exists() else 0
    except StoreError:
        return 0


def _mark_restored(conn: sqlite3.Connection) -> None:
    """Say in the store when it was put in place: a replica (Litestream) written before
    then holds the store set aside, not this one, and doctor says so."""
    with suppress(sqlite3.OperationalError), conn:  # no store_info before schema 14
        info.put(conn, RESTORED_AT, utc_now().isoformat())


def _no_daemon_runs(conn: sqlite3.Connection) -> None:
    """A backup taken while the daemon ran says it runs; none does on the restored store
    (a restore holds its lock): doctor read that as a daemon that "stopped without a word".
    Its last heartbeat stays, the last it was seen."""
    with suppress(sqlite3.OperationalError), conn:  # no daemon table before schema 3
        conn.execute("UPDATE daemon SET state = 'stopped' WHERE id = 1")


def restored_at(conn: sqlite3.Connection) -> datetime | None:
    """When `omnitui restore` put this store in place; None if it never did (or the store
    is older than store_info)."""
    try:
        value = info.get(conn, RESTORED_AT)
    except sqlite3.OperationalError:
        return None
    return datetime.fromisoformat(value) if value else None


def _missing(db_path: Path, attachments: Path) -> int:
    """How many attachment files the store at `db_path` names that are not in `attachments`
    (a backup folder copied without its attachments restored with "integrity ok", and the
    cases showed files nobody could open; a backup of a store whose attachments folder was
    missing said "the store has none")."""
    with closing(sqlite3.connect(f"{db_path.absolute().as_uri()}?mode=ro", uri=True)) as conn:
        return sum(not blob_path(attachments, sha256).exists() for sha256, in conn.execute(
            "SELECT DISTINCT sha256 FROM attachments"))


def backup_file(source: Path) -> Path:
    """The store file of the backup `source` (its folder, or the file); StoreError when
    there is none."""
    if not source.exists():
        raise StoreError(f"{source} does not exist")
    file = source / STORE_FILE if source.is_dir() else source
    if not file.is_file():
        raise StoreError(f"{source} holds no backup (no {STORE_FILE} in it)")
    return file


def _keep_aside(db_path: Path, stamp: str) -> Path:
    """Move the store to a name of its own beside it, its last commits in it: two restores
    in one second kept the second's under the first's name, and the first's was lost."""
    kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}")
    count = 1
    while kept.exists():
        count += 1
        kept = db_path.with_name(f"{db_path.name}.before-restore-{stamp}-{count}")
    try:
        _fold_in_last_commits(db_path)
        folded = True
    except sqlite3.DatabaseError:  # a broken store, what a restore is for ("file is not a
        folded = False             # database" stopped it with a traceback): its WAL, if
    os.replace(db_path, kept)      # any, goes aside with it, under the kept file's name
    for suffix in ("-wal", "-shm"):
        beside = Path(f"{db_path}{suffix}")
        if folded:
            beside.unlink(missing_ok=True)
        elif beside.exists():
            os.replace(beside, Path(f"{kept}{suffix}"))
    return kept


def _fold_in_last_commits(db_path: Path) -> None:
    """Checkpoint the whole WAL into the store file before its WAL is deleted; StoreError,
    nothing changed, when a reader outside omnitui holds it back. Litestream, left running
    as a restore began, did: the WAL was deleted anyway, and the store kept aside lost its
    last commits (once it was left unreadable)."""
    plain = sqlite3.connect(db_path, timeout=CHECKPOINT_WAIT)
    try:
        busy, _, _ = plain.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        plain.close()
    if busy:
        raise StoreError(f"another program is reading {db_path} (Litestream replicating it?), "
                         "so its last commits could not be written into it before it is set "
                         "aside: stop that program for the restore (docs/deployment.md), then "
                         "run it again; nothing was changed")


def _copy_new(source: Path, target: Path) -> None:
    """Copy `source` to a new file `target`, mode 0600: never into a file there before, nor
    through a link (the service's user, who may write beside its store, could have put one
    there for root's restore to copy the store to /etc)."""
    target.unlink(missing_ok=True)  # one a restore killed midway left
    made = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                   0o600)
    with source.open("rb") as reading, os.fdopen(made, "wb") as writing:
        shutil.copyfileobj(reading, writing)


def _copy_attachments(source: Path, target: Path) -> int:
    """Every finished attachment file of `source` that `target` lacks (content-addressed:
    a file of the same name is the same bytes), written as an import writes it
    (`write_blob`: never through a link planted in `target`); links in `source` are passed
    over: the service's user could point one at /etc/shadow for root's backup to copy, and
    its restore to give them."""
    copied = 0
    if not source.is_dir():
        return 0
    for path in source.rglob("*"):
        if path.is_symlink() or not path.is_file() or path.name.startswith(".tmp-"):
            continue
        if (target / path.relative_to(source)).exists():
            continue
        write_blob(target, path.read_bytes(), sync=False)
        copied += 1
    return copied


def _check(path: Path) -> tuple[int, int]:
    """(cases, messages) of a sound store file this omnitui can open; StoreError otherwise."""
    try:
        conn = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise StoreError(f"{path} fails its integrity check: {'; '.join(problems[:3])}")
            if version > SCHEMA_VERSION:
                raise StoreError(f"{path} was written by a newer omnitui (schema {version}; "
                                 f"this one knows up to {SCHEMA_VERSION}): upgrade omnitui")
            return (conn.execute("SELECT count(*) FROM cases").fetchone()[0],
                    conn.execute("SELECT count(*) FROM messages").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} cannot be read as an omnitui store: {exc}") from None
