"""How a customer's message reads: a sentiment score in [-1, 1] and an irritated flag.

The score is VADER's compound score (vaderSentiment, MIT; its lexicon ships in the package),
with the config's neutral words (acronyms it takes for chat slang: "PO") out of its lexicon.
VADER knows English only, so other languages get no score (None), never a wrong one; the
irritated flag works in every language: a score at or below the threshold, a phrase of the
config's list ("third time", "unacceptable", "inakzeptabel"...), or shouting (a run of words
in capitals, or a text mostly in capitals).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from omnitui.config.schema import IRRITATED_BELOW
from omnitui.records import record
from omnitui.triage.text import phrase_pattern, prose
from omnitui.triage.thanks import only_thanks

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

WORD = re.compile(r"[^\W\d_]+")
SHOUTED_RUN = 4  # words in capitals in a row ("SSO and API" is not shouting; "WHY IS THIS
SHOUTED_SHARE = 0.6  # STILL BROKEN" is), or this share of capitals among 12 letters or more
GLAD = 0.5  # a tone this glad is no shouting, however loud ("GREAT NEWS, IT WORKS!")


@record(frozen=True)
class Reading:
    """What a message's tone says: the score (None: no model for its language), whether it
    is irritated, and why (for the case screen)."""

    sentiment: float | None
    irritated: bool
    why: str = ""


@lru_cache(maxsize=4)
def _analyzer(neutral: tuple[str, ...] = ()) -> SentimentIntensityAnalyzer:
    """VADER, with the `neutral` words out of its lexicon (`[triage] neutral_words`)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    for word in neutral:
        analyzer.lexicon.pop(word.strip().lower(), None)
    return analyzer


def load_model(neutral: Sequence[str] = ()) -> None:
    """Load VADER's lexicon now rather than on the first text."""
    _analyzer(tuple(neutral))


def _shouting(text: str) -> bool:
    if sum(map(str.isupper, text)) < SHOUTED_RUN * 2:  # too few capitals: the usual case,
        return False                                   # told without walking the words
    words = WORD.findall(text)
    letters = "".join(words)
    capitals = sum(map(str.isupper, letters))
    run = longest = 0
    for word in words:
        run = run + 1 if len(word) >= 2 and word.isupper() else 0
        longest = max(longest, run)
    return longest >= SHOUTED_RUN or (
        len(letters) >= 12 and capitals >= SHOUTED_SHARE * len(letters))


def _glad(sample: str, score: float | None) -> bool:
    """Capitals that only thank ("THANK YOU SO MUCH FOR THE HELP!"), or read glad and ask
    nothing ("GREAT NEWS, IT WORKS!"), are no shouting; a shouted question is, however
    politely it ends ("WHERE IS MY REFUND? PLEASE HELP" reads +0.6)."""
    return only_thanks(sample) or (score is not None and score >= GLAD and "?" not in sample)


def read_tone(text: str, language: str, *, irritated_below: float = IRRITATED_BELOW,
              phrases: Sequence[str] = (), neutral: Sequence[str] = ()) -> Reading:
    """The tone of the customer's own words in `text` (not what they pasted from a program:
    a log line's "ERROR: ... PERMISSION DENIED" is neither shouting nor angry), written in
    `language`; `neutral`: words the model must not read as tone (`[triage]
    neutral_words`)."""
    sample = prose(text)
    score = None
    if language == "en":
        score = round(_analyzer(tuple(neutral)).polarity_scores(sample)["compound"], 3)
    if (pattern := phrase_pattern(tuple(phrases))) and (found := pattern.search(sample, language)):
        return Reading(score, True, f"says {found.text.lower()!r}")
    if _shouting(sample) and not _glad(sample, score):
        return Reading(score, True, "shouting")
    if score is not None and score <= irritated_below:
        return Reading(score, True, f"sentiment {score:+.2f}")
    return Reading(score, False)
