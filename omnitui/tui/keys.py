"""Textual bindings built from the one key table (omnitui/keymap.py), so a binding's keys,
description and id are written once, where the config loader can check them too."""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding

from omnitui.config import Macro
from omnitui.keymap import BY_ID


def bind(binding_id: str, action: str, *, priority: bool = False) -> Binding:
    key = BY_ID[binding_id]
    return Binding(key.keys, action, key.footer or key.description, show=bool(key.footer),
                   id=binding_id, priority=priority, tooltip=key.description)


def key_words(key_id: str, description: str, macros: Sequence[Macro]) -> str | None:
    """What a key is called on screen: a macro's number key by the macro's name ("Macro 2:
    Double charge"; the help said only "Macro 2"), and nothing for a number no macro has
    (the palette offered "Macro 7" with three macros)."""
    number = key_id.removeprefix("macro.")
    if not number.isdigit():
        return description
    if int(number) > len(macros):
        return None
    return f"Macro {number}: {macros[int(number) - 1].name}"
