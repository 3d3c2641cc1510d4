"""Console widgets."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


def show_line(widget: Static, text: Text) -> None:
    """Put `text` in a status line or banner, only when it differs from what is shown: an
    update lays the whole screen out again, and the health tick asks every few seconds."""
    if widget.content != text:
        widget.update(text)
