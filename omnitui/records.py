"""`@record`: a dataclass whose repr, eq and hash are shared functions, not compiled per class.

Python 3.11's `@dataclass` writes every method it adds as source text and compiles it with
`exec`. A store command imports about eighty dataclasses; their `__repr__`, `__eq__` and
`__hash__` alone took 14 ms of its start, and every headless command must start within 50 ms
of `import typer, rich`. `@record` lets `@dataclass` make `__init__` (and, when frozen, the
guards against assignment) and gives the class three functions written once here, which
behave as the generated ones do:

- repr: `Name(field=value, ...)` over the fields with `repr=True`;
- eq: equal when both are instances of the very same class with equal compared fields;
- hash: a frozen record hashes its compared fields; a mutable one is unhashable.

The dataclass work is also put off until the class is first used: its first instance (the
record's `__new__` does it), or `dataclasses.fields` / `is_dataclass` on the class (a
stand-in `__dataclass_fields__` does it). A command uses about half the records it imports,
so half of the compiling never happens: `omnitui tag` starts 8 to 11 ms sooner. The price is
that `__new__`, 0.14 µs on each instance. A lock makes a first use in two threads at once
safe: the second waits in `__new__` until the class is complete. Until then, a field's
default read from the class itself (`Cls.field`) is what the class body wrote, a `field(...)`
included; nothing here reads defaults that way. A record without a docstring keeps none
(`@dataclass` would write one from the signature, here that of `__new__`).

The `__new__` stays: once a class has had a Python `__new__`, CPython keeps calling one
(`object.__new__` would then refuse the arguments).

Classes that need `order=True` use `@dataclass` itself.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

Cls = TypeVar("Cls", bound=type)

_making = threading.RLock()  # re-entrant: making a record first makes its record bases


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self)._record_shown)
    return f"{type(self).__qualname__}({shown})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    compared = type(self)._record_compared
    return compared(self) == compared(other)


def _hash(self: Any) -> int:
    return hash(type(self)._record_compared(self))


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving the named attributes as one tuple, even for one name or none."""
    if not names:
        return lambda _: ()
    get = attrgetter(*names)
    return (lambda item: (get(item),)) if len(names) == 1 else get


def _finish(cls: Cls, frozen: bool) -> Cls:
    made = fields(cls)
    cls._record_shown = tuple(f.name for f in made if f.repr)  # type: ignore[attr-defined]
    cls._record_compared = _getter(  # type: ignore[attr-defined]
        tuple(f.name for f in made if f.compare))
    return cls


class _FieldsOnFirstUse:
    """`__dataclass_fields__` until the class is made: reading it makes the class."""

    def __init__(self, make: Callable[[], type]) -> None:
        self.make = make

    def __get__(self, instance: object, owner: type) -> Any:
        return self.make().__dataclass_fields__  # type: ignore[attr-defined]


def _put_off(cls: Cls, frozen: bool) -> Cls:
    """Give `cls` its shared methods now and the dataclass work on its first use."""
    cls.__repr__ = _repr  # type: ignore[assignment]
    cls.__eq__ = _eq  # type: ignore[assignment]
    cls.__hash__ = _hash if frozen else None  # type: ignore[assignment]

    made = False

    def make() -> type:
        nonlocal made
        with _making:
            if not made:
                doc = cls.__doc__
                _finish(dataclass(repr=False, eq=False, frozen=frozen)(cls), frozen)
                cls.__doc__ = doc
                made = True
        return cls

    def new(kind: type, /, *args: Any, **kwargs: Any) -> Any:
        """Every instance's `__new__`: the first call makes the class."""
        if not made:
            make()
        return object.__new__(kind)

    cls.__dataclass_fields__ = _FieldsOnFirstUse(make)  # type: ignore[attr-defined]
    cls.__new__ = staticmethod(new)  # type: ignore[assignment]
    return cls


@overload
def record(cls: Cls, /) -> Cls: ...


@overload
def record(*, frozen: bool = False) -> Callable[[Cls], Cls]: ...


@dataclass_transform(field_specifiers=(field, Field))
def record(cls: Any = None, /, *, frozen: bool = False) -> Any:
    """`@dataclass` or `@dataclass(frozen=True)`, with the shared repr, eq and hash."""
    def make(cls: Cls) -> Cls:
        return _put_off(cls, frozen)
    return make if cls is None else make(cls)
