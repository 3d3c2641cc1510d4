"""Parsing in worker processes: the same outcomes in the same order as here, and what the
workers need loaded once, before they are forked, rather than once in each."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from omnitui.ingest import readahead
from omnitui.ingest.readahead import read_ahead
from omnitui.triage import language


def where_and_loaded(items: list[int]) -> list[tuple[int, int, bool]]:
    """(item squared, the worker's pid, whether the language model was already loaded)."""
    loaded = language._identifier.cache_info().currsize > 0
    return [(item * item, os.getpid(), loaded) for item in items]


def test_workers_give_every_outcome_in_order_with_the_model_they_were_forked_with(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # forked, as a command's workers are (a test run may have other threads about, and
    # then read_ahead spawns them)
    monkeypatch.setattr(readahead, "_context", lambda: multiprocessing.get_context("fork"))
    shared: list[int] = []

    def share() -> None:
        shared.append(os.getpid())
        language.load_model()

    outcomes = list(read_ahead(where_and_loaded, range(600), 2, window=50, share=share))
    assert [item for item, _ in outcomes] == list(range(600))
    assert [squared for _, (squared, _, _) in outcomes] == [n * n for n in range(600)]
    assert shared == [os.getpid()]  # loaded once, here
    workers = {pid for _, (_, pid, _) in outcomes}
    assert os.getpid() not in workers and 1 <= len(workers) <= 2
    assert all(loaded for _, (_, _, loaded) in outcomes)  # inherited, not loaded again


def test_without_workers_nothing_is_loaded_ahead() -> None:
    calls: list[int] = []
    outcomes = list(read_ahead(lambda items: [i + 1 for i in items], range(10), 0,
                               share=lambda: calls.append(1)))
    assert [outcome for _, outcome in outcomes] == list(range(1, 11)) and calls == []


def niceness(items: list[int]) -> list[int]:
    return [os.nice(0) for _ in items]


def test_workers_yield_the_cpu_to_the_process_that_files() -> None:
    """The filer is an import's critical path; on two cores it lost time to its own
    parsers."""
    here = os.nice(0)
    outcomes = list(read_ahead(niceness, range(20), 2, window=10))
    assert {worker for _, worker in outcomes} == {min(here + 10, 19)}
    assert os.nice(0) == here
