"""format=flowed text (RFC 3676) re-joined into the paragraphs its sender wrote.

Mail clients such as Thunderbird and Apple Mail wrap a plain part at ~72 columns and mark
each soft break with a trailing space; read as fixed lines, a customer's paragraph showed
cut into ragged lines, and a quote level's lines each stood alone. The standard library has
no reader, and PyPI's (formatflowed, last released 2016 for Python 3.6) is not kept, so this
is the RFC's decoding (section 4.2), small enough to read whole.
"""

from __future__ import annotations

__all__ = ["unflow"]

_SIGNATURE = "-- "  # the signature separator is never flowed (RFC 3676 4.3)


def unflow(text: str, *, delsp: bool) -> str:
    """`text` with its soft line breaks joined: per line the quote depth (its leading ">"s)
    and one space-stuffing space are taken off; a line ending in a space flows into the
    next of the same depth (with DelSp=yes that space goes too); a change of depth ends a
    paragraph. Quoted paragraphs come back as ">" * depth + " " + text."""
    out: list[str] = []
    paragraph: list[str] = []
    depth = -1  # the depth of the paragraph being joined; -1: none open
    for line in text.split("\n"):
        level = len(line) - len(line.lstrip(">"))
        content = line[level:]
        content = content.removeprefix(" ")  # space-stuffing (4.4)
        if paragraph and level != depth:  # improperly flowed: a quote level ends it (4.5)
            out.append(_quoted(depth, "".join(paragraph)))
            paragraph = []
        flowed = content.endswith(" ") and content != _SIGNATURE
        if flowed and delsp:
            content = content[:-1]
        paragraph.append(content)
        depth = level
        if not flowed:
            out.append(_quoted(depth, "".join(paragraph)))
            paragraph = []
    if paragraph:
        out.append(_quoted(depth, "".join(paragraph)))
    return "\n".join(out)


def _quoted(depth: int, content: str) -> str:
    if depth <= 0:
        return content
    return f"{'>' * depth} {content}" if content else ">" * depth
