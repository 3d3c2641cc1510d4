"""Locks on files next to the store: an exclusive one held while a process does one job that
others must know about (the daemon, a first bulk load), a shared one by every process of a
kind that may run many times at once (the consoles, imports).

The kernel lets go of it when the process ends, however it ends (SIGKILL included), so a
holder that died never blocks the next one, and nothing has to clean up after it.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import IO
from urllib.parse import quote

from omnitui.private_files import give_to_its_folder, opened_own

TRIES = 5  # a lock is asked for this many times, PAUSE apart, before it counts as held:
PAUSE = 0.02  # `held` takes one for an instant to look (a console looks at the daemon's
# lock every few seconds), and a daemon starting in that instant refused to run


def try_lock(path: Path) -> IO[str] | None:
    """The lock file, open and locked until it is closed; None while another process holds
    it. (OSError if the file cannot be created: the caller knows what that means;
    PlantedLink if it is a link.)"""
    return _locked(_opened(path), fcntl.LOCK_EX)


def share(path: Path) -> IO[str] | None:
    """The lock file, open with a shared lock until it is closed (any number of holders);
    None if it cannot be had now (a restore holds it alone for a moment) or made. One this
    user may only read is locked all the same (root's, from an import run as root, refused
    every import of the service's user after it: "is being restored")."""
    try:
        handle = _opened(path)
    except PermissionError:
        try:
            handle = _for_reading(path)
        except OSError:
            return None
    except OSError:
        return None
    return _locked(handle, fcntl.LOCK_SH)


def _opened(path: Path) -> IO[str]:
    """The lock file, made if missing; made by root beside the service's store, it is its
    folder's owner's, as every file root writes for the service. Never a link (`opened_own`).
    """
    fd, made = opened_own(path, os.O_RDWR | os.O_APPEND, 0o666)
    if made:
        give_to_its_folder(path, opened=fd)
    return os.fdopen(fd, "a+")


def _for_reading(path: Path) -> IO[str]:
    """The lock file open to read, never through a link (ELOOP)."""
    return os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC), "r")


def held(path: Path) -> bool:
    """Some process holds the lock (shared or not) now. Read only: a lock file another
    user's daemon left (root's) stopped `doctor` with "Permission denied"; one this user may
    not even read (or a folder in its place) counts as held (never a restore under a daemon
    it cannot see)."""
    try:
        return looked_held(path)
    except OSError:
        return True


def looked_held(path: Path) -> bool:
    """held(), for a caller that must not guess: OSError when the lock file cannot be
    looked at (not this user's to read, a folder in its place), so `doctor` says it cannot
    tell rather than "running"."""
    if not path.exists():
        return False
    handle = _locked(_for_reading(path), fcntl.LOCK_EX, tries=1)
    if handle is None:
        return True
    handle.close()
    return False


def _locked(handle: IO[str], kind: int, tries: int = TRIES) -> IO[str] | None:
    for attempt in range(tries):
        try:
            fcntl.flock(handle, kind | fcntl.LOCK_NB)
            return handle
        except BlockingIOError:
            if attempt + 1 < tries:
                time.sleep(PAUSE)
    handle.close()
    return None


def in_use_path(db_path: Path) -> Path:
    """The file every console of the store and every import holds shared while it runs:
    `omnitui restore` replaces the store under none (an agent's presence in the store
    fades, and a second console of the same agent was missed for a tick after the first
    closed; an import running into the store it replaced went on into the old one)."""
    return beside_store(db_path, ".in-use.lock")


def console_path(db_path: Path, agent: str) -> Path:
    """The file every console of `agent` holds shared while it runs: one that quits while
    another of theirs runs (a second terminal) must not say they left (the board said
    "gone" until the other's next "still here"), nor take the other's mark off a case."""
    return beside_store(db_path, f".console-{quote(agent, safe='')}.lock")


def beside_store(db_path: Path, suffix: str) -> Path:
    """A store's lock file (`<store><suffix>`), beside the store itself however its path
    was written: a process given a link to it, or another relative path, locked a file of
    its own and was not seen (a console by a restore, a second daemon by the first)."""
    store = db_path.resolve()
    return store.with_name(store.name + suffix)
