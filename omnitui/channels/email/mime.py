"""The standard library's parse of a well-formed message, built without its feed parser.

`email.message_from_bytes` reads a message line by line in Python and compiles a regular
expression for every multipart boundary it meets (one per message: the `re` cache cannot
hold them). That was a third of the time an import spends reading mail. Well-formed mail,
nearly all of it, needs neither: its header block is a run of `Name: value` lines, and its
parts lie between lines that are exactly its boundary. `quick_message` finds those with
`str.find` and builds the very `Message` objects the feed parser would, with the same
headers and the same payload strings; everything after (decoding, charsets, filenames,
defects found while decoding) is the standard library's own `Message` code.

What the feed parser would repair or mark as a defect, or treats specially, is refused
(`None`), and the caller parses it the usual way: no blank line after the headers, a
header line that is neither `Name:` nor a continuation, a `From ` line, a lone CR, a
multipart without a boundary, without its first or last delimiter, with two delimiters in
a row or a boundary that begins another, a digest, any `message/*` part. Preambles and
epilogues are not kept: nothing reads them. `tests/channels/test_mime.py` holds the two
parsers to the same tree on mail of every shape, LF and CRLF, 8-bit, and 3,000 damaged
variants (and the bench mailbox's 10,000 messages gave the same trees: bench/README.md).
"""

from __future__ import annotations

import re
from email.message import Message

_NAME = r"[\x21-\x39\x3b-\x7e]+"  # the feed parser's: printable ASCII but the colon
_FIELD = re.compile(rf"({_NAME}):([^\n]*\n(?:[ \t][^\n]*\n)*)")
_BLOCK = re.compile(rf"(?:{_NAME}:[^\n]*\n(?:[ \t][^\n]*\n)*)+")
_LONE_CR = re.compile(r"\r(?!\n)")
_MAX_DEPTH = 30
_PLAIN_ENCODINGS = ("7bit", "8bit", "binary")


def quick_message(raw: bytes) -> Message | None:
    """The message as `message_from_bytes(raw)` parses it, or None for the parser to do."""
    text = raw.decode("ascii", "surrogateescape")
    if "\r" in text and _LONE_CR.search(text):
        return None
    return _part(text, 0, len(text), (), 0)


def _part(text: str, start: int, end: int, outer: tuple[str, ...], depth: int
          ) -> Message | None:
    """The part held by text[start:end] (`outer`: the delimiters of the multiparts it is
    in): its headers, then its payload or its parts."""
    msg = Message()
    body = _headers(text, start, end, msg)
    if body is None:
        return None
    maintype = msg.get_content_maintype()
    if maintype == "message":
        return None
    if maintype != "multipart":
        payload = text[body:end]
        if outer:  # in a multipart, the line ending before a delimiter is the delimiter's
            payload = payload.removesuffix("\n").removesuffix("\r") if payload.endswith(
                "\n") else payload
        msg.set_payload(payload)
        return msg
    if depth >= _MAX_DEPTH or msg.get_content_subtype() == "digest" or str(
            msg.get("content-transfer-encoding", "8bit")).lower() not in _PLAIN_ENCODINGS:
        return None
    boundary = msg.get_boundary()
    if not boundary:
        return None
    separator = "--" + boundary
    if any(s.startswith(separator) or separator.startswith(s) for s in outer):
        return None
    spans = _delimited(text, body, end, separator)
    if not spans:
        return None
    for part_start, part_end in spans:
        sub = _part(text, part_start, part_end, (*outer, separator), depth + 1)
        if sub is None:
            return None
        msg.attach(sub)
    return msg


def _headers(text: str, start: int, end: int, msg: Message) -> int | None:
    """Set the header block at text[start:] on `msg` as the feed parser does; returns where
    the payload starts (after the blank line), or None when the block is not clean."""
    if text.startswith(("\n", "\r\n"), start, end):
        return start + (1 if text[start] == "\n" else 2)  # no headers at all
    blank = [at for at in (text.find("\n\n", start, end), text.find("\n\r\n", start, end))
             if at >= 0]
    if not blank:
        return None  # no blank line before the part ends
    stop = min(blank) + 1
    block = text[start:stop]
    if not _BLOCK.fullmatch(block):  # a "From " line fails it too
        return None
    for field in _FIELD.finditer(block):
        # compat32's header_source_parse: the value after the colon, its first line's
        # leading blanks and its last line ending dropped, folds kept
        msg.set_raw(field[1], field[2].lstrip(" \t").rstrip("\r\n"))
    return stop + (1 if text[stop] == "\n" else 2)


def _delimited(text: str, start: int, end: int, separator: str) -> list[tuple[int, int]]:
    """The spans between the delimiter lines of text[start:end]; [] unless there is a first
    delimiter and a closing one."""
    spans: list[tuple[int, int]] = []
    opened = -1  # where the current part starts
    pos = start
    while (found := text.find(separator, pos, end)) >= 0:
        pos = found + len(separator)
        if found != start and text[found - 1] != "\n":
            continue
        closing = text.startswith("--", pos, end)
        eol = text.find("\n", pos, end)
        line_end = end if eol < 0 else eol + 1
        rest = text[pos + 2 if closing else pos:line_end].rstrip("\n").removesuffix("\r")
        if rest.strip(" \t"):
            continue  # "--boundary" followed by more text is not a delimiter
        if opened >= 0:  # two in a row leave a part that has no blank line: refused
            spans.append((opened, found))
        if closing:
            return spans
        opened = line_end
        pos = line_end
    return []
