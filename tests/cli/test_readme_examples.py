"""The README's first steps, run as written in a fresh home: `omnitui demo`, then the
`omnitui cases` and `omnitui case 1245` it shows, then `omnitui` and `omnitui doctor`."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.conftest import Run

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def example(command: str) -> list[str]:
    """The lines of the README's example output for `command` (the block after its mention)."""
    found = re.search(rf"\(`{re.escape(command)}`[^)]*\)[^`]*?```\n(.*?)```", README, re.S)
    assert found, f"no README example for {command}"
    return found.group(1).splitlines()


# An SLA cell: a countdown, or, while the team's business clock stands (nights, weekends:
# the demo works Berlin hours), the due moment ("Mo 09:10", "09:10", "28 Dec")
ROW = re.compile(r"\s*\d+\s+\d+ (late \d+[mhdwy]|in \d+[mhdwy]|paused|-|[A-Z][a-z] \d\d:\d\d"
                 r"|\d\d:\d\d|\d\d [A-Z][a-z]{2})\s+\S+")
LABELS = ("case #", "priority ", "SLA: ", "routed: ", "customer: ", "← ", "→ ", "  joined: ",
          "  wants: ", "  read: ")


def labels(lines: list[str]) -> set[str]:
    """The kinds of line a case's text has (what it says varies with the hour the demo is
    built: its team works Berlin business hours)."""
    return {label for line in lines for label in LABELS if line.startswith(label)}


def test_the_readme_examples_work_after_omnitui_demo(omnitui: Run) -> None:
    built = omnitui("demo")  # as the README's first command (no terminal: the summary)
    assert "2,000 customers" in built.stdout
    notice = "using the demo store"

    cases = omnitui("cases")  # the demo's open cases are more than a page
    assert len(cases.stderr.splitlines()) == 2 and re.fullmatch(
        r"the first 50 of [\d,]+ shown; --limit N shows more", cases.stderr.splitlines()[1])
    assert notice in cases.stderr.splitlines()[0]
    shown, expected = cases.stdout.splitlines(), example("omnitui cases")
    assert shown[0].split() == expected[0].split()  # the header
    for line in shown[1:len(expected)] + expected[1:]:  # rows of one shape, here and there
        assert ROW.match(line), line

    case = omnitui("case", "1245")
    assert notice in case.stderr
    # an agent's reply ("→ ") is there only if the team answered it by the hour the demo is
    # built (it keeps Berlin business hours): every other kind of line always is
    assert labels(example("omnitui case 1245")) - {"→ "} <= labels(case.stdout.splitlines())

    assert notice in omnitui("doctor").stderr  # exit 0: everything checks out
    summary = omnitui()  # the console, or without a terminal the store at a glance
    assert notice in summary.stderr and "demo.db" in summary.stdout

    omnitui("init")  # now there is a store of one's own, and it is the one used
    own = omnitui("cases")
    assert own.stderr == "" and "no cases match" in own.stdout
