"""The README's first steps, run as written in a fresh home: `omnitui demo`, then the
`omnitui cases` and `omnitui case 1245` it shows, then `omnitui` and `omnitui doctor`."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.conftest import Run

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")  # the demo's story ends now


def example(command: str) -> list[str]:
    """The lines of the README's example output for `command` (the block after its mention)."""
    found = re.search(rf"\(`{re.escape(command)}`[^)]*\)[^`]*?```\n(.*?)```", README, re.S)
    assert found, f"no README example for {command}"
    return found.group(1).splitlines()


def paragraphs(lines: list[str]) -> list[str]:
    """Blank-line separated paragraphs, whitespace folded (the README wraps long lines by
    hand) and times masked."""
    text = "\n".join(lines)
    return [TIME.sub("<time>", " ".join(p.split())) for p in text.split("\n\n") if p.strip()]


def test_the_readme_examples_work_after_omnitui_demo(omnitui: Run) -> None:
    built = omnitui("demo")  # as the README's first command (no terminal: the summary)
    assert "2,000 customers" in built.stdout
    notice = "using the demo store"

    cases = omnitui("cases")
    assert notice in cases.stderr and len(cases.stderr.splitlines()) == 1
    shown = [line.split() for line in cases.stdout.splitlines()]
    expected = [line.split() for line in example("omnitui cases")]
    assert shown[0] == expected[0]  # the header
    # each example row's id, priority, SLA and channel, in the same order at the top
    assert [row[:5] for row in shown[1:len(expected)]] == [row[:5] for row in expected[1:]]

    case = omnitui("case", "1245")
    assert notice in case.stderr
    output = " ".join(paragraphs(case.stdout.splitlines()))
    for paragraph in paragraphs(example("omnitui case 1245")):
        assert paragraph in output

    assert notice in omnitui("doctor").stderr  # exit 0: everything checks out
    summary = omnitui()  # the console, or without a terminal the store at a glance
    assert notice in summary.stderr and "demo.db" in summary.stdout

    omnitui("init")  # now there is a store of one's own, and it is the one used
    own = omnitui("cases")
    assert own.stderr == "" and "no cases match" in own.stdout
