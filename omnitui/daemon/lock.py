"""One daemon per store: an exclusive lock on a file next to it.

The kernel drops the lock when the process dies, however it dies (SIGKILL included), so a
crashed daemon never blocks the next one.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from omnitui.errors import OmnituiError


class AlreadyRunning(OmnituiError):
    """Another `omnitui serve` holds this store."""


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".serve.lock")


def acquire(db_path: Path) -> IO[str]:
    """Hold the store's daemon lock until the returned file is closed."""
    path = lock_path(db_path)
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise AlreadyRunning(f"omnitui serve is already running on {db_path} "
                             f"(pid {holder}); stop it first") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
