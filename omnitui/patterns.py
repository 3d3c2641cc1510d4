"""The config's regular expressions, run on what customers write, each search with a time
limit: `[[intents]] patterns`, a macro's `when.text`, an assistant question's `pattern`.

A team writes them; anyone can send the text. With Python's `re`, one pattern that
backtracks without end (`(a|aa)+$` on forty a's and a "!") held intake (the daemon, an
import, a webhook) forever on one crafted message. The `regex` package (Apache-2.0) reads
the same syntax with `re`'s meaning (VERSION0) and gives up on a search after a time: here
that counts as no match and is logged by the rule's name (never the text); the classify
stage also notes it on the message.

The config is checked with `re` as it is loaded (`check`): the patterns stay in the
dialect the docs name, and a command does not pay for importing `regex`, whose syntax is a
superset of `re`'s. Where their meanings differ, `regex` follows Unicode: `\\w` takes
combining marks but not "²" or "½", `\\s` not the separators \\x1c-\\x1f, `i` (and
`[a-z]`) in any case not the dotless i (U+0131), and `\\b` sees a word go on through a
combining mark.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from re import _constants, _parser  # type: ignore[attr-defined]  # the tree `re` compiles
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import regex

SECONDS = 0.1  # a search's limit, in the process's CPU time (`regex` reads clock()): in the
# daemon its other threads' work counts too, so a search may stop after half of it. A sane
# pattern takes microseconds on a whole message. Reading the clock costs ~2 µs a search.
SKIPPED = "and was skipped (counted as no match)"  # how its note on a message ends: the
# message's reading noted it, not its parser (`omnitui refile` parses again and keeps it)
MAX_COPIES = 1000  # `regex` unrolls a repeat's least count: `x{1000000,}` took 260 MB as
# it compiled, and `(a{1000}){1000}` as much (its upper bound costs nothing: `x{0,1000000}`)
REPEATS = (_constants.MAX_REPEAT, _constants.MIN_REPEAT, _constants.POSSESSIVE_REPEAT)


class TooBig(re.error):
    """A pattern `re` reads, refused for what compiling it would cost."""


def check(source: str) -> None:
    """Refuse what is not a pattern (`re.error`), or one that `regex` would unroll into
    more than `MAX_COPIES` copies of a part, memory by the gigabyte to compile."""
    re.compile(source)
    if (copies := _copies(_parser.parse(source))) > MAX_COPIES:
        raise TooBig(f"it repeats a part {copies:,} times at least (counts multiply when"
                       f" nested), more than {MAX_COPIES:,}", source)


def _copies(parsed: Iterable[tuple[Any, Any]]) -> int:
    """The most copies of one part of a parsed pattern: the least counts of the repeats
    around it, multiplied."""
    most = 1
    for op, arg in parsed:
        if op in REPEATS:
            least, _, inner = arg
            most = max(most, max(least, 1) * _copies(inner))
        else:
            most = max([most, *(_copies(inner) for inner in _parts(op, arg))])
    return most


def _parts(op: Any, arg: Any) -> list[Any]:
    """The parsed patterns inside a group, an alternation, a look-around or a condition."""
    if op is _constants.SUBPATTERN:
        return [arg[3]]
    if op is _constants.BRANCH:
        return list(arg[1])
    if op in (_constants.ASSERT, _constants.ASSERT_NOT):
        return [arg[1]]
    if op is _constants.ATOMIC_GROUP:
        return [arg]
    if op is _constants.GROUPREF_EXISTS:
        return [part for part in arg[1:] if part is not None]
    return []


@lru_cache(maxsize=512)
def compiled(source: str, *, ignore_case: bool = False) -> regex.Pattern[str]:
    """`source` compiled once a process (`regex` imported with the first: ~15 ms a
    command that runs no pattern never pays), with `re`'s meaning whatever else in the
    process sets `regex.DEFAULT_VERSION`."""
    import regex

    return regex.compile(source, regex.VERSION0 | (regex.IGNORECASE if ignore_case else 0))


def search(pattern: regex.Pattern[str], text: str, rule: str,
           skipped: list[str] | None = None) -> regex.Match[str] | None:
    """The first match of a config pattern in `text`, or None. A search past `SECONDS` is
    no match: logged as `rule` (such as "intent 'billing' pattern #2"; never the text,
    which may be anyone's), and added to `skipped` for the caller to note on the
    message."""
    try:
        return pattern.search(text, timeout=SECONDS)
    except TimeoutError:
        note = f"{rule} took over {SECONDS:g} s {SKIPPED}"
        _log(note)
        if skipped is not None:
            skipped.append(note)
        return None


def _log(note: str) -> None:
    """For the daemon's log; a command's stderr stays quiet. (logging is imported here, as
    the store does: it costs every command a millisecond at start.)"""
    import logging

    log = logging.getLogger("omnitui.patterns")
    if not log.handlers:
        log.addHandler(logging.NullHandler())
    log.warning("%s", note)
