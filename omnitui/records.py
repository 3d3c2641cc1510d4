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

Classes that need `order=True` use `@dataclass` itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform, overload

Cls = TypeVar("Cls", bound=type)


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
    cls.__repr__ = _repr  # type: ignore[assignment]
    cls.__eq__ = _eq  # type: ignore[assignment]
    cls.__hash__ = _hash if frozen else None  # type: ignore[assignment]
    return cls


@overload
def record(cls: Cls, /) -> Cls: ...


@overload
def record(*, frozen: bool = False) -> Callable[[Cls], Cls]: ...


@dataclass_transform(field_specifiers=(field, Field))
def record(cls: Any = None, /, *, frozen: bool = False) -> Any:
    """`@dataclass` or `@dataclass(frozen=True)`, with the shared repr, eq and hash."""
    def make(cls: Cls) -> Cls:
        return _finish(dataclass(repr=False, eq=False, frozen=frozen)(cls), frozen)
    return make if cls is None else make(cls)
