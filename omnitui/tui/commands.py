"""Command palette entries (ctrl+p): every view, by name."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from textual.command import Hit, Hits, Provider

if TYPE_CHECKING:
    from omnitui.tui.app import OmnituiApp


class ViewCommands(Provider):
    async def search(self, query: str) -> Hits:
        app: OmnituiApp = self.app  # type: ignore[assignment]
        matcher = self.matcher(query)
        for index, view in enumerate(app.views):
            label = f"view: {view.name}"
            if (score := matcher.match(label)) > 0:
                yield Hit(score, matcher.highlight(label), partial(app.set_view, index),
                          help="switch the queue to this view")
