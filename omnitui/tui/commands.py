"""Command palette entries (ctrl+p or :): every view, every sort, and every action that has
a key, so nothing in the console needs its key remembered."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.content import Content

from omnitui.sanitize import sanitize
from omnitui.vocabulary import SORTS

if TYPE_CHECKING:
    from omnitui.tui.app import OmnituiApp

NOT_COMMANDS = {"app.commands", "app.help"}  # the palette itself; help has its own entry


def literal(label: str) -> Content:
    """A palette entry shown as written: view names come from queue and channel names, which
    must be neither markup (Textual's own highlight reads markup) nor raw escapes."""
    return Content(sanitize(label, multiline=False))


class ConsoleCommands(Provider):
    async def search(self, query: str) -> Hits:
        app: OmnituiApp = self.app  # type: ignore[assignment]
        queue = app.queue
        matcher = self.matcher(query)
        for index, view in enumerate(queue.views):
            label = f"view: {view.name}"
            if (score := matcher.match(label)) > 0:
                yield Hit(score, literal(label), partial(queue.set_view, index),
                          help="switch the queue to this view")
        for sort, name in SORTS.items():
            label = f"sort: {name}"
            if (score := matcher.match(label)) > 0:
                yield Hit(score, literal(label), partial(queue.set_sort, sort),
                          help="order the queue this way (s cycles)")
        for owner, binding in self._bindings(app):
            label = f"{binding.tooltip or binding.description} ({app.keys_of(binding.id or '')})"
            if (score := matcher.match(label)) > 0:
                yield Hit(score, literal(label),
                          partial(app.run_action, binding.action, owner),
                          help=binding.id or "")

    def _bindings(self, app: OmnituiApp) -> list[tuple[object, Binding]]:
        """The actions of the screen the palette was opened on (its own and those it
        inherits: the keys every case screen shares), then the app's."""
        found = [(self.screen, b) for owner in type(self.screen).__mro__
                 for b in vars(owner).get("BINDINGS", []) if isinstance(b, Binding)]
        found += [(app, b) for b in app.BINDINGS if isinstance(b, Binding)]
        return [(owner, b) for owner, b in found if b.id and b.id not in NOT_COMMANDS]
