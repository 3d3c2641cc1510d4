"""The bar of keys at the bottom of the queue and the case screens."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widget import Widget

HELP = "app.help"  # the binding id of the key that lists every key: the bar keeps it


class KeyBar(Widget):
    """The keys that work on this screen now, drawn in the screen's first paint.

    Textual's Footer composes its keys only once the screen has reported its bindings, one
    frame (0.07 to 0.11 s at a million cases) after the screen itself, so every screen took
    two paints to reach its final state. This is one line of text read from the screen's
    active bindings as it is drawn, drawn again when they change; a click on a key presses
    it, and the command palette's key always has the right end.
    """

    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $footer-background;
             color: $footer-description-foreground; }
    KeyBar > .key-bar--key { color: $footer-key-foreground; background: $footer-key-background;
                             text-style: bold; }
    """
    COMPONENT_CLASSES = {"key-bar--key"}

    def __init__(self) -> None:
        super().__init__()
        self._spans: list[tuple[int, int, str]] = []  # where each key is drawn: x0, x1, key

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _screen: self.refresh())

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _shown(self) -> tuple[list[tuple[Binding, bool]], Binding | None]:
        """The bindings to show (one per action, in the screen's order) and the palette's."""
        active = self.screen.active_bindings
        shown: dict[str, tuple[Binding, bool]] = {}
        for _node, binding, enabled, _tooltip in active.values():
            if binding.show:
                shown.setdefault(binding.action, (binding, enabled))
        palette = None
        if self.app.ENABLE_COMMAND_PALETTE and self.app.COMMAND_PALETTE_BINDING in active:
            palette = active[self.app.COMMAND_PALETTE_BINDING][1]
        return list(shown.values()), palette

    def render(self) -> Text:
        """Each key whole or not at all: those that do not fit give way from the end, but
        help, which lists them all (at 80 columns a case's "? Help" was cut to "? Hel")."""
        key_style = self.get_component_rich_style("key-bar--key")
        bindings, palette = self._shown()
        chips = [(binding, Text.assemble((f" {self.app.get_key_display(binding)} ", key_style),
                                         (f"{binding.description} ", "" if enabled else "dim")))
                 for binding, enabled in bindings]
        label = Text() if palette is None else Text.assemble(
            (f" {self.app.get_key_display(palette)} ", key_style), f"{palette.description} ")
        room = max(0, self.size.width - label.cell_len)
        while sum(chip.cell_len for _, chip in chips) > room and (
                gives := [at for at, (binding, _) in enumerate(chips) if binding.id != HELP]):
            del chips[gives[-1]]
        line, spans = Text(no_wrap=True, overflow="crop"), []
        for binding, chip in chips:
            spans.append((line.cell_len, line.cell_len + chip.cell_len, binding.key))
            line.append_text(chip)
        if palette is not None:  # always at the right end
            line.truncate(room, pad=True)
            spans = [(start, end, key) for start, end, key in spans if end <= room]
            spans.append((room, self.size.width, palette.key))
            line.append_text(label)
        self._spans = spans
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, key in self._spans:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
