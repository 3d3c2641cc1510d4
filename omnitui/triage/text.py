"""The customer's own words in a message: what the classify stage reads."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from omnitui.quotes import signature_start, split_reply, without_forward_headers
from omnitui.records import record

# Quoted history with the line that introduces it ("On Mon, … Support wrote:", in the
# language of the customer's mail program, not always theirs), links and addresses are not
# the customer's words: they must not decide the language or the tone.
NOISE = re.compile(r"(?m)^[ \t]*>.*$|^.*:[ \t]*$(?=\n[ \t]*>)|https?://\S+|\S+@\S+")
SAMPLE = 600  # characters: the customer's opening says the language and the tone, and the
# models' cost grows with the text (at 2,000 they doubled the import's time)


# The history of a mail program that quotes without ">": Outlook's rule ("-----Original
# Message-----", "________") or its "From: / Sent:" block, in the languages of its
# clients. Only the whole split finds where it starts, at ten times the cost of the
# signature's search, so it runs where these are (a "Key:" line or one ending in ":" alone,
# half of all mail, tripled the classify stage's cost). Literal first characters: `re`
# jumps from line to line (a search tried at every character cost 12 µs a message).
HISTORY_BLOCK = re.compile(r"\n[ \t]*\*?(?:From|Von|De|Da|Van|Från) ?:[^\n]*\n[ \t]*\*?"
                           r"(?:Sent|Date|Gesendet|Datum|Envoy|Enviad|Inviato|Verzonden|"
                           r"Skickat|Data)")
HISTORY_RULES = ("-----", "_____")


def _may_hold_history(opening: str) -> bool:
    return any(rule in opening for rule in HISTORY_RULES) or \
        HISTORY_BLOCK.search(opening) is not None


@lru_cache(maxsize=8)
def own_words(text: str, sample: int = SAMPLE) -> str:
    """The customer's words in the opening of `text`: without its signature (a sign-off,
    a name and a company, "Sent from my iPhone", often in another language than the
    message: an English one turned a French message `und` and a curt one polite) nor
    quoted history (our English mail under a German answer, quoted by Outlook without
    ">", read the answer as English), quoted lines, links and addresses, nor a forward's
    header block. (Remembered for the last few texts: the classify stage's language, tone
    and intent each ask for the same message's.)"""
    opening = text[:sample]
    if _may_hold_history(opening):
        opening = split_reply(opening).body
    return NOISE.sub(" ", without_forward_headers(opening[:signature_start(opening)]))


# Lines a customer pasted from a program rather than wrote: a log line (a time stamp or a
# level first), a traceback, a stack frame, an exception, a shell command, indented code, a
# line naming a file path, and fenced blocks. Their capitals are not shouting, their words
# ("FATAL", "killed", "denied") not the customer's mood, and an English log line does not
# make a German message English.
PASTED = re.compile(r"""(?mx)^(?:
    (?:[ ]{4}|\t).*                                            # indented code, frames
  | [ \t]*\[?(?:\d{4}-\d\d-\d\d[T ]\d\d:\d\d|\d\d:\d\d:\d\d).*     # a time stamp first
  | [ \t]*\[?(?:ERROR|WARN|WARNING|INFO|DEBUG|FATAL|CRITICAL|SEVERE|TRACE|PANIC|E|W)
    (?:\]|:|[ ]-[ ]|[ ]\|).*                                   # a level first
  | [ \t]*Traceback[ ]\(most[ ]recent[ ]call[ ]last\):.*
  | [ \t]*File[ ]"[^"\n]+",[ ]line[ ]\d+.*                     # a Python frame
  | [ \t]*at[ ][\w$.<>]+\(.*\).*                                # a Java or .NET frame
  | [ \t]*(?:Exception[ ]in[ ]thread[ ].*|(?:[\w$]+\.)*\w*(?:Error|Exception)\b(?::.*)?)
  | [ \t]*[$#>][ ]\S.*                                          # a shell prompt
  | .*(?:(?<![\w/.])/(?:[\w.-]+/)+[\w.-]+|\b[A-Za-z]:\\\w).*     # a file path
)$""")
FENCED = re.compile(r"(?ms)^[ \t]*```.*?(?:^[ \t]*```[ \t]*$|\Z)")


@lru_cache(maxsize=8)
def prose(text: str) -> str:
    """The customer's own words without what they pasted from a program (PASTED): what
    the language and the tone are read in. (What it is about still reads the pasted
    lines: "error 503" tells an incident.)"""
    return PASTED.sub("", FENCED.sub("", own_words(text)))


# How customers type a phrase a team wrote otherwise: "STRASSE" for "Straße", "OU EST"
# for "où est", a phone's curly apostrophe for "n'ai", "u" and a combining accent (a Mac's
# mail) for "ü", a phrase broken over two lines by the mail program's wrapping.
APOSTROPHES = str.maketrans("\u2019\u2018\u02bc\u00b4`", "'" * 5)


@record(frozen=True)
class Found:
    """A phrase found in a text: where, and as the customer wrote it (its white space one
    space: a reason on the case is one line)."""

    start: int
    text: str


@lru_cache(maxsize=8)
def _folded(text: str) -> tuple[str, tuple[int, ...]]:
    """`folded(text)`, and for each of its characters the index of the one in `text` it
    came from (a character at a time: 60 µs a message, so only for a phrase found)."""
    chars: list[str] = []
    origins: list[int] = []
    for index, char in enumerate(text):
        for part in unicodedata.normalize("NFKD", char).casefold():
            if not unicodedata.combining(part):
                chars.append(part.translate(APOSTROPHES))
                origins.append(index)
    return "".join(chars), tuple(origins)


@lru_cache(maxsize=1)
def _combining_marks() -> re.Pattern[str]:
    """The combining marks (accents) of the Basic Multilingual Plane, as one class: built
    once, in 8 ms."""
    marks = "".join(chr(i) for i in range(0x300, 0x10000) if unicodedata.combining(chr(i)))
    return re.compile(f"[{re.escape(marks)}]")


@lru_cache(maxsize=8)
def folded(text: str) -> str:
    """`text` without case (ß as ss), accents or typographic apostrophes, as phrases are
    matched: the whole text at once, in C."""
    decomposed = unicodedata.normalize("NFKD", text).casefold()
    return _combining_marks().sub("", decomposed).translate(APOSTROPHES)


# The endings a phrase's last word may take, by the language of the message: a plural's -s
# or -es in any; German's plurals and cases ("Rechnung" finds "Rechnungen", "Paket"
# "Pakete", "Kind" "Kindern"), Dutch's ("bestelling" "bestellingen") and French's "-x"
# ("cadeau" "cadeaux") only in a message in that language: in English "-e", "-en" and "-er"
# make other words of short ones ("plan" plane, "list" listen, "print" printer).
PLURAL = "e?s"
ENDINGS = {"de": "e(?:n|rn?|s)?|n|s", "nl": "e?[ns]", "fr": "e?s|x"}
# A phrase's umlaut may be typed as its vowel and "e" ("Rückerstattung" finds
# "Rueckerstattung", "ärgerlich" "AERGERLICH"), in any language (it only adds an "e" after
# a letter the team wrote with dots); in a German message its "ae", "oe" and "ue" may be an
# umlaut too (a team's "Rueckerstattung" finds "Rückerstattung"). A mark in the folded
# phrase stands for that optional "e".
DOTTED = "\0"
UMLAUTS = str.maketrans({dots: vowel + DOTTED
                         for dots, vowel in zip("äöüÄÖÜ", "aouAOU", strict=True)})
SPELLED_OUT = re.compile("(?<=[aou])e")
SPELLS_OUT = "de"  # the language whose customers write "ue" for "ü" (one of ENDINGS)


class Phrases:
    """Any of some phrases as whole words, however the customer typed their case, accents,
    umlauts, apostrophes and spaces (`_folded`), and their last word may take an ending of
    the message's language (ENDINGS)."""

    def __init__(self, phrases: tuple[str, ...]) -> None:
        self._phrases = phrases
        self._patterns: dict[str | None, re.Pattern[str]] = {}  # by the message's language

    def search(self, text: str, language: str | None = None) -> Found | None:
        """The first phrase in `text`, written in `language` (an ISO 639-1 code; None or
        "und": unknown), the longest one where several start there."""
        pattern = self._patterns.get(language) or self._compile(language)
        if text.isascii():  # nothing to fold: `re` ignores its case
            found = pattern.search(text)
            return Found(found.start(), " ".join(found.group(0).split())) if found else None
        if not pattern.search(folded(text)):
            return None
        spelled, origins = _folded(text)
        if not (found := pattern.search(spelled)):
            return None
        start, end = origins[found.start()], origins[found.end() - 1] + 1
        return Found(start, " ".join(text[start:end].split()))

    def _compile(self, language: str | None) -> re.Pattern[str]:
        """The phrases as one trie of their characters, branching where they differ: `re`
        tries the branches of a plain alternation one by one at every position, and 120
        irritation phrases took 50 µs a message that way, 13 as a trie. (Once for all the
        languages without ENDINGS of their own.)"""
        spelling = language if language in ENDINGS else None
        if spelling not in self._patterns:
            trie: dict[str, dict] = {}
            for phrase in {_spelled(p, spelling) for p in self._phrases} - {""}:
                node = trie
                for char in phrase:
                    node = node.setdefault(char, {})
                node[""] = {}  # a phrase ends here
            self._patterns[spelling] = re.compile(
                rf"(?<!\w)(?:{_branches(trie)})(?:{ENDINGS.get(spelling or '', PLURAL)})?"
                rf"(?!\w)", re.I)
        self._patterns[language] = self._patterns[spelling]
        return self._patterns[language]


def _spelled(phrase: str, language: str | None) -> str:
    """`phrase` folded, its white space one space, each umlaut marked (DOTTED), and in a
    language that spells them out, each "ae", "oe" and "ue"."""
    marked = unicodedata.normalize("NFC", phrase).translate(UMLAUTS)
    spelled = " ".join(folded(marked).split())
    return SPELLED_OUT.sub(DOTTED, spelled) if language == SPELLS_OUT else spelled


@lru_cache(maxsize=64)
def phrase_pattern(phrases: tuple[str, ...]) -> Phrases | None:
    """`Phrases` for `phrases`; None when there are none. (Remembered: the classify stage
    asks for the config's lists at every message.)"""
    return Phrases(phrases) if any(folded(p).strip() for p in phrases) else None


def _branches(node: dict[str, dict]) -> str:
    """The trie below `node` as a regular expression; a phrase ending here makes the rest
    optional (the longest phrase is tried first). A space is any run of white space, an
    umlaut's mark an optional "e"."""
    rest = [{" ": r"\s+", DOTTED: "e?"}.get(char, re.escape(char)) + _branches(child)
            for char, child in sorted(node.items()) if char]
    if not rest:
        return ""
    body = rest[0] if len(rest) == 1 and "" not in node else f"(?:{'|'.join(rest)})"
    return f"{body}?" if "" in node else body


CONTENT_WORD = re.compile(r"[^\W\d_]{4,}")
# Words that say nothing about what a customer wants, in the demo's languages.
STOP = frozenset("""
this that with from have been were would could should there their they them what when where
which while your yours about after again also because before being does doing each every
into just more most much only other over same some such than then these those very want
need please thanks thank hello dear regards help since still will cannot dont didnt
bitte danke hallo eine einer einem nicht noch schon habe haben wurde werden gracias hola
para pero como esta este favor merci bonjour pour avec dans votre vous nous obrigado olá
para pelo pela como grazie ciao sono della questo
""".split())  # noqa: SIM905 -- a word list reads best as words


def content_words(text: str, limit: int = 16) -> list[str]:
    """The words that say what a message is about, folded, each once, in order: four
    letters or more and not in STOP (a full-text query OR's them)."""
    return [w for w in dict.fromkeys(w.casefold() for w in CONTENT_WORD.findall(text))
            if w not in STOP][:limit]
