"""One daemon per store: an exclusive lock on a file next to it (`file_lock`: a crashed
daemon never blocks the next one)."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import IO

from omnitui.errors import OmnituiError
from omnitui.file_lock import beside_store, held, looked_held, try_lock


class AlreadyRunning(OmnituiError):
    """Another `omnitui serve` holds this store."""


def lock_path(db_path: Path) -> Path:
    return beside_store(db_path, ".serve.lock")


def acquire(db_path: Path) -> IO[str]:
    """Hold the store's daemon lock until the returned file is closed."""
    path = lock_path(db_path)
    handle = try_lock(path)
    if handle is None:
        holder = path.read_text(encoding="utf-8").strip() or "another process"
        raise AlreadyRunning(f"omnitui serve is already running on {db_path} "
                             f"(pid {holder}); stop it first")
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
    except OSError as exc:  # a full disk: the lock is held, its pid cannot be written
        handle.close()
        raise OmnituiError(f"could not write {path}: {exc.strerror or exc} (a full disk?)"
                           ) from None
    return handle


def stopped_here(db_path: Path, host: str) -> bool:
    """The daemon's row names this machine and no process holds its lock: it is not
    running, whatever its heartbeat says (killed, or a restored store's row)."""
    return host == socket.gethostname() and not held(lock_path(db_path))


def unreadable(db_path: Path) -> str | None:
    """Why the daemon's lock file cannot be looked at (not this user's to read, a folder in
    its place), else None. Then nobody can tell whether a daemon holds it (stopped_here
    counts it as held: doctor said "running"), and `serve` and `restore` stop on it."""
    try:
        looked_held(lock_path(db_path))
    except OSError as exc:
        return exc.strerror or str(exc)
    return None
