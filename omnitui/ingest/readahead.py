"""Parsing and reading in other processes while this one files.

Parsing a message and reading it (its language, tone and intent: pure functions of the text)
cost more than storing it, so bulk intake — an import, a daemon's first sync of a big
mailbox — hands them to worker processes and keeps only the pipeline's writes here. Two
windows are in flight at a time: the workers parse the next while this process files the
last, and memory stays bounded on a multi-gigabyte mailbox. At the load's end the same
workers work out its cases' upkeep (reads and arithmetic) while this process writes it.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from multiprocessing.pool import AsyncResult, Pool
from typing import TypeVar

Item = TypeVar("Item")
Outcome = TypeVar("Outcome")

WINDOW = 256  # items handed out per round (512: 0.05 s less in an import of 10,000, within
# the noise; a backlog's filer commits once a round, and then a server restart landed
# while the daemon was in IDLE instead of filing: bench/README.md, 2026-12-05)
FIRST_WINDOW = 32  # and in the first, doubling from there: the filer starts sooner


def default_workers() -> int:
    """One worker per core but the one this process files on, and two from two cores: filing
    takes about 0.6 s of CPU for every second of parsing and reading, so the filer leaves
    part of its core idle (an import of 10,000 messages on two cores: 5.9 s with two workers,
    6.5 s with one)."""
    cores = os.cpu_count() or 1
    return 1 if cores <= 1 else max(2, cores - 1)


class Helpers:
    """Worker processes for one bulk load: they parse and read its items ahead of the filer
    (`read_ahead`), then work out its cases' upkeep while the filer writes it (the load's
    end, services/upkeep.py). With no workers, the same work runs here.

    `share` loads here what the workers need (models), when they are forked: each then has
    it already."""

    def __init__(self, workers: int, *, share: Callable[[], None] | None = None) -> None:
        self.workers = max(workers, 0)
        self._share = share
        self._pool: Pool | None = None

    def __enter__(self) -> Helpers:
        if self.workers:
            context = _context()
            if self._share is not None and context.get_start_method() == "fork":
                self._share()
            self._pool = context.Pool(self.workers, initializer=_start_worker)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool = None

    def read_ahead(self, work: Callable[[list[Item]], list[Outcome]], items: Iterable[Item],
                   *, window: int = WINDOW) -> Iterator[tuple[Item, Outcome]]:
        """Each item with `work`'s outcome for it, in the items' order. `work` maps a list
        to a list of the same length and must be picklable (a module-level function, or a
        partial of one) when there are workers. The first rounds are small (the filer waits
        for the first), the later ones `window` items."""
        source = iter(items)
        if self._pool is None:
            while chunk := list(islice(source, window)):
                yield from zip(chunk, work(chunk), strict=True)
            return
        in_flight: deque[tuple[list[Item], AsyncResult[list[list[Outcome]]]]] = deque()
        size = min(window, FIRST_WINDOW)
        while True:
            chunk = list(islice(source, size))
            size = min(window, 2 * size)
            if chunk:
                in_flight.append((chunk, self._pool.map_async(work,
                                                              _split(chunk, self.workers))))
                if len(in_flight) < 2:
                    continue
            if not in_flight:
                return
            sent, result = in_flight.popleft()
            outcomes = [outcome for part in result.get() for outcome in part]
            yield from zip(sent, outcomes, strict=True)


def read_ahead(work: Callable[[list[Item]], list[Outcome]], items: Iterable[Item],
               workers: int, *, window: int = WINDOW,
               share: Callable[[], None] | None = None) -> Iterator[tuple[Item, Outcome]]:
    """`Helpers.read_ahead` with helpers of its own, for a load that needs nothing else of
    them."""
    with Helpers(workers, share=share) as helpers:
        yield from helpers.read_ahead(work, items, window=window)


def _start_worker() -> None:
    """ctrl+c is for the process that started the workers, which stops them: the terminal
    sends it to the whole process group, and each worker printed a traceback.

    Workers yield the CPU to everything else: the filer they feed is the import's critical
    path (the one writer: each message waits for it), and on a shared server the consoles
    come first. With two cores, an import of 10,000 messages took 0.25 s less (three A/B
    rounds)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(10)


def _context() -> multiprocessing.context.BaseContext:
    """fork is fast, but forking a process that runs other threads (the daemon) can copy a
    lock some thread holds; such a process spawns its workers instead."""
    if os.name == "posix" and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _split(chunk: list[Item], parts: int) -> list[list[Item]]:
    size = -(-len(chunk) // parts)
    return [chunk[i:i + size] for i in range(0, len(chunk), size)]
