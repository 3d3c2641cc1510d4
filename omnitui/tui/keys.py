"""Textual bindings built from the one key table (omnitui/keymap.py), so a binding's keys,
description and id are written once, where the config loader can check them too."""

from __future__ import annotations

from collections.abc import Sequence

from textual.binding import Binding
from textual.dom import DOMNode

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


def action_name(action: str) -> str:
    """An action's name without its arguments: `write` of "write('reply')"."""
    return action.partition("(")[0]


def bound_action(node: DOMNode, key: str) -> str | None:
    """The action `key` runs on `node`, as [keymap] binds it (Textual keeps the remapped
    bindings in the screen's chain, not in the node's own: a remapped key was silent and the
    old one still spoke), if any."""
    return next((action_name(binding.action)
                 for owner, bindings in node.screen._binding_chain if owner is node
                 for binding in bindings.key_to_bindings.get(key, ())), None)
