"""Console widgets."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


def show_line(widget: Static, text: Text) -> None:
    """Put `text` in a status line or banner, only when it differs from what is shown, and
    without laying the screen out again while old and new text each fit on one line: every
    console's status bar counts the cases of its view, which change with each case any
    customer opens, and a layout repaints the whole screen."""
    shown = widget.content
    if shown == text:
        return
    width = widget.size.width
    one_line = isinstance(shown, Text) and shown.cell_len <= width and text.cell_len <= width
    widget.update(text, layout=not one_line)
