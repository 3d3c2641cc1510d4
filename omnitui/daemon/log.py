"""The daemon's log: one sanitized line per event, UTC times, to a file and to stderr."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import TextIO

from omnitui.private_files import PRIVATE, opened_own
from omnitui.sanitize import sanitize
from omnitui.store.db import expected, store_problem


class OneLineLogFormatter(logging.Formatter):
    """A log formatter whose every record is one sanitized line: a remote server's error or
    a customer's text in a message or a traceback can neither drive the terminal of someone
    running `tail -f` nor forge a record of its own. Lines of a traceback are joined by
    " | "."""

    def format(self, record: logging.LogRecord) -> str:
        lines = sanitize(super().format(record)).split("\n")
        return " | ".join(" ".join(line.split()) for line in lines if line.strip())


class _LogFile(logging.FileHandler):
    """The log file: a line it cannot write (its disk full) is said once on stderr, in one
    line, and again once it has written one since; Python's "--- Logging error ---" and a
    traceback on every line filled the journal (or the embedded console's screen)."""

    def __init__(self, file: Path, *, stderr: bool) -> None:
        super().__init__(file, encoding="utf-8")
        self._stderr = stderr
        self._failing = False

    def _open(self) -> TextIO:
        """Never through a link (`opened_own`): one the service's user planted beside its
        store had root's daemon append to the file it named."""
        fd, _ = opened_own(Path(self.baseFilename), os.O_WRONLY | os.O_APPEND, PRIVATE)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)

    def emit(self, record: logging.LogRecord) -> None:
        failing = self._failing
        self._failing = False
        super().emit(record)
        if failing and not self._failing:
            self._say(f"writing {self.baseFilename} again")

    def handleError(self, record: logging.LogRecord) -> None:
        if not self._failing:
            exc = sys.exc_info()[1]
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            self._say(f"could not write {self.baseFilename} ({why}): its lines are lost "
                      "until it can")
        self._failing = True

    def _say(self, words: str) -> None:
        if self._stderr:
            sys.stderr.write(f"omnitui: {words}\n")


def log_failure(logger: logging.Logger, doing: str, level: int = logging.ERROR) -> None:
    """Log the exception being handled: the machine's (a full or read-only disk, a store
    locked too long) in one line, what it is and that nothing was changed, as each round of
    a loop says it again; a bug with its traceback, to be seen."""
    exc = sys.exc_info()[1]
    if exc is not None and expected(exc):
        logger.log(level, "%s: %s", doing, store_problem(exc))
    else:
        logger.log(level, doing, exc_info=True)


def log_to(file: Path, *, stderr: bool) -> None:
    """The daemon's log: a file and (unless the console owns the terminal) stderr, one line
    per event, UTC times."""
    formatter = OneLineLogFormatter("%(asctime)sZ %(levelname)s %(name)s: %(message)s",
                                    "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handlers: list[logging.Handler] = [_LogFile(file, stderr=stderr)]
    if stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(formatter)
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True)
    # imapclient says "Connection closed" at INFO for every reconnect the watcher makes
    # (its own line says why): only its warnings are news.
    logging.getLogger("imapclient").setLevel(logging.WARNING)
