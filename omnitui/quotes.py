"""Split a message's plain text into what the author newly wrote and the folded rest.

The console shows the new part of each message and folds the quoted history and the
signature behind a key; the store always keeps the full text, so a wrong split costs a key
press, never data. The split is therefore conservative: when in doubt, everything is body.

Detection of reply headers ("On … wrote:", "Am … schrieb …:", Outlook "From:/Sent:" blocks,
"-----Original Message-----") and of signatures ("-- ", "Sent from my iPhone", "Best
regards,") comes from `mail-parser-reply` (MIT). Its result is not used as text: it strips
lines and rewrites separators, so we only take *where* it cuts, and cut the original text at
that line. The body is a prefix of the text's lines and folded is the rest, so nothing is
ever lost or reordered.

Headless: no Textual import (see tests/test_boundaries.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from mailparser_reply import EmailMessage
from mailparser_reply.constants import MAIL_LANGUAGES

from omnitui.records import record

__all__ = ["LANGUAGES", "SplitText", "signature_start", "split_reply"]

# Languages whose reply headers and sign-offs we recognise: the common ones we want,
# as far as the installed library knows them (1.36 has no "pt": SIGNOFFS has its sign-offs).
# Danish is left out on purpose: its sign-offs ("Tak", "Kh") match inside English words.
_WANTED = ("en", "de", "fr", "es", "it", "nl", "pt", "sv", "pl")
LANGUAGES: tuple[str, ...] = tuple(lang for lang in _WANTED if lang in MAIL_LANGUAGES)

# The library's regexes are super-linear: a 2 KB line starting "Am … schrieb" takes seconds,
# a run of 8,000 blank lines as long. So the parser never sees the raw text, only a proxy of
# its first _MAX_LINES lines, at most _WINDOW characters: each line's whitespace collapsed
# and cut to _MAX_LINE characters, blank runs cut to two lines. New text sits at the top and
# header and signature lines are short, so the cut is found there; everything after the cut
# (whatever lies beyond the window too) is folded. No cut in the window: no split at all.
# This bounds the parser's work at any input size (a few ms typical, well under a second for
# hostile text) instead of refusing big texts, which are mostly long quoted threads.
_WINDOW = 16_000
_MAX_LINES = 1_000
_MAX_LINE = 200
_MAX_BLANKS = 2
# Texts up to this size are cached whole (keys and results); bigger ones are re-split each
# time, which stays cheap because the parser only ever sees the window.
_CACHE_MAX_CHARS = 64_000
_CACHE_ENTRIES = 4096

# A line that opens with 32+ "_"/"-" is deleted by the library's normaliser (with the blank
# lines before it), which would shift our line numbers; 31 keeps it a plain separator.
_LONG_RULE = re.compile(r"^([_-]{31})[_-]+")
# Lines that may trail the body but belong to the folded part: quoted, blank, or a rule.
_TRAILER = re.compile(r"\s*(?:>.*|[-_=*~]{5,}\s*)?", re.S)
# "Key: value" header lines ("From:", "Envoyé :", "Gesendet:"): single-word keys only.
_KEY_LINE = re.compile(r"[>* ]*[^\W\d_]{1,20} ?:")
# A header block's subject line, in LANGUAGES
_SUBJECT_LINE = re.compile(
    r"[>* ]*(?:subject|betreff|objet|asunto|oggetto|onderwerp|assunto|ämne|temat) ?:",
    re.IGNORECASE)
# The line mail clients write above a mail they forward (Gmail's "---------- Forwarded message
# ---------", Thunderbird's "-------- Forwarded Message --------", Apple Mail's "Begin
# forwarded message:"), in the languages of LANGUAGES' common clients.
_FORWARD_MARK = re.compile(
    r"[>* \t]*-*[ \t]*(?:forwarded message|begin forwarded message:?|weitergeleitete nachricht"
    r"|anfang der weitergeleiteten nachricht:?|message transf[ée]r[ée]"
    r"|d[ée]but du message r[ée]exp[ée]di[ée][ \t]*:?|mensaje reenviado|messaggio inoltrato"
    r"|doorgestuurd bericht|mensagem encaminhada|vidarebefordrat meddelande)[ \t]*-*[ \t]*",
    re.IGNORECASE)
_FORWARD_BLOCK = 12  # lines: a forward's header block, its mark above it
# What every _FORWARD_MARK has: a rule of dashes (Gmail, Thunderbird), or Apple Mail's
# words. Looked for first: the block's own search costs 6 µs a message, this 0.5.
_FORWARD_HINTS = ("-----", "orward", "eitergeleitet", "xpédi", "xpedi")
# A forward's mark line and the header block under it (Apple Mail leaves a blank line
# between them)
_FORWARD_HEADERS = re.compile(rf"^{_FORWARD_MARK.pattern}$\n?(?:[ \t]*\n)?"
                              rf"(?:{_KEY_LINE.pattern}.*(?:\n|$))*", re.IGNORECASE | re.M)
# A postscript's first line ("P.S.", "PS:", "P.P.S."; not "PS5"): the author's words
# again, after their sign-off
_POSTSCRIPT = re.compile(r"^[ \t]*(?:p\.[ \t]?)?p\.?[ \t]?s[ \t]*[.:\-]", re.IGNORECASE | re.M)
# Sign-offs the library does not know, by language (it knows "Best regards", "Mit
# freundlichen Grüßen", "Liebe Grüße", "Cordialement", "Saludos,", "Cordiali saluti", "Met
# vriendelijke groet"; no Portuguese), as regular expressions in lower case (a line is read
# in any): what customers close with, short ("LG", "MfG") or not. Thanks alone are left
# out: "Danke!" may well have words below it.
SIGNOFFS = {
    "en": ("cheers", "regards", "(?:best|kind|warm|warmest|kindest) (?:wishes|regards)",
           "many thanks", "(?:yours )?sincerely", "yours (?:truly|faithfully)", "take care",
           "thanks in advance", "thank you in advance", "br", "kr", "rgds"),
    "de": ("lg", "vg", "mfg", "(?:mit )?(?:freundliche|herzliche|beste|liebe|viele|"
           "sch(?:ö|oe)ne|sonnige)[mn]? gr(?:ü|ue|u)(?:ß|ss)(?:en?)?", "herzlichst",
           "hochachtungsvoll", "(?:danke|vielen dank) (?:und|&) (?:viele |liebe |beste )?"
           "gr(?:ü|ue|u)(?:ß|ss)e?", "danke im voraus", "tsch(?:ü|ue|u)ss?"),
    "fr": ("bien (?:à|a) (?:vous|toi)", "(?:bien|tr(?:è|e)s) cordialement", "amicalement",
           "amiti(?:é|e)s", "bises", "bisous", "(?:meilleures|sinc(?:è|e)res|cordiales) "
           "salutations", "sinc(?:è|e)rement", "respectueusement", "merci d['\u2019]avance",
           "merci par avance", "bonne soir(?:é|e)e", "(?:à|a) bient(?:ô|o)t", "cdlt",
           "b(?:à|a)v"),
    "es": ("saludos(?: cordiales)?", "(?:un|muchos) saludos?", "cordiales saludos",
           "(?:reciba )?un (?:cordial|afectuoso|fuerte) saludo", "atentamente",
           "cordialmente", "un abrazo", "abrazos", "un beso", "besos", "atte", "slds",
           "gracias de antemano", "hasta pronto"),
    "it": ("saluti", "(?:distinti|cari|tanti) saluti", "un (?:caro )?saluto", "cordialmente",
           "buona giornata", "a presto", "un abbraccio", "grazie in anticipo"),
    "nl": ("groetjes", "groeten", "groet", "(?:met )?(?:vriendelijke|hartelijke|hele|lieve|"
           "beste) groet(?:en|jes)?", "mvg", "alvast bedankt", "tot ziens"),
    "pt": ("cumprimentos", "(?:com os )?(?:melhores|atenciosos) cumprimentos",
           "atenciosamente", "att", "abra(?:ç|c)os?", "um abra(?:ç|c)o", "beijos", "bjs", "abs",
           "sauda(?:ç|c)(?:õ|o)es", "obrigad[oa] desde j(?:á|a)", "at(?:é|e) breve"),
}
_SIGNOFF_LINE = 64  # characters: the longest line a sign-off of SIGNOFFS is looked for on
# After a sign-off phrase the line may only carry a name: at most two words, no sentence.
_SIGNOFF_TAIL = re.compile(r"[\s,.!\-\u2013\u2014]*(?:[^\W\d_][\w.'\u2019\-]*[\s,.!]*){0,2}")


@record(frozen=True)
class SplitText:
    """A message's text cut in two: `body` + `folded` hold every line of the original."""

    body: str  # what the author newly wrote (the whole text when nothing was recognised)
    folded: str  # the quoted history and signature, as one string ('' if none)


def split_reply(text: str) -> SplitText:
    """The new part of `text` and the quoted history / signature after it.

    Never raises: any input it cannot split (or any failure of the library) comes back
    whole as the body with nothing folded. Results are cached for re-renders.
    """
    try:
        text = _as_str(text)
    except Exception:
        return SplitText("", "")
    try:
        if len(text) <= _CACHE_MAX_CHARS:
            return _split_cached(text)
        return _split(text)
    except Exception:  # the library, or a shape we did not foresee: show it whole
        return SplitText(text, "")


def _as_str(text: object) -> str:
    """A plain `str` (hashable, exact type) from whatever the caller handed us."""
    if text is None:
        return ""
    if isinstance(text, bytes | bytearray | memoryview):
        return bytes(text).decode("utf-8", "replace")
    return str(text) if type(text) is not str else text


@lru_cache(maxsize=_CACHE_ENTRIES)
def _split_cached(text: str) -> SplitText:
    return _split(text)


def _split(text: str) -> SplitText:
    if not text.strip():
        return SplitText(text, "")
    lines = text.splitlines(keepends=True)
    cut = _cut_line(lines)
    if cut is None:
        return SplitText(text, "")
    if (forwarded := _forwarded_from(lines, cut)) is not None:
        # a forward is what the forwarder passes on, no history: shown, as far as its own
        # quoted history ("FYI, see below" and the customer's words folded behind T)
        rest = _split("".join(lines[forwarded:]))
        if not rest.folded:
            return SplitText(text, "")
        return SplitText(_trim("".join(lines[:forwarded]) + rest.body), rest.folded)
    # Quoted lines, blank lines and rules just above the cut belong with the quotes (also
    # catches "> …" quotes with no attribution line). The body keeps its last line of text.
    cut = _before_trailer(lines, cut)
    if _words_below_a_quote(lines[cut:]):
        return SplitText(text, "")
    body = _trim("".join(lines[:cut]))
    folded = _trim("".join(lines[cut:]))
    if not body.strip() or not folded:
        return SplitText(text, "")
    return SplitText(body, folded)


def _words_below_a_quote(lines: list[str]) -> bool:
    """Whether the author wrote below "> " quoted lines (bottom-posting, as mutt's and
    mailing lists' people write, or answers between the quotes): folded from the quote on,
    "Hi," was all that showed of "Hi, > …, I tried it, still broken"."""
    quoted = False
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(">"):
            quoted = True
        elif stripped and quoted:
            return True
    return False


def _forwarded_from(lines: list[str], cut: int) -> int | None:
    """Where the text of the mail forwarded below a forward's mark starts (after its header
    block), when the cut at line `cut` falls in such a block; else None."""
    for at in range(min(cut, len(lines) - 1), max(-1, cut - _FORWARD_BLOCK), -1):
        line = lines[at].strip()
        if _FORWARD_MARK.fullmatch(line):
            break
        if at < cut and line and not _KEY_LINE.match(line):
            return None  # words between the mark and the cut: the cut is a later one
    else:
        return None
    return next((at + 1 for at in range(cut, min(len(lines), cut + _FORWARD_BLOCK))
                 if not lines[at].strip()), None)


def _before_trailer(lines: list[str], cut: int) -> int:
    """`cut` moved up over the quoted, blank and rule lines above it (at most _MAX_LINES).

    When that passed a quote, an address line ending in ":" just above it is taken for the
    attribution the library missed: its Spanish pattern can never match, and Gmail's Dutch,
    Polish and Portuguese "<date> <name> <addr> schreef:/napisał(a):/escreveu:" are unknown.
    """
    start = cut
    while cut > 0 and _TRAILER.fullmatch(lines[cut - 1]):
        cut -= 1
        if start - cut > _MAX_LINES:
            return start
    if cut > 0 and any(line.lstrip().startswith(">") for line in lines[cut:start]):
        above = lines[cut - 1].strip()
        if len(above) <= _MAX_LINE and above.endswith(":") and "@" in above:
            cut -= 1
    return cut


def _cut_line(lines: list[str]) -> int | None:
    """Index of the first line of the folded part, or None when there is nothing to fold."""
    proxy, origin = _proxy(lines)
    if not proxy:
        return None
    source = "\n".join(proxy)
    message = EmailMessage(text=source, languages=list(LANGUAGES), keep_hyphen_lists=True)
    message.read()
    if message.text != source:  # the library changed our proxy: line numbers unreliable
        return None
    end = _history_start(message, source)
    end = _signature_start(source[:end], end)
    if end >= len(source):
        # Nothing recognised in the window; only trailing quotes may still be folded.
        return len(lines)
    return _line_at(end, source, origin)


def _line_at(offset: int, source: str, origin: list[int]) -> int:
    """The original line of the proxy's `source` at `offset`."""
    return origin[source.count("\n", 0, offset)]


def _proxy(lines: list[str]) -> tuple[list[str], list[int]]:
    """The bounded lines the parser sees, and for each the index of its original line."""
    proxy: list[str] = []
    origin: list[int] = []
    size = blanks = 0
    for index, line in enumerate(lines[:_MAX_LINES]):
        short = " ".join(line[: 4 * _MAX_LINE].split())[:_MAX_LINE].rstrip()
        if short[:1] in ("-", "_"):  # a rule's first character: most lines need no look
            short = _LONG_RULE.sub(r"\1", short)
        blanks = blanks + 1 if not short else 0
        if blanks > _MAX_BLANKS:
            continue
        proxy.append(short)
        origin.append(index)
        size += len(short) + 1
        if size >= _WINDOW:
            break
    return proxy, origin


def _history_start(message: EmailMessage, source: str) -> int:
    """Offset of the first plausible reply header after some new text, else len(source)."""
    replies = message.replies
    if not replies or replies[0].headers:  # the text opens with a header: no new text on top
        return len(source)
    start = 0
    for reply in replies[1:]:
        header = reply.headers or ""
        position = source.find(header, start) if header else -1
        if position < 0:
            break
        if _plausible_header(header):
            return source.rfind("\n", 0, position) + 1
        start = position + 1
    return len(source)


def _plausible_header(header: str) -> bool:
    """Reject one stray "Key: value" line ("Data: …" is a Polish header to the library),
    and key lines a customer wrote ("From: Berlin / To: Paris / Date: 12 Dec": their
    booking was folded as quoted history).

    Real header blocks carry two key lines at least (From: + Sent:) and an address or a
    subject (Outlook's within one company names people without addresses); attribution
    lines ("On … wrote:") and "-----Original Message-----" carry none.
    """
    lines = header.split("\n")
    keyed = sum(1 for line in lines if _KEY_LINE.match(line))
    if keyed == 0:
        return True
    return keyed > 1 and ("@" in header or any(_SUBJECT_LINE.match(line) for line in lines))


def signature_start(text: str) -> int:
    """Where the signature at the end of a message's new words starts ("-- ", "Sent from
    my …", a sign-off with a name at most after it), or len(text) when it has none: the
    customer's own words are before it (the classify stage reads only those). One search
    of the library's signature pattern (tens of µs), not the whole split: no reply header
    is looked for, and quoted lines stay where they are."""
    lines = text.splitlines(keepends=True)
    proxy, origin = _proxy(lines)  # as the split reads it: "-- " is "--" there
    source = "\n".join(proxy)
    found = _signature_start(source, len(source))
    if found >= len(source):
        return len(text)
    return sum(map(len, lines[:_line_at(found, source, origin)]))


def without_forward_headers(text: str) -> str:
    """`text` without the header blocks of the mails it forwards (the mark, then "From: …",
    "Subject: …"): the names, subjects and dates of a mail passed on are neither the
    forwarder's words nor that mail's, and must not decide the language or the tone."""
    if not any(hint in text for hint in _FORWARD_HINTS):
        return text
    return _FORWARD_HEADERS.sub("", text)


@lru_cache(maxsize=1)
def _signature_pattern() -> re.Pattern[str]:
    return EmailMessage(text="", languages=list(LANGUAGES),
                        keep_hyphen_lists=True).SIGNATURE_REGEX


@lru_cache(maxsize=1)
def _our_signoff() -> re.Pattern[str]:
    """A line in lower case that opens with one of SIGNOFFS, a word of its own ("LG" is
    not "LGBT"). Lower case, for `re` to pass over the phrases whose first letter differs
    at no cost: in any case it tries each one, at three times the cost."""
    return re.compile(rf"(?:{'|'.join(_our_signoffs())})(?!\w)")


def _our_signoffs() -> Iterator[str]:
    return (phrase for phrases in SIGNOFFS.values() for phrase in phrases)


def _signature_start(region: str, default: int) -> int:
    """Offset of the first plausible signature in the new text, else `default`.

    The library treats "Thanks," at a line start as a sign-off and folds all after it,
    which would hide "Thanks, but it still crashes: …"; such a line is skipped, and so is a
    sign-off with a postscript below it ("P.S. The order number is 7781" was folded).

    Every way the library's pattern matches starts a line (after blank lines at most), so
    it is tried at line starts alone: a search tries it at every character, and took half
    the time the classify stage spends finding the customer's own words.
    """
    pattern = _signature_pattern()
    line = 0
    while line < len(region):
        next_line = region.find("\n", line) + 1 or len(region)
        if match := pattern.match(region, line):
            start = match.start() + len(match.group()) - len(match.group().lstrip())
        elif next_line - line <= _SIGNOFF_LINE and region[line].isalpha() and \
                _our_signoff().match(region[line:next_line].lower()):
            start = line  # a short line (a sign-off, a name at most) of a letter first
        else:
            line = next_line
            continue
        stop = region.find("\n", start)
        stop = len(region) if stop < 0 else stop
        if start > 0 and _plausible_signoff(region[start:stop]) and not \
                _POSTSCRIPT.search(region, stop):
            return start
        line = stop + 1
    return default


def _plausible_signoff(line: str) -> bool:
    """A sign-off phrase must end the sentence and be followed by a name at most."""
    opens = False
    for phrase in _signoff_phrases():
        found = phrase.match(line)
        if not found:
            continue
        opens = True
        rest = line[found.end():]
        if found.group()[-1:].isalnum() and rest[:1].isalnum():
            continue  # the phrase is the start of a longer word ("Grüßen Sie bitte …")
        if _SIGNOFF_TAIL.fullmatch(rest):
            return True
    lowered = line.lower()
    if found := _our_signoff().match(lowered):  # one search for all of SIGNOFFS
        return _SIGNOFF_TAIL.fullmatch(lowered, found.end()) is not None
    return not opens  # "-- ", "Sent from my …", a rule: not a phrase, always a signature


@lru_cache(maxsize=1)
def _signoff_phrases() -> tuple[re.Pattern[str], ...]:
    """The library's sign-off phrases for our languages, each compiled on its own."""
    phrases: list[re.Pattern[str]] = []
    for language in ("en", *LANGUAGES):
        for phrase in _as_list(MAIL_LANGUAGES.get(language, {}).get("signatures", [])):
            try:
                phrases.append(re.compile(rf"(?:> ?)*(?:{phrase})", re.IGNORECASE))
            except re.error:
                continue
    return tuple(phrases)


def _as_list(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        yield from (item for item in value if isinstance(item, str) and item)


def _trim(text: str) -> str:
    """Without blank lines at either end or trailing spaces; the first line keeps its indent."""
    text = text.rstrip()
    head = text[: len(text) - len(text.lstrip())]
    return text[max(head.rfind("\n"), head.rfind("\r")) + 1:]
