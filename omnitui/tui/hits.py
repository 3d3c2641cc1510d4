"""Search hits: what n and N walk, in the queue and on a case alike.

A hit is a place where the agent sees every word searched for. The words are what was typed
with `/` that is no filter: a `key:value` term (`status:open`, `intent:billing`, `lang:de`,
`is:irritated`) narrows which cases are listed and is found nowhere, so a search of filters
only has no hits, and n and N say so in the queue as on a case (the queue's n walked every
case of `status:open` as if each were a hit, while a case's said to search first). In the
queue, each case a search with words lists is a hit: its messages or its customer's name hold
the words. On a case, each message whose text, as its box draws it, holds every word, drawn
highlighted: not a message whose only match is its subject, which the screen shows once, as
the case's title. A message whose words are only in its folded quoted history counts, and
unfolds when a search lands there (the queue listed the case for them, and the case said no
message held them). Words match as typed, in any case, inside longer words too.

On a case, `/` searches its messages alone (as a pager's `/` does), every word typed a word
to find: that search takes n and N over from the queue's there until it is cleared (enter
on an empty prompt) or the agent leaves the case, and a line under the timeline says which
search they walk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich.text import Text

from omnitui.sanitize import sanitize

HIT_STYLE = "reverse"  # a word found, in a message's text
NO_SEARCH = "search first (/), then n and N walk the hits"
SEARCH_OVER = "the search on this case is over"  # enter on an empty prompt


def nothing_to_walk(typed: str) -> str:
    """What n and N say when `typed`, what the search box holds, has no words to find."""
    if not typed.strip():
        return NO_SEARCH
    typed = sanitize(typed.strip(), multiline=False)
    return f"{typed!r} only filters: n and N walk words searched (/)"


def walking_words(typed: str, *, here: bool, key: str) -> str:
    """The case's line saying what n and N walk: `typed` searched on this case (`here`),
    else the queue's search; `key` is the one that searches the case (`/`)."""
    typed = sanitize(typed.strip(), multiline=False)
    if here:
        return f"n/N walk {typed!r}, searched on this case · {key} searches again"
    return f"n/N walk the queue's search {typed!r} · {key} searches this case"


def find_prompt(*, searching: bool) -> str:
    """What a case's empty search prompt says (`searching`: a search on the case stands,
    which enter on the empty prompt ends)."""
    if searching:
        return "words to find on this case · esc closes · enter alone ends the search"
    return "words to find on this case · enter finds · esc closes"


def nowhere_on_case(typed: str) -> str:
    """What `/` and n say on a case where no message shows the words of `typed`."""
    return f"no message on this case says {sanitize(typed.strip(), multiline=False)!r}"


def wrapped(step: int) -> str:
    """What n (`step` 1), N (-1) or `/` on a case say when the search went round its end."""
    return f"search wrapped to the {'top' if step > 0 else 'bottom'}"


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
