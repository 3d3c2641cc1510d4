"""The console on the terminals agents have: NO_COLOR."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.color import Color as RichColor
from textual.geometry import Region

from omnitui.tui.app import OmnituiApp
from tests.tui.helpers import drive, queue


def contrast(one: RichColor, other: RichColor) -> float:
    """WCAG's contrast ratio of two colours: 4.5 is what body text needs."""
    def luminance(color: RichColor) -> float:
        parts = [c / 255 for c in color.get_truecolor()]
        r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_no_color_keeps_late_as_readable_as_the_text_beside_it(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under NO_COLOR every colour became the grey of its brightness: the SLA column's red
    "late" came out dark grey on the near-black list (a ratio of 2), the hardest words on
    the screen to read where they say the most."""
    monkeypatch.setenv("NO_COLOR", "1")

    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        lines = cases.render_lines(Region(0, 0, cases.size.width, cases.size.height))
        late = [segment.style for line in lines[1:] for segment in line
                if segment.text.startswith("late") and segment.style]
        assert late  # the demo has cases past their SLA
        for style in late:
            assert style.bold  # what says late without colour
            assert contrast(style.color, style.bgcolor) >= 4.5

    drive(demo_db, script, size=(80, 24))
