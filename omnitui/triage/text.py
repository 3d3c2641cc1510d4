"""The customer's own words in a message: what the classify stage reads."""

from __future__ import annotations

import re

# Quoted history, links and addresses are other people's words (often ours), not the
# customer's: they must not decide the language or the tone.
NOISE = re.compile(r"(?m)^[ \t]*>.*$|https?://\S+|\S+@\S+")
SAMPLE = 600  # characters: the customer's opening says the language and the tone, and the
# models' cost grows with the text (at 2,000 they doubled the import's time)


def own_words(text: str, sample: int = SAMPLE) -> str:
    return NOISE.sub(" ", text[:sample])


def phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str] | None:
    """Any of `phrases` as whole words, in any case ("third time" not in "thirdtime");
    None when there are none."""
    words = [re.escape(p.strip()) for p in phrases if p.strip()]
    return re.compile(rf"(?<!\w)(?:{'|'.join(words)})(?!\w)", re.I) if words else None
