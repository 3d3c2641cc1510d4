"""The CLI on the terminals agents have: a locale that cannot show every character, a
terminal that cannot draw the console."""

from __future__ import annotations

import sys

import pytest

from tests.cli.conftest import Run
from tests.tui.helpers import Terminal

# A C locale with Python's UTF-8 mode off writes ASCII, as a Latin-1 locale writes Latin-1:
# neither can show a name in Japanese (PYTHONIOENCODING empty: as if unset).
ASCII_TERMINAL = {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONIOENCODING": ""}


def test_a_name_the_locale_cannot_show_is_escaped_not_a_traceback(omnitui: Run) -> None:
    omnitui("init")
    logged = omnitui("log-contact", "--channel", "phone", "--phone", "+14155550177",
                     "--name", "山田 太郎", "荷物が届きません 🙏")
    assert "logged on case #1" in logged.stdout
    for args in (("case", "1"), ("cases",), ("cases", "--format", "json")):
        shown = omnitui(*args, check=False, env=ASCII_TERMINAL)
        assert shown.returncode == 0, shown.stderr
        assert "Traceback" not in shown.stderr
        assert "\\u5c71\\u7530" in shown.stdout  # 山田, as \uXXXX
    assert "\\u8377\\u7269" in omnitui("case", "1", env=ASCII_TERMINAL).stdout  # the message


@pytest.mark.parametrize(("term", "locale", "why"), [
    ("dumb", {}, "(TERM is dumb)"),
    ("xterm-256color", ASCII_TERMINAL, "(this locale writes ascii, not UTF-8)")])
def test_where_the_console_cannot_draw_it_says_why_and_prints_the_summary(
        omnitui: Run, cli_env: dict[str, str], term: str, locale: dict[str, str],
        why: str) -> None:
    """TERM=dumb (an editor's shell buffer, a CI log) cannot draw a screen: the console's
    escapes came out as garbage, with no way out the agent could see; a locale not in UTF-8
    drew its boxes as \\u256d\\u2500."""
    omnitui("init")
    terminal = Terminal([sys.executable, "-m", "omnitui"], env={**cli_env, **locale},
                        size=(80, 24), term=term)
    try:
        assert terminal.exit_status(within=60) == 0
    finally:
        terminal.close()
    drawn = terminal.output.decode()
    assert "\x1b[?1049h" not in drawn  # no full screen
    assert why in drawn and "`omnitui cases`" in drawn
    assert "0 customers" in drawn and "0 cases" in drawn  # the summary, as a pipe gets it
