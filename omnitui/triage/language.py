"""Which language a customer wrote in, as an ISO 639-1 code, or `und` when the text is too
short or too mixed to say (a guess on "ok" or "thx!" would be wrong as often as right).

py3langid (BSD) ships its model inside its wheel: nothing is downloaded at run time. It is
loaded on the first text, once per process, from an unpacked copy in the user's cache
(`language_model`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

from omnitui.config.languages import UNDETERMINED, as_iso_639_1, model_codes
from omnitui.triage.text import prose

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

MIN_LETTERS = 12  # fewer letters than this: und, whatever the model would say
NOT_LETTERS = re.compile(r"[\W\d_]+")


@cache
def _identifier(languages: tuple[str, ...]) -> LanguageIdentifier:
    from omnitui.triage.language_model import load_identifier

    identifier = load_identifier()
    if languages:
        identifier.set_languages(model_codes(languages))
    return identifier


def load_model(languages: Sequence[str] = ()) -> None:
    """Load the model now rather than on the first text (see `classify.load_models`)."""
    _identifier(tuple(languages))


def language_of(text: str, *, languages: Sequence[str] = (),
                min_confidence: float = 0.5) -> str:
    """The language of the customer's own words in `text` (not what they pasted from a
    program: `text.prose`) as an ISO 639-1 code, or `und`. `languages`: the ones this
    team's customers write in, if known (fewer candidates, fewer mistakes on short texts);
    `min_confidence`: the model's probability below which it is `und`."""
    sample = prose(text)
    letters = NOT_LETTERS.sub("", sample)
    if len(letters) < MIN_LETTERS:
        return UNDETERMINED
    if sum(map(str.isupper, letters)) * 2 > len(letters):  # shouted: the model knows the
        sample = sample.lower()  # words in lower case ("WHERE IS MY REFUND" read und)
    language, confidence = _identifier(tuple(languages)).classify(sample)
    return as_iso_639_1(language) if confidence >= min_confidence else UNDETERMINED
