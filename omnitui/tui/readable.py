"""NO_COLOR without unreadable words: Textual turns each colour into the grey of its
luminance, so red (the SLA column's "late", a failed delivery, a failing channel) came out
dark grey on the near-black screen, the hardest words to read where they say the most."""

from __future__ import annotations

from functools import lru_cache

from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.filter import LineFilter

# WCAG's least contrast for large text and a screen's parts: the muted greys of hints and
# counts keep theirs; what was a saturated colour falls below it.
LEAST_CONTRAST = 3.0


class Readable(LineFilter):
    """After Textual's Monochrome filter (every colour a grey): words whose grey is too
    close to their background's are drawn in the background's contrasting text colour.
    Bold, dim and reverse stay, and say what the colour said."""

    def apply(self, segments: list[Segment], background: Color) -> list[Segment]:
        return [Segment(text, readable(style, background) if style and text.strip() else style,
                        control) for text, style, control in segments]


@lru_cache(1024)
def readable(style: Style, background: Color) -> Style:
    if style.color is None or style.color.is_default:
        return style  # the terminal's own colour
    ground = background if style.bgcolor is None or style.bgcolor.is_default else \
        Color.from_rich_color(style.bgcolor)
    if _contrast(Color.from_rich_color(style.color), ground) >= LEAST_CONTRAST:
        return style
    return style + Style(color=(ground + ground.get_contrast_text()).rich_color)


def _contrast(one: Color, other: Color) -> float:
    """WCAG's contrast ratio, from 1 (the same) to 21 (black on white)."""
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _luminance(color: Color) -> float:
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
               for c in color.normalized)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b
