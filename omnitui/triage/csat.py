"""A customer's answer to the satisfaction survey: 1 (poor) to 5 (great), as a digit, a word
or an emoji; anything longer or else is a normal message (services/csat.py)."""

from __future__ import annotations

import re

MAX_ANSWER = 40  # characters: a longer message is something to say, not a score
DIGIT = re.compile(r"^\s*([1-5])\s*(?:/\s*5|stars?|sterne|estrellas|étoiles|estrelas|stelle)?"
                   r"\s*[.!]*\s*$", re.I)
WORDS = {
    5: ("excellent", "great", "perfect", "amazing", "super", "sehr gut", "excelente",
        "genial", "parfait", "ótimo", "ottimo", "eccellente", "perfetto"),
    4: ("good", "gut", "bueno", "bien", "bom", "buono", "bene"),
    3: ("ok", "okay", "fine", "average", "normal", "regular", "correct", "così così"),
    2: ("poor", "bad", "schlecht", "malo", "mauvais", "ruim", "cattivo"),
    1: ("terrible", "awful", "horrible", "very bad", "sehr schlecht", "terrível",
        "pessimo", "pésimo", "nul"),
}
EMOJI = {"😍": 5, "🤩": 5, "😀": 5, "😃": 5, "😄": 5, "⭐⭐⭐⭐⭐": 5, "👍": 4, "😊": 4,
         "🙂": 4, "😐": 3, "😕": 2, "🙁": 2, "☹️": 2, "👎": 2, "😞": 1, "😠": 1, "😡": 1}


def rating(text: str) -> int | None:
    """The score a short answer gives, or None when it is not an answer."""
    answer = text.strip().splitlines()[0].strip() if text.strip() else ""
    if not answer or len(answer) > MAX_ANSWER:
        return None
    if found := DIGIT.match(answer):
        return int(found.group(1))
    if set(answer) == {"⭐"} and len(answer) <= 5:
        return len(answer)
    if answer in EMOJI:
        return EMOJI[answer]
    word = answer.casefold().strip(" .!")
    return next((score for score, words in WORDS.items() if word in words), None)
