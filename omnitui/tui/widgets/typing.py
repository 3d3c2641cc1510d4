"""Text fields that apply keys in the order they were typed.

Textual's Input and TextArea insert printable characters as their key events arrive, but
run their own bound keys (backspace, arrows, ctrl+w, enter in a one-line field) only after
the event has bubbled up to the app, behind the keys already queued. A fast typist, a paste
of keystrokes or a slow moment reorders them: "refunx", backspace, "d" became "refunx"
(Textual issue 6605). These fields run their own bindings as the key arrives. Priority
bindings (the composer's ctrl+j) are still checked first by the app, as before.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input, TextArea


class _InOrder:
    async def _on_key(self, event: events.Key) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, []):  # type: ignore[attr-defined]
            if not binding.priority:
                event.stop()
                event.prevent_default()
                await self.run_action(binding.action)  # type: ignore[attr-defined]
                return
        await super()._on_key(event)  # type: ignore[misc]


class TypingInput(_InOrder, Input):
    """An Input whose editing keys keep their place among the typed characters."""


class TypingArea(_InOrder, TextArea):
    """A TextArea whose editing keys keep their place among the typed characters."""
