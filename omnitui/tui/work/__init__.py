"""What the console's keys do to cases, one module per kind; each function takes the screen
the key was pressed on (a WorkScreen: it says which cases) and changes them through the
Desk.

A module here loads at its first use (`work.fields`, PEP 562): they pull in the action
layer, the composer and every dialog, which the queue's first paint does not need. The
console preloads them once it is painted (omnitui/tui/app.py), so the first key does not
wait either.
"""

from importlib import import_module
from types import ModuleType

KINDS = ("customers", "fields", "macros", "messages", "writing")


def __getattr__(name: str) -> ModuleType:
    if name in KINDS:
        return import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
