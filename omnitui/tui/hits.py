"""Search hits: what n and N walk, in the queue and on a case alike.

A hit is a place where the agent sees every word searched for. The words are what was typed
with `/` that is no filter: a `key:value` term (`status:open`, `intent:billing`, `lang:de`,
`is:irritated`) narrows which cases are listed and is found nowhere, so a search of filters
only has no hits, and n and N say so in the queue as on a case (the queue's n walked every
case of `status:open` as if each were a hit, while a case's said to search first). In the
queue, each case a search with words lists is a hit: its messages or its customer's name hold
the words. On a case, each message whose text, as its box draws it, holds every word, drawn
highlighted: not a message whose only match is its subject, which the screen shows once, as
the case's title, nor one whose words are only in its folded quoted history (`T` shows that,
and then it counts). Words match as typed, in any case, inside longer words too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.text import Text

from omnitui.sanitize import sanitize

HIT_STYLE = "reverse"  # a word found, in a message's text
NO_SEARCH = "search first (/), then n and N walk the hits"


def nothing_to_walk(typed: str) -> str:
    """What n and N say when `typed`, what the search box holds, has no words to find."""
    if not typed.strip():
        return NO_SEARCH
    typed = sanitize(typed.strip(), multiline=False)
    return f"{typed!r} only filters: n and N walk words searched (/)"


def _finders(words: Sequence[str]) -> list[re.Pattern[str]]:
    return [re.compile(re.escape(word), re.IGNORECASE) for word in words]


def holds(text: str, words: Sequence[str]) -> bool:
    """Whether `text` holds every one of `words` (`highlight` marks them)."""
    return all(finder.search(text) for finder in _finders(words))


def highlight(text: Text, words: Sequence[str]) -> Text:
    """`text` with each place one of `words` is in it drawn as a hit."""
    for finder in _finders(words):
        text.highlight_regex(finder, HIT_STYLE)
    return text
