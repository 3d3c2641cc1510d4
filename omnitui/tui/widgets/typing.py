"""Text fields that apply keys in the order they were typed.

Textual's Input and TextArea insert printable characters as their key events arrive, but
run their own bound keys (backspace, arrows, ctrl+w, enter in a one-line field) only after
the event has bubbled up to the app, behind the keys already queued. A fast typist, a paste
of keystrokes or a slow moment reorders them: "refunx", backspace, "d" became "refunx"
(Textual issue 6605). These fields run their own bindings as the key arrives. Priority
bindings (the composer's ctrl+j) are still checked first by the app, as before.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.widgets import Input, TextArea

HOLD_AT_MOST = 0.5  # seconds a search field holds the keys typed after its enter


class KeyHolder:
    """Keys typed after a key that ends the typing here (an enter that picks or searches, a
    send) belong to wherever the keyboard goes next: held from `hold`, handed on at
    `release`. Fields and pickers alike (a mixin of a widget or a screen)."""

    _keys_held: list[events.Key] | None = None  # since `hold`, till `release`

    def hold(self) -> None:
        """Keep the keys that reach here from now on."""
        self._keys_held = []

    def release(self) -> None:
        """Hand the keys held on, typed again for wherever the keyboard is now."""
        held, self._keys_held = self._keys_held or [], None
        hand_on(self.app, held)  # type: ignore[attr-defined]

    def held_back(self, event: events.Key) -> bool:
        """Whether `event` is kept for later (holding): then it goes no further now."""
        if self._keys_held is None:
            return False
        event.stop()
        event.prevent_default()
        self._keys_held.append(event)
        return True


class _InOrder(KeyHolder):
    async def _on_key(self, event: events.Key) -> None:
        if self.held_back(event):
            return
        for binding in self._bindings.key_to_bindings.get(event.key, []):  # type: ignore[attr-defined]
            if not binding.priority:
                event.stop()
                event.prevent_default()
                await self.run_action(binding.action)  # type: ignore[attr-defined]
                return
        await super()._on_key(event)  # type: ignore[misc]


class TypingInput(_InOrder, Input):
    """An Input whose editing keys keep their place among the typed characters."""


class SearchInput(TypingInput):
    """A search field whose enter hands the keys typed after it to where the screen then
    puts the keyboard (the list, a case it opens): they reached the field first, as the
    screen moves the keyboard only once it hears of the enter ("/order", enter and n at
    once put "ordern" in the box). Tab takes the completion shown, as a shell's does."""

    BINDINGS = [Binding("tab", "complete", "Complete", show=False)]

    async def action_complete(self) -> None:
        """The completion, if any; else on to the next field as tab goes (it left the box,
        "channel:wha" half typed, and the next enter opened a case). Worked out here, not
        read off the screen: typed in one burst, the tab came before the completion shown
        was worked out, and went on to the list."""
        typed = self.value
        if self.cursor_at_end and self.suggester is not None and (
                found := await self.suggester.get_suggestion(typed)) and found != typed:
            self.value, self.cursor_position = found, len(found)
        else:
            self.screen.focus_next()

    async def action_submit(self) -> None:
        self.hold()
        await super().action_submit()
        self.set_timer(HOLD_AT_MOST, self.release)  # the keyboard stayed: they are its

    def on_blur(self) -> None:
        self.release()


def hand_on(app: App[Any], keys: list[events.Key]) -> None:
    """Keys that reached a field or a dialog after the enter that ended it, typed again for
    wherever the keyboard is now."""
    for key in keys:
        app.post_message(events.Key(key.key, key.character))


class TypingArea(_InOrder, TextArea):
    """A TextArea whose editing keys keep their place among the typed characters."""
