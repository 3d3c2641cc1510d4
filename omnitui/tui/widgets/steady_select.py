"""Textual's Select, steady while its parts are still being composed.

Select sets its value when it mounts, and shows it in its current-value part's label. On a
busy machine that part may not have composed its label yet (Textual 8): the query for it
raised NoMatches, and the console ended while it prepared the composer unseen at its start.
"""

from __future__ import annotations

from typing import Any

from textual.css.query import NoMatches
from textual.widgets import Select


class SteadySelect(Select[Any]):
    """A Select that shows its value once its label is there, rather than failing."""

    def _watch_value(self, value: Any) -> None:
        try:
            super()._watch_value(value)
        except NoMatches:
            self.call_after_refresh(super()._watch_value, value)
