"""`@record` behaves as `@dataclass` does, though it makes each class only at its first use."""

from __future__ import annotations

import dataclasses
import pickle
import sys
import threading

import pytest

from omnitui.records import record


@record(frozen=True)
class Point:
    """A frozen record."""

    x: int
    y: int = 0
    label: str = dataclasses.field(default="", compare=False, repr=False)


@record(frozen=True)
class Point3(Point):
    z: int = 0


@record
class Bag:
    kind: str  # a field whose name `__new__` must not take for its own
    items: list[str] = dataclasses.field(default_factory=list)


def test_a_record_reads_compares_and_hashes_as_a_dataclass_would() -> None:
    assert repr(Point(1, 2, "a")) == "Point(x=1, y=2)"
    assert Point(1, 2, "a") == Point(1, 2, "b")  # label is not compared
    assert Point(1, 2) != Point3(1, 2)  # another class is never equal
    assert hash(Point(1, 2)) == hash(Point(1, 2, "c"))
    assert Bag(kind="k") == Bag("k", [])
    with pytest.raises(TypeError):
        hash(Bag("k"))  # mutable: unhashable
    with pytest.raises(dataclasses.FrozenInstanceError):
        Point(1).x = 2  # type: ignore[misc]
    assert Bag.__doc__ is None and Point.__doc__ == "A frozen record."


def test_a_class_nobody_made_yet_answers_for_its_fields() -> None:
    @record(frozen=True)
    class Untouched:
        a: int
        b: str = "x"

    assert dataclasses.is_dataclass(Untouched)
    assert [f.name for f in dataclasses.fields(Untouched)] == ["a", "b"]
    assert [f.name for f in dataclasses.fields(Point3)] == ["x", "y", "label", "z"]


def test_records_copy_pickle_and_replace() -> None:
    moved = pickle.loads(pickle.dumps(Point3(1, 2, "l", 3)))
    assert moved == Point3(1, 2, "l", 3) and moved.label == "l"
    assert dataclasses.replace(Bag("k", ["a"]), kind="j") == Bag("j", ["a"])
    assert dataclasses.asdict(Point(4)) == {"x": 4, "y": 0, "label": ""}


def _first_use_in_threads(cls: type, threads: int) -> tuple[list[str], list[BaseException]]:
    start = threading.Barrier(threads)
    made: list[str] = []
    failed: list[BaseException] = []

    def use() -> None:
        start.wait()
        try:
            made.append(repr(cls(1, c=(3,))))
        except BaseException as exc:
            failed.append(exc)

    running = [threading.Thread(target=use) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    return made, failed


def test_threads_that_first_use_a_class_together_all_get_whole_instances() -> None:
    """The daemon's and the console's threads may meet a record for the first time at once:
    each must wait for the one making it, not find half a class."""
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    try:
        for _ in range(20):
            @record(frozen=True)
            class Fresh:
                a: int
                b: int = 2
                c: tuple[int, ...] = ()

            made, failed = _first_use_in_threads(Fresh, 8)
            assert not failed
            assert made == [f"{Fresh.__qualname__}(a=1, b=2, c=(3,))"] * 8
    finally:
        sys.setswitchinterval(switch)
