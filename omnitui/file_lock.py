"""An exclusive lock on a file next to the store, held while a process does one job that
others must know about (the daemon, a first bulk load).

The kernel lets go of it when the process ends, however it ends (SIGKILL included), so a
holder that died never blocks the next one, and nothing has to clean up after it.
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO


def try_lock(path: Path) -> IO[str] | None:
    """The lock file, open and locked until it is closed; None while another process holds
    it. (OSError if the file cannot be created: the caller knows what that means.)"""
    handle = path.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle
