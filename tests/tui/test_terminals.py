"""The console on the terminals agents have: NO_COLOR, fewer than 80 columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.color import Color as RichColor
from textual.geometry import Region

from omnitui.tui.app import OmnituiApp
from omnitui.tui.screens.modals import ConfirmScreen, LeaveDraftScreen
from tests.tui.helpers import drive, queue, screen_text, settle, wait_for


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


def test_on_a_60_column_terminal_the_dialogs_show_their_whole_question(demo_db: Path) -> None:
    """Below the 80 columns we design for, a question was cut off at the screen's edge
    (the dialogs were 70 columns wide): "k or enter keeps it for later" went unread."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        await pilot.press("r", *"Hallo Zoë, 山田さん")  # type: ignore[attr-defined]
        await settle(app, pilot)
        await pilot.press("escape")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert isinstance(app.screen, LeaveDraftScreen)
        words = " ".join(screen_text(app).replace("│", " ").split())
        assert "k or enter keeps it for later (its key brings it back) · escape writes on" \
            in words
        await pilot.press("k")  # type: ignore[attr-defined]
        await settle(app, pilot)
        await pilot.press("q")  # type: ignore[attr-defined]
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)  # quit: the kept draft is named
        await wait_for(lambda: "[y/n]" in screen_text(app), app, pilot)
        words = " ".join(screen_text(app).replace("│", " ").split())
        assert "their keys bring them back. [y/n]" in words
        await pilot.press("n")  # type: ignore[attr-defined]

    drive(demo_db, script, size=(60, 20))


def test_on_a_60_column_terminal_each_rows_status_is_whole(demo_db: Path) -> None:
    """With every column that may go gone, the rows were still two cells wider than the
    list beside its scrollbar: the status read "pendin" and "on hol". The subject gives
    those cells up instead."""
    async def script(app: OmnituiApp, pilot: object) -> None:
        cases = queue(app)
        assert cases.row_width < 60  # the scrollbar takes its columns
        rows = screen_text(app).splitlines()[1:cases.size.height]
        statuses = {row[:cases.row_width].split()[-1] for row in rows if row.strip()}
        assert statuses and statuses <= {"new", "open", "pending", "hold"}  # "on hold"

    drive(demo_db, script, size=(60, 20))


@pytest.mark.parametrize(("term", "theme"), [("xterm", "ansi-dark"), ("screen", "ansi-dark"),
                                             ("xterm-256color", "textual-dark")])
def test_a_16_colour_terminal_gets_the_theme_of_its_own_palette(
        demo_db: Path, monkeypatch: pytest.MonkeyPatch, term: str, theme: str) -> None:
    """On TERM=xterm, screen or linux the key bar's orange keys on grey came out bright red
    on bright black (a contrast near 1): the keys an agent reads most could not be read."""
    monkeypatch.setenv("TERM", term)
    monkeypatch.delenv("COLORTERM")

    async def script(app: OmnituiApp, pilot: object) -> None:
        assert app.theme == theme

    drive(demo_db, script, size=(80, 24))
