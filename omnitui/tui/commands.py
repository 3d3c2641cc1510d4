"""Command palette entries (ctrl+p or :): every view, every sort, and every action that has
a key, so nothing in the console needs its key remembered."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content
from textual.dom import DOMNode
from textual.widgets import Input, TextArea

from omnitui.choices import SORTS
from omnitui.sanitize import sanitize
from omnitui.tui.keys import action_name, key_words
from omnitui.tui.screens.work import WorkScreen

if TYPE_CHECKING:
    from omnitui.tui.app import OmnituiApp

NOT_COMMANDS = {"app.commands", "app.help"}  # the palette itself; help has its own entry


def literal(label: str) -> Content:
    """A palette entry shown as written: view names come from queue and channel names, which
    must be neither markup (Textual's own highlight reads markup) nor raw escapes."""
    return Content(sanitize(label, multiline=False))


class ConsoleCommands(Provider):
    async def discover(self) -> Hits:
        """The palette opened with nothing typed lists the console's own entries first
        (it showed only Textual's five until a letter was typed)."""
        for label, command, help_text in self._entries():
            yield DiscoveryHit(literal(label), command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for label, command, help_text in self._entries():
            if (score := matcher.match(label)) > 0:
                yield Hit(score, literal(label), command, help=help_text)

    def _entries(self) -> list[tuple[str, Callable[[], object], str]]:
        """(label, what choosing it does, help): every view, sort and action."""
        app: OmnituiApp = self.app  # type: ignore[assignment]
        queue = app.queue
        entries: list[tuple[str, Callable[[], object], str]] = [
            (f"view: {view.name}", partial(queue.set_view, index),
             "switch the queue to this view") for index, view in enumerate(queue.views)]
        entries += [(f"sort: {name}", partial(queue.set_sort, sort),
                     "order the queue this way (s cycles)") for sort, name in SORTS.items()]
        for owner, binding in self._bindings(app):
            name = self._name(app, binding)
            if name is not None and self._offered(owner, binding):
                entries.append((f"{name} ({app.keys_of(binding.id or '')})",
                                partial(self._run, owner, binding.action),
                                binding.id or ""))
        return entries

    async def _run(self, owner: DOMNode, action: str) -> None:
        """A chosen entry, run as its key would be, where the screen's keys work: chosen
        with the keyboard in a text field (the queue's search box, whose ctrl+p opens the
        palette), the keyboard leaves the field first, as enter leaves the search box,
        keeping what was typed (every key there is the field's, and the entry did
        nothing)."""
        if isinstance(typing := self.screen.focused, Input | TextArea):
            typing.blur()
        await self.app.run_action(action, owner)

    @staticmethod
    def _offered(owner: DOMNode, binding: Binding) -> bool:
        """Whether the screen would run the action now, as its key bar shows it ("Assign to
        me" on the agent's own case was listed, and chosen did nothing, silently). Asked
        of what the screen declines, not of `check_action`, which also hands every key to
        the text field that has the keyboard: the palette's own box always has it (the
        console's keys were never listed), and opened from the queue's search box, the
        queue's keys were not either."""
        return not isinstance(owner, WorkScreen) or owner.declined(
            action_name(binding.action)) is None

    @staticmethod
    def _name(app: OmnituiApp, binding: Binding) -> str | None:
        """What an action is called (`keys.key_words`)."""
        return key_words(binding.id or "", binding.tooltip or binding.description,
                         app.settings.macros)

    def _bindings(self, app: OmnituiApp) -> list[tuple[DOMNode, Binding]]:
        """The actions of the screen the palette was opened on (its own and those it
        inherits: the keys every case screen shares), then the app's."""
        found: list[tuple[DOMNode, Binding]] = [
            (self.screen, b) for owner in type(self.screen).__mro__
            for b in vars(owner).get("BINDINGS", []) if isinstance(b, Binding)]
        found += [(app, b) for b in app.BINDINGS if isinstance(b, Binding)]
        return [(owner, b) for owner, b in found if b.id and b.id not in NOT_COMMANDS]
