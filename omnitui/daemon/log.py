"""The daemon's log: one sanitized line per event, UTC times, to a file and to stderr."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from omnitui.sanitize import sanitize


class OneLineLogFormatter(logging.Formatter):
    """A log formatter whose every record is one sanitized line: a remote server's error or
    a customer's text in a message or a traceback can neither drive the terminal of someone
    running `tail -f` nor forge a record of its own. Lines of a traceback are joined by
    " | "."""

    def format(self, record: logging.LogRecord) -> str:
        lines = sanitize(super().format(record)).split("\n")
        return " | ".join(" ".join(line.split()) for line in lines if line.strip())


def log_to(file: Path, *, stderr: bool) -> None:
    """The daemon's log: a file and (unless the console owns the terminal) stderr, one line
    per event, UTC times."""
    formatter = OneLineLogFormatter("%(asctime)sZ %(levelname)s %(name)s: %(message)s",
                                    "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handlers: list[logging.Handler] = [logging.FileHandler(file, encoding="utf-8")]
    if stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.setFormatter(formatter)
    logging.basicConfig(level=logging.INFO, handlers=handlers, force=True)
    # imapclient says "Connection closed" at INFO for every reconnect the watcher makes
    # (its own line says why): only its warnings are news.
    logging.getLogger("imapclient").setLevel(logging.WARNING)
