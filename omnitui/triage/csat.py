"""A customer's answer to the satisfaction survey: 1 (poor) to 5 (great), as a digit, a word
or an emoji, in a short answer that says nothing else ("sehr gut, 5", "Note: 4/5", "4 de 5,
gracias", "4 van 5, bedankt"); anything longer or else is a normal message (services/csat.py)."""

from __future__ import annotations

import re

from omnitui.triage.text import folded

MAX_ANSWER = 40  # characters: a longer message is something to say, not a score
# A digit 1-5, on its own scale ("4/5", "4 von 5", "4 sur 5", "4 van 5") or counting stars
# or points.
DIGIT = re.compile(r"(?<![\w/])([1-5])(?:\s*(?:/|von|van|de|sur|su|di|of|out of|em)\s*5)?"
                   r"(?:\s*(?:stars?|sterne?|estrellas?|etoiles?|estrelas?|stelle|stella|"
                   r"punkte?|puntos?|points?|pontos?|punti))?(?![\w/])")
# What may stand beside the score: its label, a thanks, punctuation (folded: no accents).
BESIDE = re.compile(r"\b(?:note|nota|score|rating|bewertung|valutazione|voto|puntuacion|"
                    r"avaliacao|evaluation|cijfer|danke|vielen dank|bedankt|thanks|thank you|"
                    r"thx|merci|gracias|obrigad[oa]|grazie)\b|[\W_]+")
WORDS = {
    5: ("excellent", "great", "perfect", "amazing", "super", "sehr gut", "excelente",
        "genial", "parfait", "ótimo", "ottimo", "eccellente", "perfetto", "ausgezeichnet",
        "hervorragend", "perfekt", "muy bien", "très bien", "excellente", "muito bom",
        "molto bene", "perfecto", "perfeito", "uitstekend", "heel goed"),
    4: ("good", "gut", "bueno", "bien", "bon", "bom", "buono", "bene", "goed"),
    3: ("ok", "okay", "fine", "average", "normal", "regular", "correct", "così così",
        "geht so", "más o menos", "mittel", "bof", "mais ou menos", "redelijk", "gemiddeld"),
    2: ("bad", "mäßig", "mal", "médiocre", "mau", "cattivo", "male", "matig"),
    # the built-in questions' words for 1 (services/wait_words.py: "1 (schlecht)") are 1
    1: ("poor", "schlecht", "mauvais", "malo", "pessimo", "slecht", "ruim", "terrible",
        "awful", "horrible", "very bad", "sehr schlecht", "terrível", "pésimo", "nul",
        "muy mal", "très mauvais", "molto male", "muito mau", "muito ruim", "heel slecht"),
}
SCORE_OF = {" ".join(folded(word).split()): score
            for score, words in WORDS.items() for word in words}
EMOJI = {"😍": 5, "🤩": 5, "😀": 5, "😃": 5, "😄": 5, "⭐⭐⭐⭐⭐": 5, "👍": 4, "😊": 4,
         "🙂": 4, "😐": 3, "😕": 2, "🙁": 2, "☹️": 2, "👎": 2, "😞": 1, "😠": 1, "😡": 1}


# A greeting alone on the first line, with a name or two ("Hola,", "Hallo Support-Team,"):
# the answer is on the next.
GREETING = re.compile(r"(?:hi|hello|hey|dear|hallo|guten (?:tag|morgen)|moin|servus|hola|"
                      r"buenas|buenos dias|bonjour|bonsoir|salut|ola|oi|bom dia|boa tarde|"
                      r"ciao|salve|buongiorno|buonasera)(?:[\s-]+[^\W\d_]+){0,2}[\s,.!]*")


def answer_line(text: str) -> str:
    """The line a survey answer is read from: the first the customer wrote, or the one
    after a greeting alone on its line (an answer under "Hola," reopened the case)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) > 1 and GREETING.fullmatch(folded(lines[0])):
        return lines[1]
    return lines[0] if lines else ""


def rating(text: str) -> int | None:
    """The score a short answer gives, or None when it is not an answer. A digit and a
    word together ("gut, 5") take the digit; two digits, or any other word, are a
    message ("2 Fragen", "Bestellung 3")."""
    answer = answer_line(text)
    if not answer or len(answer) > MAX_ANSWER:
        return None
    if set(answer) == {"⭐"} and len(answer) <= 5:
        return len(answer)
    if answer in EMOJI:
        return EMOJI[answer]
    words = folded(answer)
    digits = DIGIT.findall(words)
    rest = " ".join(BESIDE.sub(" ", DIGIT.sub(" ", words)).split())
    if len(digits) == 1 and (not rest or rest in SCORE_OF):
        return int(digits[0])
    return SCORE_OF.get(rest) if not digits else None
