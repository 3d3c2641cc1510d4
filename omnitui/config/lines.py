"""Where a key is written in a config file: the line a configuration error names, so an
admin goes to it ("queues[1].sla_policy" said which entry only to someone who counts
[[queues]] from zero).

Read from the text as TOML writes it (a [table], an [[array of tables]], `key = value`), not
from a parser: the standard library's keeps no positions. The lines inside a multi-line
string are its text, not keys (a macro's reply holding a line "[Your order]" moved every key
after it into a table of that name).
"""

from __future__ import annotations

import re

HEADER = re.compile(r"\s*(\[\[?)\s*([\w.\- ]+?)\s*\]\]?\s*(?:#.*)?$")
PART = r"""(?:[\w\-]+|"[^"]*"|'[^']*')"""  # a bare key, or a quoted one ("queue.down")
ASSIGNMENT = re.compile(rf"\s*({PART}(?:\s*\.\s*{PART})*)\s*=")
KEY = re.compile(r"(?:unknown key )?([\w\-]+(?:\[\d+\])?(?:\.[\w\-]+(?:\[\d+\])?)*)")


def line_of(message: str, text: str) -> int | None:
    """The line of the key a configuration error's words start with (after the file), or of
    the nearest table or key that holds it; None when the file does not write it."""
    found = KEY.match(message)
    if found is None:
        return None
    wanted = found[1]
    best: tuple[int, int] | None = None  # (the length of the path matched, its line)
    for number, path in _written(text):
        if (wanted == path or wanted.startswith((f"{path}.", f"{path}["))) and (
                best is None or len(path) > best[0]):
            best = (len(path), number)
    if best is None:  # a key naming an array of tables ([[queue]] for [[queues]]): its first
        return next((number for number, path in _written(text)
                     if path.startswith(f"{wanted}[")), None)
    return best[1]


def _written(text: str) -> list[tuple[int, str]]:
    """Each table and key of the file with its line, as a path such as "queues[1].skills"."""
    found: list[tuple[int, str]] = []
    table = ""
    arrays: dict[str, int] = {}  # an array of tables' path -> its last entry's index
    string: str | None = None  # the quotes of a multi-line string still open
    for number, line in enumerate(text.splitlines(), start=1):
        inside, string = string is not None, _string_open_after(line, string)
        if inside:
            continue
        if header := HEADER.match(line):
            table = _resolved(header[2], arrays)
            if header[1] == "[[":  # its next entry
                arrays[table] = arrays.get(table, -1) + 1
                table = f"{table}[{arrays[table]}]"
            found.append((number, table))
        elif assignment := ASSIGNMENT.match(line):
            key = ".".join(part.strip("\"'") for part in re.findall(PART, assignment[1]))
            found.append((number, f"{table}.{key}" if table else key))
    return found


def _resolved(name: str, arrays: dict[str, int]) -> str:
    """A header's dotted name with the index of each array of tables it is inside:
    [queues.escalation] after the second [[queues]] is "queues[1].escalation"."""
    *outer, last = re.sub(r"\s", "", name).split(".")
    path = ""
    for part in outer:
        path = f"{path}.{part}" if path else part
        if path in arrays:
            path = f"{path}[{arrays[path]}]"
    return f"{path}.{last}" if path else last


def _string_open_after(line: str, string: str | None) -> str | None:
    """The quotes of a multi-line string (three " or three ') open at the end of `line`,
    given those open at its start; single-line strings and comments are passed over."""
    at = 0
    while at < len(line):
        if string is not None:  # look for its end
            end = _end_of(line, at, string)
            if end is None:
                return string
            at, string = end, None
        elif line.startswith(('"""', "'''"), at):
            string, at = line[at:at + 3], at + 3
        elif line[at] in "\"'":
            at = _end_of(line, at + 1, line[at]) or len(line)
        elif line[at] == "#":
            break
        else:
            at += 1
    return string


def _end_of(line: str, at: int, quotes: str) -> int | None:
    """Where the string that `quotes` opened ends in `line` (just after its closing quotes),
    reading from `at`; None if not on this line. A basic string's backslash escapes the next
    character; a literal string (') has no escapes."""
    escapes = quotes.startswith('"')
    while at < len(line):
        if escapes and line[at] == "\\":
            at += 2
        elif line.startswith(quotes, at):
            at += len(quotes)
            while len(quotes) == 3 and line.startswith(quotes[0], at):  # up to two more
                at += 1  # quotes are the string's own
            return at
        else:
            at += 1
    return None
