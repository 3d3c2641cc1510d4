"""Hostile outside text reaches the terminal harmless and literal."""

from __future__ import annotations

from omnitui.sanitize import sanitize


def test_escape_sequences_and_controls_are_removed() -> None:
    hostile = ("\x1b[2J\x1b[31mred\x1b[0m \x1b]52;c;ZXZpbA==\x07clip \x1b]0;title\x1b\\"
               "bell\x07 nul\x00 back\x08 \x9b31mcsi8 \u202eevil\u202c done")
    assert sanitize(hostile) == "red clip bell nul back csi8 evil done"


def test_markup_is_left_as_text_and_lines_kept() -> None:
    assert sanitize("[bold red]hi[/] line\r\nnext\rmore") == "[bold red]hi[/] line\nnext\nmore"
    assert sanitize("a\n\tb", multiline=False) == "a b"
