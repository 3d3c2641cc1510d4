"""Textual bindings built from the one key table (omnitui/keymap.py), so a binding's keys,
description and id are written once, where the config loader can check them too."""

from __future__ import annotations

from textual.binding import Binding

from omnitui.keymap import BY_ID


def bind(binding_id: str, action: str, *, priority: bool = False) -> Binding:
    key = BY_ID[binding_id]
    return Binding(key.keys, action, key.footer or key.description, show=bool(key.footer),
                   id=binding_id, priority=priority, tooltip=key.description)
