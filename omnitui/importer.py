"""`omnitui import`: mbox, Maildir and .eml files through the one ingest pipeline.

Parsing costs far more than storing, so other processes parse while this one runs the
pipeline; each message is still its own transaction, so an import killed midway and run
again picks up exactly where it stopped (the (channel, external id) key makes every
already-stored message a no-op).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from omnitui.channels.email.parse import parse_email
from omnitui.channels.email.sources import iter_mail_files
from omnitui.config import Settings
from omnitui.ingest.pipeline import Pipeline
from omnitui.model import InboundEvent
from omnitui.store.db import Store

CHUNK = 32  # messages handed to a parser process at a time


def _parse(item: tuple[str, bytes]) -> InboundEvent:
    source, raw = item
    return parse_email(raw, source=source)


def parsed_events(paths: Iterable[Path], workers: int) -> Iterator[InboundEvent]:
    """Events in source order, parsed by `workers` processes (0: in this process)."""
    items = iter_mail_files(paths)
    if workers <= 0:
        yield from map(_parse, items)
        return
    context = multiprocessing.get_context("fork" if os.name == "posix" else "spawn")
    with context.Pool(workers) as pool:
        yield from pool.imap(_parse, items, chunksize=CHUNK)


def default_workers() -> int:
    return max(1, (os.cpu_count() or 1) - 1)


def import_mail(store: Store, settings: Settings, paths: Iterable[Path], *,
                workers: int | None = None,
                progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Import every message under `paths`; returns counts a person can check."""
    pipeline = Pipeline(store, settings)
    counts = {"imported": 0, "duplicates": 0, "with_errors": 0}
    for n, event in enumerate(parsed_events(list(paths), default_workers()
                                            if workers is None else workers), start=1):
        result = pipeline.ingest(event)
        if result.duplicate:
            counts["duplicates"] += 1
        else:
            counts["imported"] += 1
            counts["with_errors"] += bool(event.parse_errors)
        if progress:
            progress(n)
    return counts
